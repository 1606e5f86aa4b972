#pragma once
// The domain's state enums <-> the proto's. The proto numbers tasks and power states in the
// domain's order; vm states differ (the proto added REBOOT last), so they map by name.
#include "compute/v1/compute.pb.h"
#include "services/compute/domain/instance_state.h"

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

}  // namespace stratus::compute
