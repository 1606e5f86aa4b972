#pragma once
// Streaming an image file to and from the image service, shared by cloudctl, the tests and
// the benchmark. Memory stays at one chunk whatever the file size.
#include <cstdint>
#include <functional>
#include <string>

#include <grpcpp/grpcpp.h>

#include "image/v1/image.grpc.pb.h"

namespace stratus::image {

// Called after each chunk with the bytes done so far and the total.
using Progress = std::function<void(uint64_t done, uint64_t total)>;

inline constexpr size_t kDefaultChunkSize = 1 << 20;

// A stub of the image API on an insecure channel to `address`, set up for bulk transfers.
std::unique_ptr<cloud::image::v1::Images::Stub> transfer_stub(const std::string& address);

// Uploads `path` into the queued image `image` (id or name). `sha256` is the file's hex
// digest, computed here when empty. The call's status is returned as is.
grpc::Status upload_file(cloud::image::v1::Images::Stub& stub, grpc::ClientContext& context, const std::string& image,
                         const std::string& path, std::string sha256, const Progress& progress,
                         cloud::image::v1::Image* result, size_t chunk_size = kDefaultChunkSize);

// Downloads `image` into `path`. With `resume`, bytes already in `path` are kept and the
// download continues after them. The whole file's sha256 is checked against the service's
// (DATA_LOSS when they differ).
grpc::Status download_file(cloud::image::v1::Images::Stub& stub, grpc::ClientContext& context,
                           const std::string& image, const std::string& path, bool resume, const Progress& progress);

}  // namespace stratus::image
