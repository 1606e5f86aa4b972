#pragma once
// Where a volume's bytes live. The service keeps the rows and the status machine; a driver only
// makes and removes storage, named by the volume's id. Chosen in main.cpp by
// block-storage.backend. Drivers are called outside any transaction (they may be slow) and
// must be safe to call again for the same volume (a retry after a crash).
//
// Later slices add: clone (from an image or a volume).
#include <cstdint>
#include <functional>
#include <string>

namespace stratus::block_storage {

// How a hypervisor host reaches a volume's bytes (proto VolumeConnection): driver "file" with
// a path on storage the hosts share; a network backend would answer "rbd" or "iscsi".
struct Connection {
  std::string driver, path, format;
};

class VolumeDriver {
 public:
  virtual ~VolumeDriver() = default;
  // The name shown in Volume.backend: "qcow2".
  virtual std::string name() const = 0;
  // Makes the storage of `size_gib` GiB. On failure throws stratus::Error with a message for
  // the volume's fault and leaves nothing of it behind.
  virtual void create(const std::string& volume_id, int64_t size_gib) = 0;
  // Removes the storage; none there is success (idempotent). Throws stratus::Error on failure.
  virtual void remove(const std::string& volume_id) = 0;
  // Makes volume `volume_id` of `size_gib` from an image: `fetch(path)` writes the image's
  // bytes (of `disk_format` raw or qcow2) to a scratch file the driver names, which it then
  // converts. An image whose virtual size is larger than `size_gib` is INVALID_ARGUMENT. On
  // failure nothing of the new volume is left.
  virtual void create_from_image(const std::string& volume_id, int64_t size_gib, const std::string& disk_format,
                                 const std::function<void(const std::string& path)>& fetch) = 0;
  // Grows the (unattached) volume to `size_gib`; the same size again is success.
  virtual void extend(const std::string& volume_id, int64_t size_gib) = 0;
  // A snapshot of the volume's content now (the volume is not attached). Idempotent: a
  // snapshot of that id already there is success.
  virtual void snapshot(const std::string& volume_id, const std::string& snapshot_id) = 0;
  // Removes the snapshot; none there is success.
  virtual void delete_snapshot(const std::string& volume_id, const std::string& snapshot_id) = 0;
  // Makes volume `volume_id` of `size_gib` (>= the snapshot's) with the snapshot's content. On
  // failure throws and leaves nothing of the new volume behind.
  virtual void create_from_snapshot(const std::string& volume_id, int64_t size_gib, const std::string& source_volume_id,
                                    const std::string& snapshot_id) = 0;
  // What the agent on `host` needs to attach the volume (no side effect for files; a network
  // backend would export the volume to that host here).
  virtual Connection connection(const std::string& volume_id, const std::string& host) const = 0;
  // Whether the storage exists (recovery after a crash; tests).
  virtual bool exists(const std::string& volume_id) const = 0;
};

}  // namespace stratus::block_storage
