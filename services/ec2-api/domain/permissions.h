#pragma once
// EC2's IpPermissions and our security group rules, both ways. Pure: the actions turn
// proto rules into Rule and back.
//
// One EC2 permission (protocol, ports, many ranges and groups) is one rule per range or
// group here. Ports: tcp/udp FromPort-ToPort (0-65535 is every port); icmp FromPort is the
// type and ToPort the code (-1: all); protocol -1 is every protocol, without ports.
#include <optional>
#include <string>
#include <vector>

#include "services/ec2-api/domain/query.h"

namespace stratus::ec2 {

struct Rule {
  std::string ethertype = "IPv4";  // IPv4, IPv6
  std::string protocol = "any";    // any, tcp, udp, icmp, or a number
  std::optional<int> port_min, port_max, icmp_type, icmp_code;
  std::string remote_ip_prefix;    // empty: any address (with no remote group)
  std::string remote_group;        // our group reference (id or name); a Rule from a service holds the id
  std::string description;

  // The same traffic: unset ports equal 0-65535, an empty prefix equals 0.0.0.0/0 or ::/0.
  bool same_traffic(const Rule& other) const;
};

// A group reference in a permission: by id (already translated to our UUID) or by name.
struct GroupRef {
  std::string id_or_name;
};

// The rules a request's IpPermissions.N (or the legacy top-level IpProtocol/FromPort/
// ToPort/CidrIp/SourceSecurityGroupName) describe. Group ids in the request are EC2 ids;
// `group_uuid` turns one into our UUID ("" when malformed: InvalidGroupId.Malformed).
// Throws Ec2Error for what EC2 refuses (missing ports with tcp, bad CIDR shape...).
std::vector<Rule> rules_from_request(const QueryParams& params);

struct IpPermission {
  std::string ip_protocol;  // tcp, udp, icmp, -1, or a number
  std::optional<int> from_port, to_port;
  std::vector<std::pair<std::string, std::string>> ipv4_ranges;  // cidr, description
  std::vector<std::pair<std::string, std::string>> ipv6_ranges;
  std::vector<std::string> group_ids;  // our UUIDs of remote groups
};

// Groups the rules by protocol and ports, in the order first seen.
std::vector<IpPermission> permissions_from_rules(const std::vector<Rule>& rules);

}  // namespace stratus::ec2
