#pragma once
// Instance files on local disk, under `instances_path`/<uuid>/:
//   disk          root disk, qcow2 overlay on the cached base image (grown to the flavor)
//   disk.eph0     ephemeral disk, blank qcow2 (the guest formats it)
//   disk.swap     swap disk, blank qcow2 (the guest runs mkswap)
//   disk.config   config drive, ISO9660 labelled config-2
//   console.log   the serial console (written by virtlogd)
//   images        the cached images it uses, one path a line (base first; for cache cleanup)
//   reboot_generation  the last reboot request applied
// Directories are 0755: QEMU runs as libvirt-qemu and must reach the files.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "services/compute-agent/drivers/disk_manager.h"
#include "services/compute-agent/drivers/image_cache.h"

namespace stratus::compute_agent {

class QcowDiskManager : public DiskManager {
 public:
  explicit QcowDiskManager(std::string instances_path);

  InstanceDisks prepare(const InstanceDisksSpec& spec) override;
  InstanceDisks paths(const std::string& instance_uuid) override;
  void remove_instance(const std::string& instance_uuid) override;
  std::vector<std::string> instance_uuids() override;
  std::set<std::string> base_images_in_use() override;
  std::uint64_t applied_reboot_generation(const std::string& instance_uuid) override;
  void set_applied_reboot_generation(const std::string& instance_uuid, std::uint64_t generation) override;
  std::uint64_t applied_snapshot_generation(const std::string& instance_uuid) override;
  void set_applied_snapshot_generation(const std::string& instance_uuid, std::uint64_t generation) override;
  std::string copy_root_disk(const std::string& instance_uuid) override;

 private:
  std::uint64_t read_generation(const std::string& instance_uuid, const char* file_name);
  void write_generation(const std::string& instance_uuid, const char* file_name, std::uint64_t generation);

  std::string instances_path_;
};

// Cached images as files named by image id under `cache_path`; a download goes to a
// hidden partial file, is checked against the sha256 the fetcher returns, and is renamed
// into place, so a cached file is always complete. The file's mtime is its last use.
class FileImageCache : public ImageCache {
 public:
  explicit FileImageCache(std::string cache_path);

  std::string acquire(const std::string& image_id, const ImageFetcher& fetch) override;
  std::set<std::string> remove_unused(const std::set<std::string>& in_use, std::chrono::seconds max_unused) override;

 private:
  struct Download;
  std::string fetch_into_cache(const std::string& image_id, const ImageFetcher& fetch);

  std::string cache_path_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Download>> downloads_;  // in flight, by image id
};

// The virtual size in bytes of a disk image, from `qemu-img info`.
std::uint64_t image_virtual_size(const std::string& path, const std::string& format);

}  // namespace stratus::compute_agent
