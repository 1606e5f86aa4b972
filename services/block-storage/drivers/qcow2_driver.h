#pragma once
// The first driver: one qcow2 file per volume in a directory (block-storage.volumes_path),
// "volume-<id>.qcow2", made with `qemu-img create -f qcow2` (thin: it takes space as it is
// written). Good for a single host or a shared file system; the agent attaches the file.
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
  Connection connection(const std::string& volume_id, const std::string& host) const override;
  bool exists(const std::string& volume_id) const override;

  std::string path_of(const std::string& volume_id) const;

 private:
  std::string directory_;
  std::string qemu_img_;
};

}  // namespace stratus::block_storage
