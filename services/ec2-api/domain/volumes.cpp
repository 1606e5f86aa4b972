#include "services/ec2-api/domain/volumes.h"

#include <algorithm>

namespace stratus::ec2 {
namespace {

std::vector<std::string> one(const std::string& v) {
  return v.empty() ? std::vector<std::string>{} : std::vector<std::string>{v};
}

}  // namespace

std::string volume_state(const std::string& status) {
  if (status == "CREATING") return "creating";
  if (status == "AVAILABLE" || status == "EXTENDING") return "available";
  if (status == "RESERVED" || status == "ATTACHING" || status == "IN_USE" || status == "DETACHING") return "in-use";
  if (status == "DELETING") return "deleting";
  if (status == "DELETED") return "deleted";
  return "error";  // ERROR, ERROR_DELETING, and a status this front does not know yet
}

std::string attachment_state(const std::string& volume_status, const std::string& compute_status) {
  if (compute_status == "ATTACHING") return "attaching";
  if (compute_status == "ATTACHED") return "attached";
  if (compute_status == "DETACHING") return "detaching";
  if (volume_status == "RESERVED" || volume_status == "ATTACHING") return "attaching";
  if (volume_status == "IN_USE") return "attached";
  if (volume_status == "DETACHING") return "detaching";
  return "detached";
}

std::optional<std::string> snapshot_state(const std::string& status) {
  if (status == "CREATING") return std::string("pending");
  if (status == "AVAILABLE") return std::string("completed");
  if (status == "DELETING" || status == "DELETED") return std::nullopt;
  return std::string("error");  // ERROR, ERROR_DELETING
}

std::string snapshot_progress(const std::string& ec2_state) { return ec2_state == "completed" ? "100%" : "0%"; }

std::optional<std::string> virtio_device(const std::string& ec2_device) {
  std::string name = ec2_device.compare(0, 5, "/dev/") == 0 ? ec2_device.substr(5) : ec2_device;
  for (const char* bus : {"xvd", "sd", "vd"}) {
    std::string prefix = bus;
    if (name.size() == prefix.size() + 1 && name.compare(0, prefix.size(), prefix) == 0) {
      char letter = name.back();
      if (letter >= 'b' && letter <= 'z') return "/dev/vd" + std::string(1, letter);
    }
  }
  return std::nullopt;
}

bool volume_type_supported(const std::string& type) { return type == "standard" || type == "gp2" || type == "gp3"; }

const std::vector<std::string>& volume_filter_names() {
  static const std::vector<std::string> names = {"volume-id",
                                                 "status",
                                                 "size",
                                                 "availability-zone",
                                                 "snapshot-id",
                                                 "volume-type",
                                                 "create-time",
                                                 "encrypted",
                                                 "multi-attach-enabled",
                                                 "attachment.instance-id",
                                                 "attachment.status",
                                                 "attachment.device",
                                                 "attachment.delete-on-termination"};
  return names;
}

std::vector<std::string> volume_filter_values(const VolumeFacts& f, const std::string& filter) {
  if (filter == "volume-id") return one(f.volume_id);
  if (filter == "status") return one(f.state);
  if (filter == "size") return {std::to_string(f.size_gib)};
  if (filter == "availability-zone") return one(f.availability_zone);
  if (filter == "snapshot-id") return one(f.snapshot_id);
  if (filter == "volume-type") return one(f.volume_type);
  if (filter == "create-time") return one(f.create_time);
  if (filter == "encrypted" || filter == "multi-attach-enabled") return {"false"};
  if (filter == "attachment.instance-id") return one(f.instance_id);
  if (filter == "attachment.status") return one(f.instance_id.empty() ? "" : f.attachment_state);
  if (filter == "attachment.device") return one(f.device);
  if (filter == "attachment.delete-on-termination") return one(f.delete_on_termination);
  return {};
}

const std::vector<std::string>& snapshot_filter_names() {
  static const std::vector<std::string> names = {"snapshot-id", "volume-id",  "status",      "owner-id", "description",
                                                 "start-time",  "progress",   "volume-size", "encrypted"};
  return names;
}

std::vector<std::string> snapshot_filter_values(const SnapshotFacts& f, const std::string& filter) {
  if (filter == "snapshot-id") return one(f.snapshot_id);
  if (filter == "volume-id") return one(f.volume_id);
  if (filter == "status") return one(f.state);
  if (filter == "owner-id") return one(f.owner_id);
  if (filter == "description") return one(f.description);
  if (filter == "start-time") return one(f.start_time);
  if (filter == "progress") return one(f.progress);
  if (filter == "volume-size") return {std::to_string(f.volume_size)};
  if (filter == "encrypted") return {"false"};
  return {};
}

bool owned_by(const std::vector<std::string>& owners, const std::string& project_id, const std::string& caller_project) {
  if (owners.empty()) return true;
  return std::any_of(owners.begin(), owners.end(), [&](const std::string& o) {
    return o == project_id || (o == "self" && project_id == caller_project);
  });
}

}  // namespace stratus::ec2
