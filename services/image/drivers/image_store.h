#pragma once
// Where image bytes live. The service streams through this seam and never holds an image in
// memory: a Writer takes chunks as they arrive, a Reader hands them out from an offset.
// LocalDirStore is the first implementation; an object store (multipart upload, ranged GET)
// or Ceph RBD fits the same shape.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace stratus::image {

class ImageStore {
 public:
  virtual ~ImageStore() = default;

  // Bytes of one upload, invisible until commit. Destroying an uncommitted Writer aborts it.
  class Writer {
   public:
    virtual ~Writer() = default;
    virtual void write(const char* data, size_t size) = 0;
    // Makes the bytes durable and visible under the image id, atomically: a reader sees the
    // whole image or nothing.
    virtual void commit() = 0;
    // Drops whatever was written; safe to call more than once.
    virtual void abort() noexcept = 0;
  };

  class Reader {
   public:
    virtual ~Reader() = default;
    // Up to `max` bytes into `buffer`; 0 at the end.
    virtual size_t read(char* buffer, size_t max) = 0;
  };

  // Starts an upload of `image_id`, replacing any leftover partial upload of it.
  virtual std::unique_ptr<Writer> begin_write(const std::string& image_id) = 0;
  // NOT_FOUND (stratus::Error) when the image has no committed bytes; offset past the end
  // reads nothing.
  virtual std::unique_ptr<Reader> open_read(const std::string& image_id, uint64_t offset) = 0;
  // Removes committed bytes and any partial upload; idempotent.
  virtual void remove(const std::string& image_id) = 0;
  // Removes only a partial upload (recovery after a crash); idempotent.
  virtual void remove_partial(const std::string& image_id) = 0;
  virtual bool exists(const std::string& image_id) = 0;
};

}  // namespace stratus::image
