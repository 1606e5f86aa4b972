#include "services/compute/domain/instance_state.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "common/error/error.h"

using namespace stratus;
using namespace stratus::compute;

namespace {

using V = VmState;
using T = TaskState;
using P = PowerState;
using A = Action;

const std::vector<VmState> kAllVm = {V::Building, V::Active, V::Shutoff, V::Rebooting, V::Error, V::Deleted};
const std::vector<TaskState> kAllTask = {T::None,       T::Scheduling,    T::Networking,    T::Spawning, T::PoweringOff,
                                         T::PoweringOn, T::Rebooting,     T::RebootingHard, T::ImageSnapshot,
                                         T::Deleting};
const std::vector<PowerState> kAllPower = {P::NoState, P::Running, P::Paused, P::Shutdown, P::Crashed};
const std::vector<Action> kAllActions = {A::Start,    A::Stop,     A::Reboot,           A::RebootHard,
                                         A::Delete,   A::Snapshot, A::AddSecurityGroup, A::RemoveSecurityGroup,
                                         A::ConsoleLog, A::AttachVolume, A::DetachVolume, A::Console};

// Every (vm, task) pair, including nonsense ones: the rules must hold for whatever is stored.
std::vector<Status> all_statuses() {
  std::vector<Status> all;
  for (VmState v : kAllVm)
    for (TaskState t : kAllTask) all.push_back({v, t});
  return all;
}

bool accepted(const Status& s, Action a) {
  try {
    check_action(s, a, "web-1");
    return true;
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::FailedPrecondition);
    return false;
  }
}

