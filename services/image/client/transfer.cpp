#include "services/image/client/transfer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "services/image/client/sha256.h"

namespace stratus::image {
namespace v1 = cloud::image::v1;
namespace {

grpc::Status local_failure(const std::string& what, const std::string& path) {
  return grpc::Status(grpc::StatusCode::ABORTED, what + " " + path + ": " + std::strerror(errno));
}

// Hashes the first `length` bytes of an open file (the part a resumed download keeps).
void hash_prefix(int fd, uint64_t length, Sha256& hash) {
  std::vector<char> buffer(kDefaultChunkSize);
  uint64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, buffer.data(), std::min<uint64_t>(buffer.size(), length - done), static_cast<off_t>(done));
    if (n <= 0) break;
    hash.update(buffer.data(), static_cast<size_t>(n));
    done += static_cast<uint64_t>(n);
  }
}

}  // namespace

grpc::Status upload_file(v1::Images::Stub& stub, grpc::ClientContext& context, const std::string& image,
                         const std::string& path, std::string sha256, const Progress& progress, v1::Image* result,
                         size_t chunk_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return local_failure("cannot open", path);
  struct stat st {};
  ::fstat(fd, &st);
  uint64_t total = static_cast<uint64_t>(st.st_size);
  if (sha256.empty()) sha256 = sha256_of_file(path);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  auto stream = stub.Upload(&context, result);
  v1::UploadRequest message;
  message.mutable_start()->set_image(image);
  message.mutable_start()->set_size(total);
  message.mutable_start()->set_sha256(sha256);
  bool open = stream->Write(message);
  uint64_t done = 0;
  std::string* data = message.mutable_data();
  while (open && done < total) {
    data->resize(std::min<uint64_t>(chunk_size, total - done));
    ssize_t n = ::read(fd, data->data(), data->size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the file shrank: the service sees a short upload and refuses it
    data->resize(static_cast<size_t>(n));
    open = stream->Write(message);
    done += static_cast<uint64_t>(n);
    if (progress) progress(done, total);
  }
  ::close(fd);
  stream->WritesDone();
  return stream->Finish();
}

grpc::Status download_file(v1::Images::Stub& stub, grpc::ClientContext& context, const std::string& image,
                           const std::string& path, bool resume, const Progress& progress) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | (resume ? 0 : O_TRUNC), 0644);
  if (fd < 0) return local_failure("cannot open", path);
  struct stat st {};
  ::fstat(fd, &st);
  uint64_t offset = resume ? static_cast<uint64_t>(st.st_size) : 0;
  Sha256 hash;
  hash_prefix(fd, offset, hash);
  ::lseek(fd, static_cast<off_t>(offset), SEEK_SET);

  v1::DownloadRequest request;
  request.set_image(image);
  request.set_offset(offset);
  auto stream = stub.Download(&context, request);
  v1::DownloadChunk chunk;
  uint64_t total = 0, done = offset;
  std::string expected;
  bool write_failed = false;
  while (stream->Read(&chunk)) {
    if (!chunk.sha256().empty()) {
      expected = chunk.sha256();
      total = chunk.image_size();
    }
    const std::string& data = chunk.data();
    if (::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
      write_failed = true;
      context.TryCancel();
      break;
    }
    hash.update(data.data(), data.size());
    done += data.size();
    if (progress) progress(done, total);
  }
  auto status = stream->Finish();
  ::close(fd);
  if (write_failed) status = local_failure("cannot write", path);
  else if (status.ok() && !expected.empty() && hash.hex_digest() != expected)
    status = grpc::Status(grpc::StatusCode::DATA_LOSS, "downloaded bytes do not match the image's sha256");
  // A fresh download that failed leaves no file; a resumed one keeps its bytes for the next try.
  if (!status.ok() && !resume) ::unlink(path.c_str());
  return status;
}

}  // namespace stratus::image
