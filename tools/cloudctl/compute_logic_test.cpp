#include "tools/cloudctl/compute_logic.h"

#include <catch2/catch.hpp>

#include "tools/cloudctl/args.h"

using namespace stratus::cloudctl;
namespace logic = stratus::cloudctl::compute_logic;
namespace cv1 = cloud::compute::v1;

TEST_CASE("key types are ed25519 or rsa, in any case", "[cloudctl][compute]") {
  CHECK(logic::key_type("ed25519") == cv1::KEY_TYPE_ED25519);
  CHECK(logic::key_type("RSA") == cv1::KEY_TYPE_RSA);
  CHECK_THROWS_AS(logic::key_type("ecdsa"), UsageError);  // import only
  CHECK_THROWS_AS(logic::key_type(""), UsageError);
}

TEST_CASE("server group policies by their CLI names", "[cloudctl][compute]") {
  CHECK(logic::group_policy("affinity") == cv1::SERVER_GROUP_POLICY_AFFINITY);
  CHECK(logic::group_policy("anti-affinity") == cv1::SERVER_GROUP_POLICY_ANTI_AFFINITY);
  CHECK(logic::group_policy("Soft_Affinity") == cv1::SERVER_GROUP_POLICY_SOFT_AFFINITY);
  CHECK(logic::group_policy("soft-anti-affinity") == cv1::SERVER_GROUP_POLICY_SOFT_ANTI_AFFINITY);
  CHECK_THROWS_AS(logic::group_policy("spread"), UsageError);
  CHECK(logic::policy_name(cv1::SERVER_GROUP_POLICY_SOFT_ANTI_AFFINITY) == "soft-anti-affinity");
  for (auto name : {"affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"})
    CHECK(logic::policy_name(logic::group_policy(name)) == name);
}

TEST_CASE("KEY=VALUE options", "[cloudctl][compute]") {
  auto map = logic::key_values({"role=web", "empty=", "eq=a=b"}, "property");
  CHECK(map.at("role") == "web");
  CHECK(map.at("empty").empty());
  CHECK(map.at("eq") == "a=b");
  CHECK_THROWS_AS(logic::key_values({"novalue"}, "property"), UsageError);
  CHECK_THROWS_AS(logic::key_values({"=x"}, "property"), UsageError);
  CHECK_THROWS_AS(logic::key_values({"a=1", "a=2"}, "property"), UsageError);
  CHECK(logic::key_values({}, "property").empty());
}

TEST_CASE("whole numbers with a minimum", "[cloudctl][compute]") {
  CHECK(logic::whole_number("count", "3", 1) == 3);
  CHECK(logic::whole_number("disk", "0", 0) == 0);
  CHECK_THROWS_AS(logic::whole_number("count", "0", 1), UsageError);
  CHECK_THROWS_AS(logic::whole_number("count", "-1", 0), UsageError);
  CHECK_THROWS_AS(logic::whole_number("count", "2x", 1), UsageError);
  CHECK_THROWS_AS(logic::whole_number("count", "", 1), UsageError);
  CHECK_THROWS_AS(logic::whole_number("count", "9999999999", 1), UsageError);
}

TEST_CASE("user data is standard padded base64 (RFC 4648 test vectors)", "[cloudctl][compute]") {
  CHECK(logic::base64("") == "");
  CHECK(logic::base64("f") == "Zg==");
  CHECK(logic::base64("fo") == "Zm8=");
  CHECK(logic::base64("foo") == "Zm9v");
  CHECK(logic::base64("foob") == "Zm9vYg==");
  CHECK(logic::base64("fooba") == "Zm9vYmE=");
  CHECK(logic::base64("foobar") == "Zm9vYmFy");
  CHECK(logic::base64(std::string("\xff\xfe\x00", 3)) == "//4A");
}

namespace {
cv1::Server server(cv1::VmState state, cv1::TaskState task = cv1::TASK_STATE_NONE) {
  cv1::Server s;
  s.set_id("0b6f6b1e-0000-4000-8000-000000000001");
  s.set_name("web-1");
  s.set_vm_state(state);
  s.set_task_state(task);
  return s;
}
}  // namespace

TEST_CASE("a wait is done in the wanted state with no task running", "[cloudctl][compute]") {
  using logic::Wait;
  CHECK(logic::wait_for_state(server(cv1::VM_STATE_BUILD, cv1::TASK_STATE_SPAWNING), cv1::VM_STATE_ACTIVE) ==
        Wait::kPending);
  CHECK(logic::wait_for_state(server(cv1::VM_STATE_ACTIVE), cv1::VM_STATE_ACTIVE) == Wait::kDone);
  CHECK(logic::wait_for_state(server(cv1::VM_STATE_ACTIVE, cv1::TASK_STATE_POWERING_OFF), cv1::VM_STATE_SHUTOFF) ==
        Wait::kPending);
  CHECK(logic::wait_for_state(server(cv1::VM_STATE_SHUTOFF), cv1::VM_STATE_SHUTOFF) == Wait::kDone);
  CHECK(logic::wait_for_state(server(cv1::VM_STATE_REBOOT, cv1::TASK_STATE_REBOOTING_HARD), cv1::VM_STATE_ACTIVE) ==
        Wait::kPending);
}

TEST_CASE("a wait fails in ERROR, on deletion, or on a fault newer than the request", "[cloudctl][compute]") {
  using logic::Wait;
  auto failed = server(cv1::VM_STATE_ERROR);
  failed.mutable_fault()->set_message("no host has 4096 MiB RAM free");
  CHECK(logic::wait_for_state(failed, cv1::VM_STATE_ACTIVE) == Wait::kFailed);
  CHECK(logic::failure_message(failed) ==
        "server web-1 (0b6f6b1e-0000-4000-8000-000000000001) is ERROR: no host has 4096 MiB RAM free");
  CHECK(logic::wait_for_state(server(cv1::VM_STATE_ACTIVE, cv1::TASK_STATE_DELETING), cv1::VM_STATE_ACTIVE) ==
        Wait::kFailed);

  // A stop the agent could not do: ACTIVE again, idle, with a fault from after the request.
  auto refused = server(cv1::VM_STATE_ACTIVE);
  refused.mutable_fault()->set_message("libvirt: cannot stop");
  refused.mutable_fault()->mutable_created_at()->set_seconds(2000);
  CHECK(logic::wait_for_state(refused, cv1::VM_STATE_SHUTOFF, 1000) == Wait::kFailed);
  // ... but an old fault (from before the request) means the stop has not been taken up yet.
  CHECK(logic::wait_for_state(refused, cv1::VM_STATE_SHUTOFF, 3000) == Wait::kPending);
}

TEST_CASE("states read as people say them", "[cloudctl][compute]") {
  CHECK(logic::state_text(server(cv1::VM_STATE_ACTIVE)) == "ACTIVE");
  CHECK(logic::state_text(server(cv1::VM_STATE_BUILD, cv1::TASK_STATE_SPAWNING)) == "BUILD (spawning)");
  CHECK(logic::state_text(server(cv1::VM_STATE_SHUTOFF, cv1::TASK_STATE_POWERING_ON)) == "SHUTOFF (powering-on)");
  CHECK(logic::task_state_name(cv1::TASK_STATE_NONE).empty());
}
