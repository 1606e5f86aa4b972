#pragma once
// The first driver: one qcow2 file per volume in a directory (block-storage.volumes_path),
// "volume-<id>.qcow2", made with `qemu-img create -f qcow2` (thin: it takes space as it is
// written). Good for a single host or a shared file system; the agent attaches the file.
// Snapshots are qcow2 internal snapshots "snapshot-<id>" of the volume's file (`qemu-img
// snapshot -c`: metadata and refcounts, not a copy, so it takes the same time at any size); a
// volume from a snapshot is a `qemu-img convert -l` of it (a full, independent copy).
#include <string>

#include "services/block-storage/drivers/volume_driver.h"

namespace stratus::block_storage {

class Qcow2Driver final : public VolumeDriver {
 public:
  // Creates `directory` (0711: QEMU, running as its own user, must reach the files by path,
  // but need not list them) when absent. `qemu_img`: the program, looked up on PATH.
  Qcow2Driver(std::string directory, std::string qemu_img = "qemu-img");

  std::string name() const override { return "qcow2"; }
  void create(const std::string& volume_id, int64_t size_gib) override;
  void remove(const std::string& volume_id) override;
  void create_from_image(const std::string& volume_id, int64_t size_gib, const std::string& disk_format,
                         const std::function<void(const std::string& path)>& fetch) override;
  void extend(const std::string& volume_id, int64_t size_gib) override;
  void snapshot(const std::string& volume_id, const std::string& snapshot_id) override;
  void delete_snapshot(const std::string& volume_id, const std::string& snapshot_id) override;
  void create_from_snapshot(const std::string& volume_id, int64_t size_gib, const std::string& source_volume_id,
                            const std::string& snapshot_id) override;
  Connection connection(const std::string& volume_id, const std::string& host) const override;
  bool exists(const std::string& volume_id) const override;

  std::string path_of(const std::string& volume_id) const;

 private:
  // Whether the volume's file has the internal snapshot (qemu-img snapshot -l).
  bool has_snapshot(const std::string& path, const std::string& tag) const;
  // Moves `partial` to `path`, or removes it and throws.
  void move_into_place(const std::string& partial, const std::string& path) const;

  std::string directory_;
  std::string qemu_img_;
};

}  // namespace stratus::block_storage
