#pragma once
// The seam to an instance's files on the host: its disks, config drive and console log,
// all in one directory per instance, so removing an instance is removing that directory.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "services/compute-agent/configdrive/configdrive.h"

namespace stratus::compute_agent {

struct InstanceDisksSpec {
  std::string instance_uuid;
  std::string base_image_path;          // the cached image the root disk is an overlay on
  std::string base_image_format = "raw";  // "raw" | "qcow2"
  // Other cached images the instance boots from (kernel, ramdisk): kept in the cache too.
  std::vector<std::string> other_cached_images;
  std::uint64_t root_gib = 0;           // grow the root disk to this when larger than the image
  std::uint64_t ephemeral_gib = 0;      // 0: no ephemeral disk
  std::uint64_t swap_mib = 0;           // 0: no swap disk
  std::optional<configdrive::ConfigDriveContent> config_drive;
};

// Paths of what prepare() made; absent members were not asked for.
struct InstanceDisks {
  std::string directory;
  std::string root;                     // qcow2
  std::optional<std::string> ephemeral;  // qcow2
  std::optional<std::string> swap;       // qcow2
  std::optional<std::string> config_drive;  // ISO9660, label config-2
  std::string console_log;
};

class DiskManager {
 public:
  virtual ~DiskManager() = default;
  // Creates what is missing and keeps what exists: the root overlay holds the guest's
  // writes, so a second call (a retry, a restart) must not replace it.
  virtual InstanceDisks prepare(const InstanceDisksSpec& spec) = 0;
  // The paths an instance's files have (or would have); creates nothing.
  virtual InstanceDisks paths(const std::string& instance_uuid) = 0;
  // Removes the instance's directory and everything in it. Missing is fine.
  virtual void remove_instance(const std::string& instance_uuid) = 0;
  // UUIDs of the instances that have a directory here.
  virtual std::vector<std::string> instance_uuids() = 0;
  // Cached images some instance uses (root overlay base, kernel, ramdisk; absolute paths).
  virtual std::set<std::string> base_images_in_use() = 0;
  // The last reboot generation the agent applied to the instance (0: none), kept with its
  // files so an agent restart does not reboot the guest again.
  virtual std::uint64_t applied_reboot_generation(const std::string& instance_uuid) = 0;
  virtual void set_applied_reboot_generation(const std::string& instance_uuid, std::uint64_t generation) = 0;
  // The same for snapshot uploads: a retried or duplicated snapshot is not taken twice.
  virtual std::uint64_t applied_snapshot_generation(const std::string& instance_uuid) = 0;
  virtual void set_applied_snapshot_generation(const std::string& instance_uuid, std::uint64_t generation) = 0;
  // A self-contained qcow2 copy of the root disk (the overlay and its base image flattened)
  // in the instance's directory; returns its path. The caller removes it after the upload.
  virtual std::string copy_root_disk(const std::string& instance_uuid) = 0;
};

}  // namespace stratus::compute_agent
