#pragma once
// Instances as EC2 shows them, computed from what compute says, with no state of our own:
// the instance state (code and name), the reservation an instance belongs to, its launch
// index, the order DescribeInstances lists them in and its paging tokens; the Elastic IP
// association ids. Pure: no protobuf types, no I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stratus::ec2 {

// EC2's instance states, with the codes boto3's waiters and every EC2 tool compare.
struct InstanceState {
  int code = 0;
  std::string name;  // pending, running, shutting-down, terminated, stopping, stopped
  bool operator==(const InstanceState& o) const { return code == o.code && name == o.name; }
  bool operator!=(const InstanceState& o) const { return !(*this == o); }
};
inline const InstanceState kPending{0, "pending"};
inline const InstanceState kRunning{16, "running"};
inline const InstanceState kShuttingDown{32, "shutting-down"};
inline const InstanceState kTerminated{48, "terminated"};
inline const InstanceState kStopping{64, "stopping"};
inline const InstanceState kStopped{80, "stopped"};

// Compute's status by its enumerators' names without their prefix: vm "BUILD", "ACTIVE",
// "SHUTOFF", "REBOOT", "ERROR", "DELETED"; task "NONE", "SCHEDULING", "NETWORKING",
// "SPAWNING", "POWERING_OFF", "POWERING_ON", "REBOOTING", "REBOOTING_HARD",
// "IMAGE_SNAPSHOT", "DELETING"; power "NOSTATE", "RUNNING", "PAUSED", "SHUTDOWN", "CRASHED".
//   deleting (any vm)            -> shutting-down
//   DELETED                      -> terminated
//   BUILD                        -> pending
//   powering-on                  -> pending (EC2 shows a starting instance so)
//   powering-off                 -> stopping
//   ACTIVE, REBOOT               -> running (a reboot keeps an EC2 instance running)
//   SHUTOFF                      -> stopped
//   ERROR with the power on      -> running; otherwise stopped (EC2 has no error state; a
//                                   stopped instance can still be terminated, which is what
//                                   its user must do, and the fault shows as stateReason)
InstanceState instance_state(const std::string& vm, const std::string& task, const std::string& power);
// The state of that name ("running" -> 16); nullopt for a name EC2 does not have.
std::optional<InstanceState> instance_state_named(const std::string& name);

// The counts RunInstances asks compute for, in order, until one fits: compute's create is all
// or nothing, and EC2 launches as many as fit between MinCount and MaxCount. Every count from
// MaxCount down when the range is small, else halving the distance to MinCount; MinCount last.
std::vector<int64_t> launch_counts(int64_t min_count, int64_t max_count);

// What DescribeInstances' filters look at, in EC2's terms (ids already EC2 ids).
struct InstanceFacts {
  std::string instance_id, reservation_id, owner_id, instance_type, image_id, key_name, availability_zone;
  std::string private_ip, public_ip;
  InstanceState state;
  std::vector<std::string> group_ids, group_names;
};
// The filter names DescribeInstances takes: instance-id, instance-state-name,
// instance-state-code, instance-type, image-id, key-name, availability-zone, reservation-id,
// owner-id, private-ip-address, ip-address, instance.group-id (and group-id),
// instance.group-name (and group-name).
const std::vector<std::string>& instance_filter_names();
// The instance's values for one of those names (none: an empty list, which no filter matches).
std::vector<std::string> instance_filter_values(const InstanceFacts& facts, const std::string& filter);

// The UUID a reservation id (r-...) shows: the create call's request_id when it is a UUID
// (the front sends one for every RunInstances, and cloudctl does for `server create
// --count`), a digest of it when it is some other string, the instance's own id when the
// server was made without one (a reservation of its own).
std::string reservation_uuid(const std::string& request_id, const std::string& instance_id);
// The request_id RunInstances sends compute for a ClientToken: a UUID derived from the token,
// so a retried call with the same token (compute deduplicates per project) answers the
// first call's reservation.
std::string client_token_request_id(const std::string& client_token);
// An association id (eipassoc-...) names one floating IP on one port: a digest of both, so
// a re-association gets a new id and the old one is NotFound, as on EC2, with no table.
std::string association_uuid(const std::string& floating_ip_id, const std::string& port_id);

// The members of one reservation in their launch order: `names` as compute made them
// (NAME-1 .. NAME-N for a count, any name for one server). Returns each one's amiLaunchIndex.
std::vector<int> launch_indexes(const std::vector<std::string>& names);

// DescribeInstances' order: by reservation, then launch index, then id, so one reservation's
// instances are listed together. The key is also what a NextToken carries.
std::string listing_key(const std::string& reservation_uuid, int launch_index, const std::string& instance_id);

// One page of a list sorted by key: the items [begin, end) and the token for the next page
// ("" on the last). `token` is "" or a NextToken this function made; anything else throws
// Ec2Error(InvalidParameterValue). `max_results` absent: everything.
struct PageWindow {
  size_t begin = 0;
  size_t end = 0;
  std::string next_token;
};
PageWindow page_window(const std::vector<std::string>& sorted_keys, std::optional<int64_t> max_results,
                       const std::string& token);

}  // namespace stratus::ec2