std::string refusal(const Status& s, Action a, const std::string& name = "web-1") {
  try {
    check_action(s, a, name);
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

std::string describe(const Status& s) { return std::string(to_string(s.vm)) + "/" + to_string(s.task); }

}  // namespace

TEST_CASE("state names are OpenStack's and round-trip", "[instance_state]") {
  CHECK(std::string(to_string(V::Building)) == "BUILD");
  CHECK(std::string(to_string(V::Shutoff)) == "SHUTOFF");
  CHECK(std::string(to_string(V::Rebooting)) == "REBOOT");
  CHECK(std::string(to_string(T::PoweringOff)) == "powering-off");
  CHECK(std::string(to_string(T::RebootingHard)) == "rebooting_hard");
  CHECK(std::string(to_string(T::ImageSnapshot)) == "image_snapshot");
  CHECK(std::string(to_string(P::Shutdown)) == "shutdown");
  CHECK(std::string(to_string(A::RebootHard)) == "reboot-hard");
  for (VmState v : kAllVm) CHECK(vm_state_from_string(to_string(v)) == v);
  for (TaskState t : kAllTask) CHECK(task_state_from_string(to_string(t)) == t);
  for (PowerState p : kAllPower) CHECK(power_state_from_string(to_string(p)) == p);
  CHECK(task_state_from_string("") == T::None);
  CHECK(power_state_from_string("pending") == P::NoState);
  CHECK_FALSE(vm_state_from_string("active"));
  CHECK_FALSE(vm_state_from_string("STOPPED"));
  CHECK_FALSE(task_state_from_string("powering_off"));
  CHECK_FALSE(power_state_from_string("RUNNING"));
}

TEST_CASE("the API status shows HARD_REBOOT during a hard reboot", "[instance_state]") {
  CHECK(api_status({V::Rebooting, T::RebootingHard}) == "HARD_REBOOT");
  CHECK(api_status({V::Rebooting, T::Rebooting}) == "REBOOT");
  CHECK(api_status({V::Active, T::None}) == "ACTIVE");
  CHECK(api_status({V::Building, T::Spawning}) == "BUILD");
}

TEST_CASE("which actions each status accepts", "[instance_state]") {
  struct Row {
    Status status;
    std::vector<Action> allowed;
  };
  const std::vector<Row> table = {
      {{V::Building, T::Scheduling}, {A::Delete, A::AddSecurityGroup, A::RemoveSecurityGroup}},
      {{V::Building, T::Networking}, {A::Delete, A::AddSecurityGroup, A::RemoveSecurityGroup}},
      {{V::Building, T::Spawning}, {A::Delete, A::AddSecurityGroup, A::RemoveSecurityGroup}},
      {{V::Active, T::None},
       {A::Stop, A::Reboot, A::RebootHard, A::Delete, A::Snapshot, A::AddSecurityGroup, A::RemoveSecurityGroup,
        A::ConsoleLog, A::AttachVolume, A::DetachVolume, A::Console}},
      {{V::Active, T::PoweringOff}, {A::Delete, A::AddSecurityGroup, A::RemoveSecurityGroup, A::ConsoleLog, A::Console}},
      {{V::Active, T::ImageSnapshot},
       {A::Delete, A::AddSecurityGroup, A::RemoveSecurityGroup, A::ConsoleLog, A::Console}},
      {{V::Active, T::Deleting}, {A::Delete, A::ConsoleLog}},
      {{V::Shutoff, T::None},
       {A::Start, A::RebootHard, A::Delete, A::Snapshot, A::AddSecurityGroup, A::RemoveSecurityGroup, A::ConsoleLog,
        A::AttachVolume, A::DetachVolume}},
      {{V::Shutoff, T::PoweringOn}, {A::Delete, A::AddSecurityGroup, A::RemoveSecurityGroup, A::ConsoleLog}},
      {{V::Rebooting, T::Rebooting},
       {A::RebootHard, A::Delete, A::AddSecurityGroup, A::RemoveSecurityGroup, A::ConsoleLog, A::Console}},
      {{V::Rebooting, T::RebootingHard},
       {A::Delete, A::AddSecurityGroup, A::RemoveSecurityGroup, A::ConsoleLog, A::Console}},
      {{V::Error, T::None},
       {A::Stop, A::RebootHard, A::Delete, A::AddSecurityGroup, A::RemoveSecurityGroup, A::ConsoleLog}},
      {{V::Error, T::Deleting}, {A::Delete, A::ConsoleLog}},
      {{V::Deleted, T::None}, {A::Delete}},
  };
  for (const Row& row : table) {
    for (Action a : kAllActions) {
      bool expected = std::find(row.allowed.begin(), row.allowed.end(), a) != row.allowed.end();
      INFO(describe(row.status) << " " << to_string(a));
      CHECK(accepted(row.status, a) == expected);
    }
  }
}

TEST_CASE("delete is accepted from every status", "[instance_state]") {
  for (const Status& s : all_statuses()) {
    INFO(describe(s));
    CHECK(accepted(s, A::Delete));
  }
}

TEST_CASE("a refusal names the instance and its current state", "[instance_state]") {
  CHECK(refusal({V::Shutoff, T::None}, A::Stop) == "cannot stop instance web-1: it is SHUTOFF");
  CHECK(refusal({V::Building, T::Spawning}, A::Start) == "cannot start instance web-1 while it is BUILD (spawning)");
  CHECK(refusal({V::Active, T::None}, A::Start) == "cannot start instance web-1: it is ACTIVE");
  CHECK(refusal({V::Shutoff, T::None}, A::Reboot) == "cannot reboot instance web-1: it is SHUTOFF");
  CHECK(refusal({V::Active, T::PoweringOff}, A::Snapshot) ==
        "cannot snapshot instance web-1 while it is ACTIVE (powering-off)");
  CHECK(refusal({V::Building, T::Scheduling}, A::ConsoleLog) ==
        "cannot show the console log of instance web-1 while it is BUILD (scheduling)");
  CHECK(refusal({V::Deleted, T::None}, A::AddSecurityGroup) ==
        "cannot add a security group to instance web-1: it is DELETED");
  std::string long_name(300, 'n');
  CHECK(refusal({V::Shutoff, T::None}, A::Stop, long_name).find(std::string(65, 'n')) == std::string::npos);
}

TEST_CASE("the status an accepted action records", "[instance_state]") {
  struct Row {
    Status from;
    Action action;
    Status to;
  };
  const std::vector<Row> table = {
      {{V::Shutoff, T::None}, A::Start, {V::Shutoff, T::PoweringOn}},
      {{V::Active, T::None}, A::Stop, {V::Active, T::PoweringOff}},
      {{V::Error, T::None}, A::Stop, {V::Error, T::PoweringOff}},
      {{V::Active, T::None}, A::Reboot, {V::Rebooting, T::Rebooting}},
      {{V::Active, T::None}, A::RebootHard, {V::Rebooting, T::RebootingHard}},
      {{V::Shutoff, T::None}, A::RebootHard, {V::Rebooting, T::RebootingHard}},
      {{V::Error, T::None}, A::RebootHard, {V::Rebooting, T::RebootingHard}},
      {{V::Rebooting, T::Rebooting}, A::RebootHard, {V::Rebooting, T::RebootingHard}},
      {{V::Active, T::None}, A::Snapshot, {V::Active, T::ImageSnapshot}},
      {{V::Shutoff, T::None}, A::Snapshot, {V::Shutoff, T::ImageSnapshot}},
      {{V::Active, T::None}, A::Delete, {V::Active, T::Deleting}},
      {{V::Building, T::Spawning}, A::Delete, {V::Building, T::Deleting}},
      {{V::Error, T::None}, A::Delete, {V::Error, T::Deleting}},
      {{V::Active, T::PoweringOff}, A::Delete, {V::Active, T::Deleting}},
      {{V::Active, T::Deleting}, A::Delete, {V::Active, T::Deleting}},
      {{V::Deleted, T::None}, A::Delete, {V::Deleted, T::None}},
      {{V::Active, T::None}, A::AddSecurityGroup, {V::Active, T::None}},
      {{V::Building, T::Networking}, A::RemoveSecurityGroup, {V::Building, T::Networking}},
      {{V::Shutoff, T::None}, A::ConsoleLog, {V::Shutoff, T::None}},
  };
  for (const Row& row : table) {
    INFO(describe(row.from) << " " << to_string(row.action));
    REQUIRE(accepted(row.from, row.action));
    CHECK(begin(row.from, row.action) == row.to);
    CHECK(is_legal(row.from, row.to));
  }
}

TEST_CASE("BUILD steps only go forward", "[instance_state]") {
  CHECK(on_building_step({V::Building, T::Scheduling}, T::Networking) == Status{V::Building, T::Networking});
  CHECK(on_building_step({V::Building, T::Networking}, T::Spawning) == Status{V::Building, T::Spawning});
  CHECK(on_building_step({V::Building, T::Scheduling}, T::Spawning) == Status{V::Building, T::Spawning});
  // repeats, going back, steps that are not BUILD's, and an instance being deleted: unchanged
  CHECK(on_building_step({V::Building, T::Spawning}, T::Spawning) == Status{V::Building, T::Spawning});
  CHECK(on_building_step({V::Building, T::Spawning}, T::Networking) == Status{V::Building, T::Spawning});
  CHECK(on_building_step({V::Building, T::Scheduling}, T::PoweringOn) == Status{V::Building, T::Scheduling});
  CHECK(on_building_step({V::Building, T::Deleting}, T::Spawning) == Status{V::Building, T::Deleting});
  CHECK(on_building_step({V::Active, T::None}, T::Spawning) == Status{V::Active, T::None});
  CHECK(on_building_step({V::Error, T::None}, T::Networking) == Status{V::Error, T::None});
}

TEST_CASE("BUILD becomes ACTIVE once spawned with ports active", "[instance_state]") {
  CHECK(on_spawned_and_ports_active({V::Building, T::Spawning}) == Status{V::Active, T::None});
  CHECK(on_spawned_and_ports_active({V::Building, T::Networking}) == Status{V::Active, T::None});
  for (const Status& s : all_statuses()) {
    if (s.vm == V::Building && (s.task == T::Spawning || s.task == T::Networking)) continue;
    INFO(describe(s));
    CHECK(on_spawned_and_ports_active(s) == s);  // scheduling, deleting, already active, error, ...
  }
}

TEST_CASE("observed power states", "[instance_state]") {
  struct Row {
    Status from;
    PowerState observed;
    Status to;
  };
  const std::vector<Row> table = {
      {{V::Active, T::PoweringOff}, P::Shutdown, {V::Shutoff, T::None}},
      {{V::Active, T::PoweringOff}, P::Crashed, {V::Shutoff, T::None}},
      {{V::Error, T::PoweringOff}, P::Shutdown, {V::Shutoff, T::None}},
      {{V::Active, T::PoweringOff}, P::Running, {V::Active, T::PoweringOff}},
      {{V::Shutoff, T::PoweringOn}, P::Running, {V::Active, T::None}},
      {{V::Shutoff, T::PoweringOn}, P::Shutdown, {V::Shutoff, T::PoweringOn}},
      {{V::Rebooting, T::Rebooting}, P::Running, {V::Active, T::None}},
      {{V::Rebooting, T::RebootingHard}, P::Running, {V::Active, T::None}},
      {{V::Rebooting, T::RebootingHard}, P::Shutdown, {V::Rebooting, T::RebootingHard}},
      {{V::Active, T::None}, P::Shutdown, {V::Shutoff, T::None}},  // died behind our back
      {{V::Active, T::None}, P::Crashed, {V::Shutoff, T::None}},
      {{V::Active, T::None}, P::Running, {V::Active, T::None}},
      {{V::Active, T::None}, P::NoState, {V::Active, T::None}},
      {{V::Active, T::None}, P::Paused, {V::Active, T::None}},
      {{V::Shutoff, T::None}, P::Running, {V::Shutoff, T::None}},  // the agent powers it off again
      {{V::Building, T::Spawning}, P::Running, {V::Building, T::Spawning}},
      {{V::Error, T::None}, P::Running, {V::Error, T::None}},
      {{V::Active, T::Deleting}, P::Shutdown, {V::Active, T::Deleting}},
      {{V::Active, T::ImageSnapshot}, P::Shutdown, {V::Active, T::ImageSnapshot}},
      {{V::Deleted, T::None}, P::Running, {V::Deleted, T::None}},
  };
  for (const Row& row : table) {
    INFO(describe(row.from) << " observed " << to_string(row.observed));
    CHECK(on_power_observed(row.from, row.observed) == row.to);
    CHECK(is_legal(row.from, row.to));
  }
}

TEST_CASE("failure, snapshot completion and deletion", "[instance_state]") {
  for (const Status& s : all_statuses()) {
    INFO(describe(s));
    CHECK(on_deleted(s) == Status{V::Deleted, T::None});
    if (s.vm == V::Deleted)
      CHECK(on_failure(s) == s);
    else
      CHECK(on_failure(s) == Status{V::Error, T::None});
    if (s.task == T::ImageSnapshot)
      CHECK(on_snapshot_done(s) == Status{s.vm, T::None});
    else
      CHECK(on_snapshot_done(s) == s);
  }
}

TEST_CASE("legal and illegal moves", "[instance_state]") {
  CHECK(is_legal({V::Active, T::None}, {V::Active, T::None}));
  CHECK(is_legal({V::Building, T::Spawning}, {V::Active, T::None}));
  CHECK(is_legal({V::Building, T::Scheduling}, {V::Error, T::None}));
  CHECK(is_legal({V::Active, T::Deleting}, {V::Deleted, T::None}));
  CHECK_FALSE(is_legal({V::Building, T::Scheduling}, {V::Active, T::None}));  // never spawned
  CHECK_FALSE(is_legal({V::Shutoff, T::None}, {V::Active, T::None}));         // only through powering-on
  CHECK_FALSE(is_legal({V::Active, T::None}, {V::Shutoff, T::PoweringOn}));
  CHECK_FALSE(is_legal({V::Deleted, T::None}, {V::Active, T::None}));
  CHECK_FALSE(is_legal({V::Deleted, T::None}, {V::Error, T::None}));
  CHECK_FALSE(is_legal({V::Error, T::None}, {V::Active, T::None}));
  CHECK_FALSE(is_legal({V::Active, T::Deleting}, {V::Active, T::None}));
  CHECK_FALSE(is_legal({V::Building, T::Spawning}, {V::Building, T::Networking}));
}

TEST_CASE("the lifecycle of an instance, end to end", "[instance_state]") {
  Status s;  // a new instance
  CHECK(s == Status{V::Building, T::Scheduling});
  s = on_building_step(s, T::Networking);
  s = on_building_step(s, T::Spawning);
  s = on_spawned_and_ports_active(s);
  CHECK(s == Status{V::Active, T::None});
  check_action(s, A::Stop, "web-1");
  s = begin(s, A::Stop);
  s = on_power_observed(s, P::Shutdown);
  CHECK(s == Status{V::Shutoff, T::None});
  check_action(s, A::Start, "web-1");
  s = begin(s, A::Start);
  s = on_power_observed(s, P::Running);
  CHECK(s == Status{V::Active, T::None});
  s = begin(s, A::Reboot);
  s = on_power_observed(s, P::Running);
  CHECK(s == Status{V::Active, T::None});
  s = begin(s, A::Delete);
  s = on_power_observed(s, P::Running);  // a late report while deleting changes nothing
  CHECK(s == Status{V::Active, T::Deleting});
  s = on_deleted(s);
  CHECK(s == Status{V::Deleted, T::None});
  CHECK(accepted(s, A::Delete));
  CHECK(begin(s, A::Delete) == s);
}
