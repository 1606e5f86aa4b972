#include "services/compute/domain/instance_state.h"

#include <initializer_list>

#include "common/error/error.h"

namespace stratus::compute {
namespace {

constexpr VmState kVmStates[] = {VmState::Building, VmState::Active,  VmState::Shutoff,
                                 VmState::Rebooting, VmState::Error, VmState::Deleted};
constexpr TaskState kTaskStates[] = {TaskState::None,         TaskState::Scheduling,  TaskState::Networking,
                                     TaskState::Spawning,     TaskState::PoweringOff, TaskState::PoweringOn,
                                     TaskState::Rebooting,    TaskState::RebootingHard, TaskState::ImageSnapshot,
                                     TaskState::Deleting};
constexpr PowerState kPowerStates[] = {PowerState::NoState, PowerState::Running, PowerState::Paused,
                                       PowerState::Shutdown, PowerState::Crashed};
constexpr Action kActions[] = {Action::Start,    Action::Stop,          Action::Reboot,
                               Action::RebootHard, Action::Delete,      Action::Snapshot,
                               Action::AddSecurityGroup, Action::RemoveSecurityGroup, Action::ConsoleLog,
                               Action::AttachVolume, Action::DetachVolume, Action::Console};

bool is_one_of(VmState value, std::initializer_list<VmState> allowed) {
  for (VmState a : allowed)
    if (a == value) return true;
  return false;
}

// How the refusal reads: "cannot <verb> instance NAME".
const char* verb(Action action) {
  switch (action) {
    case Action::Start: return "start";
    case Action::Stop: return "stop";
    case Action::Reboot: return "reboot";
    case Action::RebootHard: return "hard-reboot";
    case Action::Delete: return "delete";
    case Action::Snapshot: return "snapshot";
    case Action::AddSecurityGroup: return "add a security group to";
    case Action::RemoveSecurityGroup: return "remove a security group from";
    case Action::ConsoleLog: return "show the console log of";
    case Action::Console: return "open the console of";
    case Action::AttachVolume: return "attach a volume to";
    case Action::DetachVolume: return "detach a volume from";
  }
  return "change";
}

bool allowed(const Status& s, Action action) {
  const bool idle = s.task == TaskState::None;
  switch (action) {
    case Action::Start: return idle && s.vm == VmState::Shutoff;
    case Action::Stop: return idle && is_one_of(s.vm, {VmState::Active, VmState::Error});
    case Action::Reboot: return idle && s.vm == VmState::Active;
    case Action::RebootHard:
      return (idle && is_one_of(s.vm, {VmState::Active, VmState::Shutoff, VmState::Error})) ||
             (s.vm == VmState::Rebooting && s.task == TaskState::Rebooting);
    case Action::Snapshot: return idle && is_one_of(s.vm, {VmState::Active, VmState::Shutoff});
    case Action::AddSecurityGroup:
    case Action::RemoveSecurityGroup: return s.vm != VmState::Deleted && s.task != TaskState::Deleting;
    case Action::ConsoleLog:
      return is_one_of(s.vm, {VmState::Active, VmState::Shutoff, VmState::Rebooting, VmState::Error});
    case Action::Console: return is_one_of(s.vm, {VmState::Active, VmState::Rebooting}) && s.task != TaskState::Deleting;
    // Live into a running guest, or into the definition of a stopped one; never while a
    // task (a reboot, a snapshot) may redefine or pause the domain.
    case Action::AttachVolume:
    case Action::DetachVolume: return idle && is_one_of(s.vm, {VmState::Active, VmState::Shutoff});
    case Action::Delete: return true;
  }
  return false;
}

std::string display(const std::string& name) {
  return name.size() <= 64 ? name : name.substr(0, 61) + "...";
}

}  // namespace

const char* to_string(VmState state) {
  switch (state) {
    case VmState::Building: return "BUILD";
    case VmState::Active: return "ACTIVE";
    case VmState::Shutoff: return "SHUTOFF";
    case VmState::Rebooting: return "REBOOT";
    case VmState::Error: return "ERROR";
    case VmState::Deleted: return "DELETED";
  }
  return "ERROR";
}

const char* to_string(TaskState state) {
  switch (state) {
    case TaskState::None: return "none";
    case TaskState::Scheduling: return "scheduling";
    case TaskState::Networking: return "networking";
    case TaskState::Spawning: return "spawning";
    case TaskState::PoweringOff: return "powering-off";
    case TaskState::PoweringOn: return "powering-on";
    case TaskState::Rebooting: return "rebooting";
    case TaskState::RebootingHard: return "rebooting_hard";
    case TaskState::ImageSnapshot: return "image_snapshot";
    case TaskState::Deleting: return "deleting";
  }
  return "none";
}

const char* to_string(PowerState state) {
  switch (state) {
    case PowerState::NoState: return "nostate";
    case PowerState::Running: return "running";
    case PowerState::Paused: return "paused";
    case PowerState::Shutdown: return "shutdown";
    case PowerState::Crashed: return "crashed";
  }
  return "nostate";
}

const char* to_string(Action action) {
  switch (action) {
    case Action::Start: return "start";
    case Action::Stop: return "stop";
    case Action::Reboot: return "reboot";
    case Action::RebootHard: return "reboot-hard";
    case Action::Delete: return "delete";
    case Action::Snapshot: return "snapshot";
    case Action::AddSecurityGroup: return "add-security-group";
    case Action::RemoveSecurityGroup: return "remove-security-group";
    case Action::ConsoleLog: return "console-log";
    case Action::Console: return "console";
    case Action::AttachVolume: return "attach-volume";
    case Action::DetachVolume: return "detach-volume";
  }
  return "delete";
}

std::optional<VmState> vm_state_from_string(const std::string& text) {
  for (VmState s : kVmStates)
    if (text == to_string(s)) return s;
  return std::nullopt;
}

std::optional<TaskState> task_state_from_string(const std::string& text) {
  if (text.empty()) return TaskState::None;
  for (TaskState s : kTaskStates)
    if (text == to_string(s)) return s;
  return std::nullopt;
}

std::optional<PowerState> power_state_from_string(const std::string& text) {
  if (text == "pending") return PowerState::NoState;
  for (PowerState s : kPowerStates)
    if (text == to_string(s)) return s;
  return std::nullopt;
}

std::string api_status(const Status& status) {
  if (status.task == TaskState::RebootingHard) return "HARD_REBOOT";
  return to_string(status.vm);
}

void check_action(const Status& current, Action action, const std::string& instance_name) {
  if (allowed(current, action)) return;
  std::string message = std::string("cannot ") + verb(action) + " instance " + display(instance_name);
  if (current.task == TaskState::None)
    message += std::string(": it is ") + to_string(current.vm);
  else
    message += std::string(" while it is ") + to_string(current.vm) + " (" + to_string(current.task) + ")";
  throw failed_precondition(message);
}

Status begin(const Status& current, Action action) {
  switch (action) {
    case Action::Start: return {VmState::Shutoff, TaskState::PoweringOn};
    case Action::Stop: return {current.vm, TaskState::PoweringOff};
    case Action::Reboot: return {VmState::Rebooting, TaskState::Rebooting};
    case Action::RebootHard: return {VmState::Rebooting, TaskState::RebootingHard};
    case Action::Snapshot: return {current.vm, TaskState::ImageSnapshot};
    case Action::Delete:
      if (current.vm == VmState::Deleted) return {VmState::Deleted, TaskState::None};
      return {current.vm, TaskState::Deleting};
    case Action::AddSecurityGroup:
    case Action::RemoveSecurityGroup:
    case Action::ConsoleLog:
    case Action::Console:
    case Action::AttachVolume:
    case Action::DetachVolume: return current;
  }
  return current;
}

Status on_building_step(const Status& current, TaskState next) {
  auto rank = [](TaskState t) {
    switch (t) {
      case TaskState::Scheduling: return 1;
      case TaskState::Networking: return 2;
      case TaskState::Spawning: return 3;
      default: return 0;
    }
  };
  if (current.vm != VmState::Building || rank(next) == 0 || rank(current.task) == 0) return current;
  if (rank(next) <= rank(current.task)) return current;
  return {VmState::Building, next};
}

Status on_spawned_and_ports_active(const Status& current) {
  if (current.vm == VmState::Building &&
      (current.task == TaskState::Networking || current.task == TaskState::Spawning))
    return {VmState::Active, TaskState::None};
  return current;
}

Status on_power_observed(const Status& current, PowerState observed) {
  const bool off = observed == PowerState::Shutdown || observed == PowerState::Crashed;
  const bool running = observed == PowerState::Running;
  switch (current.task) {
    case TaskState::PoweringOff:
      return off ? Status{VmState::Shutoff, TaskState::None} : current;
    case TaskState::PoweringOn:
    case TaskState::Rebooting:
    case TaskState::RebootingHard:
      return running ? Status{VmState::Active, TaskState::None} : current;
    case TaskState::None:
      return current.vm == VmState::Active && off ? Status{VmState::Shutoff, TaskState::None} : current;
    default: return current;
  }
}

Status on_failure(const Status& current) {
  if (current.vm == VmState::Deleted) return current;
  return {VmState::Error, TaskState::None};
}

Status on_snapshot_done(const Status& current) {
  if (current.task != TaskState::ImageSnapshot) return current;
  return {current.vm, TaskState::None};
}

Status on_deleted(const Status&) { return {VmState::Deleted, TaskState::None}; }

bool is_legal(const Status& from, const Status& to) {
  if (from == to) return true;
  for (Action a : kActions)
    if (allowed(from, a) && begin(from, a) == to) return true;
  for (TaskState t : kTaskStates)
    if (on_building_step(from, t) == to) return true;
  for (PowerState p : kPowerStates)
    if (on_power_observed(from, p) == to) return true;
  return on_spawned_and_ports_active(from) == to || on_failure(from) == to || on_snapshot_done(from) == to ||
         on_deleted(from) == to;
}

}  // namespace stratus::compute
