#pragma once
// Volumes and snapshots as EC2 shows them, computed from what block storage and compute say,
// with no state of our own: the volume state, the attachment state, the snapshot state, the
// device names AttachVolume takes, and the volume types this cloud can honour. Pure: no
// protobuf types, no I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stratus::ec2 {

// Block storage's volume status by its enumerator's name without the prefix ("CREATING",
// "AVAILABLE", "RESERVED", "ATTACHING", "IN_USE", "DETACHING", "DELETING", "EXTENDING",
// "ERROR", "ERROR_DELETING", "DELETED"), as EC2's volume state:
//   CREATING                              -> creating
//   AVAILABLE, EXTENDING                  -> available (EC2 keeps a volume's state while it is
//                                            modified; only an available volume grows here)
//   RESERVED, ATTACHING, IN_USE, DETACHING -> in-use (EC2 shows in-use from AttachVolume on,
//                                            the attachment says how far it got)
//   DELETING                              -> deleting
//   ERROR, ERROR_DELETING                 -> error
//   DELETED                               -> deleted
std::string volume_state(const std::string& status);

// The attachment's state: compute's attachment status ("ATTACHING", "ATTACHED", "DETACHING";
// "" when compute lists none) wins, as compute drives the attachment; without it, the
// volume's status: RESERVED/ATTACHING -> attaching, IN_USE -> attached, DETACHING ->
// detaching; anything else -> detached (the volume is on no instance).
std::string attachment_state(const std::string& volume_status, const std::string& compute_status);

// Block storage's snapshot status ("CREATING", "AVAILABLE", "DELETING", "ERROR",
// "ERROR_DELETING", "DELETED") as EC2's: pending, completed, error; nullopt for a snapshot
// that is going or gone (DELETING, DELETED), which EC2 no longer lists once DeleteSnapshot
// answered.
std::optional<std::string> snapshot_state(const std::string& status);
// "100%" when completed, "0%" otherwise (block storage does not report progress).
std::string snapshot_progress(const std::string& ec2_state);

// The virtio disk an EC2 device name stands for: "/dev/sdf", "sdf", "/dev/xvdf", "xvdf",
// "/dev/vdf" and "vdf" are all "/dev/vdf" (instances here have virtio disks only, and the
// letter is kept). nullopt for anything else: partitions ("/dev/sdf1"), "/dev/sda" and
// "/dev/vda" (the root disk), other buses.
std::optional<std::string> virtio_device(const std::string& ec2_device);

// EC2's volume types this cloud can honour: "standard", "gp2" and "gp3" (general purpose)
// all name block storage's one kind of volume and show as kVolumeType; io1, io2, st1 and sc1
// promise IOPS or throughput that nothing here provisions, and are refused.
inline constexpr const char* kVolumeType = "standard";
bool volume_type_supported(const std::string& type);

// What DescribeVolumes' filters look at, in EC2's terms (ids already EC2 ids).
struct VolumeFacts {
  std::string volume_id, state, availability_zone, snapshot_id, volume_type, create_time;
  int64_t size_gib = 0;
  // Empty when the volume is on no instance.
  std::string instance_id, attachment_state, device, delete_on_termination;
};
// volume-id, status, size, availability-zone, snapshot-id, volume-type, create-time,
// encrypted, multi-attach-enabled, attachment.instance-id, attachment.status,
// attachment.device, attachment.delete-on-termination.
const std::vector<std::string>& volume_filter_names();
std::vector<std::string> volume_filter_values(const VolumeFacts& facts, const std::string& filter);

struct SnapshotFacts {
  std::string snapshot_id, volume_id, state, owner_id, description, start_time, progress;
  int64_t volume_size = 0;
};
// snapshot-id, volume-id, status, owner-id, description, start-time, progress, volume-size,
// encrypted.
const std::vector<std::string>& snapshot_filter_names();
std::vector<std::string> snapshot_filter_values(const SnapshotFacts& facts, const std::string& filter);

// DescribeSnapshots' Owner.N: true when a snapshot of `project_id` is among `owners` ("self"
// is the caller's project). Empty owners: every snapshot the caller may see.
bool owned_by(const std::vector<std::string>& owners, const std::string& project_id, const std::string& caller_project);

}  // namespace stratus::ec2
