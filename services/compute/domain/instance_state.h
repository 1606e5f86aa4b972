#pragma once
// The instance lifecycle as an explicit state machine (docs: /work/shared/ARCHITECTURE.md):
//   BUILD (scheduling -> networking -> spawning) -> ACTIVE <-> SHUTOFF; REBOOT; ERROR; DELETED.
// The vm state is what the instance is meant to be, the task state what is being done to it, and
// the power state (separate) what the hypervisor last observed. Users' actions are checked and
// begun here; what the agents and the network report moves the state on. Pure: the caller loads
// the status, asks here, and stores the result (compare-and-set on the old status in SQL).
#include <optional>
#include <string>

namespace stratus::compute {

enum class VmState { Building, Active, Shutoff, Rebooting, Error, Deleted };
enum class TaskState {
  None, Scheduling, Networking, Spawning, PoweringOff, PoweringOn, Rebooting, RebootingHard, ImageSnapshot,
  Deleting
};
enum class PowerState { NoState, Running, Paused, Shutdown, Crashed };
enum class Action {
  Start, Stop, Reboot, RebootHard, Delete, Snapshot, AddSecurityGroup, RemoveSecurityGroup, ConsoleLog,
  AttachVolume, DetachVolume, Console
};

struct Status {
  VmState vm = VmState::Building;
  TaskState task = TaskState::Scheduling;
  bool operator==(const Status& o) const { return vm == o.vm && task == o.task; }
  bool operator!=(const Status& o) const { return !(*this == o); }
};

// VmState: OpenStack's names "BUILD", "ACTIVE", "SHUTOFF", "REBOOT", "ERROR", "DELETED".
// TaskState: nova's spellings "none" (nova's null), "scheduling", "networking", "spawning",
//   "powering-off", "powering-on", "rebooting", "rebooting_hard", "image_snapshot", "deleting".
// PowerState: nova's "nostate", "running", "paused", "shutdown", "crashed".
// Action: "start", "stop", "reboot", "reboot-hard", "delete", "snapshot", "add-security-group",
//   "remove-security-group", "console-log", "attach-volume", "detach-volume".
const char* to_string(VmState state);
const char* to_string(TaskState state);
const char* to_string(PowerState state);
const char* to_string(Action action);
// Exact inverses of to_string (case-sensitive); task_state_from_string also takes "" as None,
// power_state_from_string also takes nova's "pending" as NoState. Unknown: std::nullopt.
std::optional<VmState> vm_state_from_string(const std::string& text);
std::optional<TaskState> task_state_from_string(const std::string& text);
std::optional<PowerState> power_state_from_string(const std::string& text);

// The server "status" as OpenStack shows it: the vm state's name, but "HARD_REBOOT" while the task
// is rebooting_hard.
std::string api_status(const Status& status);

// Throws Error(FailedPrecondition) naming the current state when `action` is not allowed now:
// "cannot stop instance web-1: it is SHUTOFF"; "cannot start instance web-1 while it is BUILD (spawning)".
//   Start:      SHUTOFF, no task.
//   Stop:       ACTIVE or ERROR, no task.
//   Reboot:     ACTIVE, no task.
//   RebootHard: ACTIVE, SHUTOFF or ERROR with no task, or escalating a soft reboot (REBOOT, rebooting).
//   Snapshot:   ACTIVE or SHUTOFF, no task.
//   Add/RemoveSecurityGroup: any state but DELETED and not while deleting.
//   ConsoleLog: ACTIVE, SHUTOFF, REBOOT or ERROR (any task).
//   Console:    ACTIVE or REBOOT (a running guest), not while deleting.
//   Attach/DetachVolume: ACTIVE or SHUTOFF, no task.
//   Delete:     EVERY state (idempotent), including ERROR, DELETED and while another task runs.
void check_action(const Status& current, Action action, const std::string& instance_name);

// The status recorded when an action is accepted (call check_action first):
//   Start -> {Shutoff, PoweringOn}; Stop -> {current vm, PoweringOff}; Reboot -> {Rebooting, Rebooting};
//   RebootHard -> {Rebooting, RebootingHard}; Snapshot -> {current vm, ImageSnapshot};
//   Delete -> {current vm, Deleting} (DELETED stays {Deleted, None}); the others change nothing.
Status begin(const Status& current, Action action);

// Transitions driven by what the hypervisor agent and the network report. None of them throws:
// an event that does not apply to the current status (a duplicate, a stale report, a report about
// an instance being deleted) returns `current` unchanged, and the caller then stores nothing.
//
// BUILD's steps, forward only: Scheduling -> Networking -> Spawning (a repeat of the current step
// is a no-op; going back, or any step outside BUILD, changes nothing).
Status on_building_step(const Status& current, TaskState next);
// BUILD -> {Active, None}, once the agent reported the domain spawned AND every port is ACTIVE (the
// caller decides both happened); applies from BUILD's networking or spawning step only.
Status on_spawned_and_ports_active(const Status& current);
// The power state the agent observed (and, for a task in flight, reported as its outcome):
//   PoweringOff + Shutdown|Crashed -> {Shutoff, None};  PoweringOn + Running -> {Active, None};
//   Rebooting|RebootingHard + Running -> {Active, None} (report it when the reboot is done);
//   {Active, None} + Shutdown|Crashed (died behind our back) -> {Shutoff, None}.
// Anything else (e.g. SHUTOFF + Running: the agent powers it off again) changes nothing.
Status on_power_observed(const Status& current, PowerState observed);
// A failed build or action -> {Error, None} (DELETED stays). A failed snapshot is not the
// instance's failure: use on_snapshot_done.
Status on_failure(const Status& current);
// The snapshot finished or failed: {vm, ImageSnapshot} -> {vm, None}.
Status on_snapshot_done(const Status& current);
// The agent removed the domain and the ports are released: -> {Deleted, None}.
Status on_deleted(const Status& current);

// Whether some accepted action or reported event moves `from` to `to` (staying put is legal).
// Lets the store assert what it writes.
bool is_legal(const Status& from, const Status& to);

}  // namespace stratus::compute
