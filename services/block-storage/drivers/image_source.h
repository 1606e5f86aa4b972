#pragma once
// Where volumes made from an image get it: the image service, called with the user's own
// token (so its visibility rules decide which images the user may copy). Behind an interface
// so the use cases do not know gRPC.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <grpcpp/grpcpp.h>

#include "image/v1/image.grpc.pb.h"

namespace stratus::block_storage {

struct ImageFacts {
  std::string id, name, status, disk_format;
  uint64_t size = 0;      // bytes
  uint32_t min_disk = 0;  // GiB
};

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  // The image as `token`'s user sees it: NOT_FOUND when invisible (the image service's code).
  virtual ImageFacts get(const std::string& token, const std::string& image) = 0;
  // Its bytes into `path` (sha256 checked by the transfer).
  virtual void download(const std::string& token, const std::string& image_id, const std::string& path) = 0;
};

// The image service over gRPC. The channel is opened on first use (`open`, e.g. the catalog's
// entry), so a block-storage without images configured still starts.
class GrpcImageSource final : public ImageSource {
 public:
  explicit GrpcImageSource(std::function<std::shared_ptr<grpc::Channel>()> open,
                           std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ImageFacts get(const std::string& token, const std::string& image) override;
  void download(const std::string& token, const std::string& image_id, const std::string& path) override;

 private:
  cloud::image::v1::Images::Stub& stub();

  std::function<std::shared_ptr<grpc::Channel>()> open_;
  std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::unique_ptr<cloud::image::v1::Images::Stub> stub_;
};

}  // namespace stratus::block_storage
