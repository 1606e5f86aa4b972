#include "services/block-storage/drivers/image_source.h"

#include "common/rpc/authenticator.h"
#include "common/rpc/status.h"
#include "services/image/client/transfer.h"

namespace stratus::block_storage {

namespace img = cloud::image::v1;

GrpcImageSource::GrpcImageSource(std::function<std::shared_ptr<grpc::Channel>()> open,
                                 std::chrono::milliseconds timeout)
    : open_(std::move(open)), timeout_(timeout) {}

img::Images::Stub& GrpcImageSource::stub() {
  std::lock_guard lock(mutex_);
  if (!stub_) stub_ = img::Images::NewStub(open_());
  return *stub_;
}

ImageFacts GrpcImageSource::get(const std::string& token, const std::string& image) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout_);
  rpc::attach_token(context, token);
  img::GetImageRequest request;
  request.set_image(image);
  img::Image response;
  rpc::check(stub().GetImage(&context, request, &response), "image");
  return ImageFacts{response.id(), response.name(), response.status(), response.disk_format(), response.size(),
                    response.min_disk()};
}

void GrpcImageSource::download(const std::string& token, const std::string& image_id, const std::string& path) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::hours(1));  // bounded by size
  rpc::attach_token(context, token);
  rpc::check(image::download_file(stub(), context, image_id, path, false, nullptr), "image " + image_id);
}

}  // namespace stratus::block_storage
