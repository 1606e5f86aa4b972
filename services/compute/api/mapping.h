#pragma once
// The domain's state enums <-> the proto's. The proto numbers tasks and power states in the
// domain's order; vm states differ (the proto added REBOOT last), so they map by name.
#include "compute/v1/compute.pb.h"
#include "services/compute/domain/instance_state.h"
#include "services/compute/store/compute_store.h"

namespace stratus::compute {

inline cloud::compute::v1::VmState to_proto(VmState s) {
  namespace v1 = cloud::compute::v1;
  switch (s) {
    case VmState::Building: return v1::VM_STATE_BUILD;
    case VmState::Active: return v1::VM_STATE_ACTIVE;
    case VmState::Shutoff: return v1::VM_STATE_SHUTOFF;
    case VmState::Rebooting: return v1::VM_STATE_REBOOT;
    case VmState::Error: return v1::VM_STATE_ERROR;
    case VmState::Deleted: return v1::VM_STATE_DELETED;
  }
  return v1::VM_STATE_UNSPECIFIED;
}

inline std::optional<VmState> from_proto(cloud::compute::v1::VmState s) {
  namespace v1 = cloud::compute::v1;
  switch (s) {
    case v1::VM_STATE_BUILD: return VmState::Building;
    case v1::VM_STATE_ACTIVE: return VmState::Active;
    case v1::VM_STATE_SHUTOFF: return VmState::Shutoff;
    case v1::VM_STATE_REBOOT: return VmState::Rebooting;
    case v1::VM_STATE_ERROR: return VmState::Error;
    case v1::VM_STATE_DELETED: return VmState::Deleted;
    default: return std::nullopt;
  }
}

inline cloud::compute::v1::TaskState to_proto(TaskState s) {
  return static_cast<cloud::compute::v1::TaskState>(static_cast<int>(s));
}

inline cloud::compute::v1::PowerState to_proto(PowerState s) {
  return static_cast<cloud::compute::v1::PowerState>(static_cast<int>(s));
}

inline PowerState from_proto(cloud::compute::v1::PowerState s) {
  int v = static_cast<int>(s);
  if (v < 0 || v > static_cast<int>(PowerState::Crashed)) return PowerState::NoState;
  return static_cast<PowerState>(v);
}

// The attachment's status as the store spells it ("attaching", "attached", "detaching").
inline cloud::compute::v1::AttachmentStatus attachment_status_to_proto(const std::string& s) {
  if (s == "attaching") return cloud::compute::v1::ATTACHMENT_STATUS_ATTACHING;
  if (s == "attached") return cloud::compute::v1::ATTACHMENT_STATUS_ATTACHED;
  if (s == "detaching") return cloud::compute::v1::ATTACHMENT_STATUS_DETACHING;
  return cloud::compute::v1::ATTACHMENT_STATUS_UNSPECIFIED;
}

inline void to_proto(const VolumeAttachmentRow& a, cloud::compute::v1::VolumeAttachment* out) {
  out->set_server_id(a.instance_id);
  out->set_volume_id(a.volume_id);
  out->set_device(a.device);
  out->set_status(attachment_status_to_proto(a.status));
  out->set_delete_on_termination(a.delete_on_termination);
  out->mutable_created_at()->set_seconds(a.created_at);
}

}  // namespace stratus::compute
