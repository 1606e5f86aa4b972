#pragma once
// Security group rules, pure: validation and normalization of a requested rule, the
// duplicate check, and the rules of a project's "default" group. Rules only allow; what no
// rule allows is dropped (ingress), so the only conflicts are rules equal in meaning.
#include <optional>
#include <string>
#include <vector>

namespace stratus::network {

inline constexpr const char* kIngress = "ingress";
inline constexpr const char* kEgress = "egress";
inline constexpr const char* kIPv4 = "IPv4";
inline constexpr const char* kIPv6 = "IPv6";
inline constexpr const char* kDefaultGroupName = "default";

// A rule as the API receives it (strings as typed; absent numbers are nullopt).
struct RuleRequest {
  std::string direction;   // ingress (default) or egress
  std::string ethertype;   // IPv4 (default) or IPv6
  std::string protocol;    // tcp, udp, icmp, any (default) or 0..255
  std::optional<int> port_range_min, port_range_max;
  std::optional<int> icmp_type, icmp_code;
  std::string remote_ip_prefix;
  std::string remote_group_id;  // already resolved to an id by the caller
};

// A valid rule in normal form: equal meaning gives equal fields.
struct Rule {
  std::string direction;
  std::string ethertype;
  std::string protocol;  // "any", "tcp", "udp", "icmp" or a decimal number
  int ip_protocol = 0;   // 0 any, 1 icmp, 58 icmp for IPv6, 6 tcp, 17 udp, ...
  std::optional<int> port_range_min, port_range_max;  // absent: every port
  std::optional<int> icmp_type, icmp_code;            // absent: every type / code
  std::string remote_ip_prefix;                       // CIDR; empty: any address
  std::string remote_group_id;
  bool operator==(const Rule& other) const;
};

// Throws INVALID_ARGUMENT with a message naming the offending field.
Rule normalize_rule(const RuleRequest& request);

// The index in `existing` of a rule equal to `candidate`, if any.
std::optional<size_t> find_duplicate(const Rule& candidate, const std::vector<Rule>& existing);

// "ingress tcp 22 from 0.0.0.0/0 (IPv4)": for messages and the command line.
std::string describe(const Rule& rule);

// What a project's "default" group allows: every egress, ingress from its own members.
std::vector<Rule> default_group_rules(const std::string& default_group_id);

}  // namespace stratus::network
