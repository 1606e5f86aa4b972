#pragma once
// The pure parts of the compute commands (compute_commands.cpp): option values to API enums,
// KEY=VALUE lists, user data on the wire, and when a --wait is over. No I/O, unit-tested in
// compute_logic_test.cpp.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compute/v1/compute.pb.h"

namespace stratus::cloudctl::compute_logic {

namespace cv1 = cloud::compute::v1;

// "ed25519" / "rsa" (any case) for `keypair create --type`; UsageError otherwise.
cv1::KeyType key_type(const std::string& text);

// "affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity" (any case, '_' or '-').
cv1::ServerGroupPolicy group_policy(const std::string& text);
// The same names back, for tables: SERVER_GROUP_POLICY_SOFT_ANTI_AFFINITY -> "soft-anti-affinity".
std::string policy_name(cv1::ServerGroupPolicy policy);

// --property K=V (repeatable) -> a map; UsageError for an item without '=' or with an empty key,
// or a key given twice.
std::map<std::string, std::string> key_values(const std::vector<std::string>& items, const std::string& option);

// A whole number >= minimum for --name; UsageError otherwise (the service checks the maximum).
int whole_number(const std::string& option, const std::string& text, int minimum);

// Standard base64 with padding (RFC 4648), as CreateServerRequest.user_data wants it.
std::string base64(const std::string& bytes);

// Short state for people and progress lines: "ACTIVE", "BUILD (spawning)", "SHUTOFF (powering-on)".
std::string state_text(const cv1::Server& server);
std::string vm_state_name(cv1::VmState state);    // VM_STATE_ACTIVE -> "ACTIVE"
std::string task_state_name(cv1::TaskState task);  // TASK_STATE_POWERING_ON -> "powering-on", NONE -> ""

// Where a --wait stands for one server.
enum class Wait { kPending, kDone, kFailed };

// Waiting for `want` (ACTIVE after create/start/reboot, SHUTOFF after stop): done once the server
// is in that state with no task running; failed in ERROR (the fault says why) or when it is
// being deleted, or idle in another state with a fault recorded at or after `since_seconds` (Unix
// time the action was asked for: an action the agent could not do leaves the state and a fault).
Wait wait_for_state(const cv1::Server& server, cv1::VmState want, int64_t since_seconds = 0);

// The message a failed wait ends with: "server web-1 (id) is ERROR: <fault message>".
std::string failure_message(const cv1::Server& server);

}  // namespace stratus::cloudctl::compute_logic
