#include "services/image/drivers/local_dir_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "common/error/error.h"
#include "common/validate/validate.h"

namespace stratus::image {
namespace {

// Writeback starts every so many bytes, so the final fsync does not wait for a whole image.
constexpr uint64_t kWritebackStep = 64ULL << 20;
// How far ahead of a download the disk is asked to read (page cache, not process memory).
constexpr off_t kReadAhead = 8 << 20;

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path);
}

void fsync_directory(const std::string& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("open directory", directory);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail("fsync directory", directory);
}

// Ids become file names, so only UUIDs are accepted (no path tricks).
void check_id(const std::string& image_id) {
  if (!validate::is_uuid(image_id)) throw invalid_argument("image id '" + image_id + "' is not a UUID");
}

class FileWriter final : public ImageStore::Writer {
 public:
  FileWriter(std::string directory, std::string partial, std::string final_path)
      : directory_(std::move(directory)), partial_(std::move(partial)), final_(std::move(final_path)) {
    fd_ = ::open(partial_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd_ < 0) fail("create", partial_);
  }
  ~FileWriter() override { abort(); }

  void write(const char* data, size_t size) override {
    while (size > 0) {
      ssize_t n = ::write(fd_, data, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail("write", partial_);
      data += n;
      size -= static_cast<size_t>(n);
      written_ += static_cast<uint64_t>(n);
    }
    if (written_ - flushed_ >= kWritebackStep) {
      ::sync_file_range(fd_, static_cast<off_t>(flushed_), static_cast<off_t>(written_ - flushed_),
                        SYNC_FILE_RANGE_WRITE);
      flushed_ = written_;
    }
  }

  void commit() override {
    if (::fsync(fd_) != 0) fail("fsync", partial_);
    if (::close(fd_) != 0) {
      fd_ = -1;
      fail("close", partial_);
    }
    fd_ = -1;
    if (::rename(partial_.c_str(), final_.c_str()) != 0) fail("rename", partial_);
    committed_ = true;
    fsync_directory(directory_);
  }

  void abort() noexcept override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!committed_) ::unlink(partial_.c_str());
    committed_ = true;  // nothing left to abort
  }

 private:
  std::string directory_, partial_, final_;
  int fd_ = -1;
  uint64_t written_ = 0;
  uint64_t flushed_ = 0;
  bool committed_ = false;
};

class FileReader final : public ImageStore::Reader {
 public:
  FileReader(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~FileReader() override { ::close(fd_); }

  size_t read(char* buffer, size_t max) override {
    for (;;) {
      ssize_t n = ::read(fd_, buffer, max);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail("read", path_);
      // The disk reads the next bytes while this chunk goes out: the kernel's own readahead
      // (128 KiB..) is too small to hide the disk behind one chunk's send.
      if (n > 0) {
        off_t at = ::lseek(fd_, 0, SEEK_CUR);
        ::posix_fadvise(fd_, at, kReadAhead, POSIX_FADV_WILLNEED);
      }
      return static_cast<size_t>(n);
    }
  }

 private:
  int fd_;
  std::string path_;
};

}  // namespace

LocalDirStore::LocalDirStore(std::string directory) : directory_(std::move(directory)) {
  std::filesystem::create_directories(directory_);
}

std::string LocalDirStore::final_path(const std::string& image_id) const { return directory_ + "/" + image_id; }
std::string LocalDirStore::partial_path(const std::string& image_id) const {
  return directory_ + "/" + image_id + ".partial";
}

std::unique_ptr<ImageStore::Writer> LocalDirStore::begin_write(const std::string& image_id) {
  check_id(image_id);
  return std::make_unique<FileWriter>(directory_, partial_path(image_id), final_path(image_id));
}

std::unique_ptr<ImageStore::Reader> LocalDirStore::open_read(const std::string& image_id, uint64_t offset) {
  check_id(image_id);
  std::string path = final_path(image_id);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) throw not_found("image data", image_id);
  if (fd < 0) fail("open", path);
  auto reader = std::make_unique<FileReader>(fd, path);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  if (::lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0) fail("seek", path);
  return reader;
}

void LocalDirStore::remove(const std::string& image_id) {
  check_id(image_id);
  remove_partial(image_id);
  if (::unlink(final_path(image_id).c_str()) != 0 && errno != ENOENT) fail("remove", final_path(image_id));
}

void LocalDirStore::remove_partial(const std::string& image_id) {
  check_id(image_id);
  if (::unlink(partial_path(image_id).c_str()) != 0 && errno != ENOENT) fail("remove", partial_path(image_id));
}

bool LocalDirStore::exists(const std::string& image_id) {
  check_id(image_id);
  struct stat st {};
  return ::stat(final_path(image_id).c_str(), &st) == 0;
}

}  // namespace stratus::image
