#pragma once
// gRPC handlers for cloud.image.v1.Images: authenticate the caller, translate the request,
// call the domain, translate the answer. The streaming handlers move chunks between the
// stream and the domain's Upload/Download, one chunk in memory at a time.
#include "common/log/log.h"
#include "common/rpc/authenticator.h"
#include "image/v1/image.grpc.pb.h"
#include "services/image/domain/images.h"

namespace stratus::image {

namespace v1 = cloud::image::v1;

class ImageApi final : public v1::Images::Service {
 public:
  ImageApi(Images& images, const rpc::Authenticator& auth, log::Logger logger)
      : images_(images), auth_(auth), logger_(std::move(logger)) {}

  grpc::Status CreateImage(grpc::ServerContext*, const v1::CreateImageRequest*, v1::Image*) override;
  grpc::Status GetImage(grpc::ServerContext*, const v1::GetImageRequest*, v1::Image*) override;
  grpc::Status ListImages(grpc::ServerContext*, const v1::ListImagesRequest*, v1::ListImagesResponse*) override;
  grpc::Status UpdateImage(grpc::ServerContext*, const v1::UpdateImageRequest*, v1::Image*) override;
  grpc::Status DeleteImage(grpc::ServerContext*, const v1::DeleteImageRequest*, v1::Empty*) override;
  grpc::Status AcceptImage(grpc::ServerContext*, const v1::ImageOfferRequest*, v1::Image*) override;
  grpc::Status RejectImage(grpc::ServerContext*, const v1::ImageOfferRequest*, v1::Image*) override;
  grpc::Status Upload(grpc::ServerContext*, grpc::ServerReader<v1::UploadRequest>*, v1::Image*) override;
  grpc::Status Download(grpc::ServerContext*, const v1::DownloadRequest*,
                        grpc::ServerWriter<v1::DownloadChunk>*) override;
  grpc::Status RegisterSnapshot(grpc::ServerContext*, const v1::RegisterSnapshotRequest*, v1::Image*) override;

 private:
  Images& images_;
  const rpc::Authenticator& auth_;
  log::Logger logger_;
};

void to_proto(const ImageRecord& image, v1::Image* out);

}  // namespace stratus::image
