#include "services/image/client/transfer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "services/image/client/chunk_pipe.h"
#include "services/image/client/sha256.h"

namespace stratus::image {
namespace v1 = cloud::image::v1;
namespace {

constexpr int kMaxFrameSize = 1 << 20;
constexpr off_t kReadAhead = 8 << 20;

// Chunks in flight between receiving and writing a download.
constexpr size_t kPipeDepth = 3;

bool write_all(int fd, const std::string& data) {
  for (size_t at = 0; at < data.size();) {
    ssize_t n = ::write(fd, data.data() + at, data.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

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

std::unique_ptr<v1::Images::Stub> transfer_stub(const std::string& address) {
  grpc::ChannelArguments args;
  // Downloads: the service may send HTTP/2 frames this large (the default 16 KiB makes 64
  // frames, each handled apart, of every 1 MiB chunk).
  args.SetInt(GRPC_ARG_HTTP2_MAX_FRAME_SIZE, kMaxFrameSize);
  return v1::Images::NewStub(grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
}

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
    done += static_cast<uint64_t>(n);
    // The disk reads the next chunks while this one is sent (page cache, not our memory).
    ::posix_fadvise(fd, static_cast<off_t>(done), kReadAhead, POSIX_FADV_WILLNEED);
    open = stream->Write(message);
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
  std::string write_error;
  {
    // Writing and hashing run on a thread of their own while this one receives the next
    // chunks (a few at most, so memory stays flat).
    ChunkPipe pipe(kPipeDepth, [&](const std::string& data) {
      if (!write_all(fd, data)) throw std::system_error(errno, std::generic_category());
      hash.update(data.data(), data.size());
    });
    try {
      while (stream->Read(&chunk)) {
        if (!chunk.sha256().empty()) {
          expected = chunk.sha256();
          total = chunk.image_size();
        }
        done += chunk.data().size();
        pipe.push(std::move(*chunk.mutable_data()));  // moved, not copied
        if (progress) progress(done, total);
      }
      pipe.drain();
    } catch (const std::system_error& e) {
      write_error = e.code().message();
      context.TryCancel();
    }
  }
  auto status = stream->Finish();
  ::close(fd);
  if (!write_error.empty())
    status = grpc::Status(grpc::StatusCode::ABORTED, "cannot write " + path + ": " + write_error);
  else if (status.ok() && !expected.empty() && hash.hex_digest() != expected)
    status = grpc::Status(grpc::StatusCode::DATA_LOSS, "downloaded bytes do not match the image's sha256");
  // A fresh download that failed leaves no file; a resumed one keeps its bytes for the next try.
  if (!status.ok() && !resume) ::unlink(path.c_str());
  return status;
}

}  // namespace stratus::image
