#pragma once
// Hand-built PortBindings for tests: what the network service would answer.
#include <string>
#include <vector>

#include "network/v1/network.pb.h"

namespace stratus::network_agent::testing {

using cloud::network::v1::BoundSecurityGroupRule;
using cloud::network::v1::PortBinding;

inline PortBinding port_binding(const std::string& id, int segment, const std::string& mac, const std::string& ip,
                                const std::string& cidr = "10.0.0.0/24", const std::string& gateway = "10.0.0.1") {
  PortBinding b;
  b.set_port_id(id);
  b.set_project_id("project");
  b.set_network_id("net-" + std::to_string(segment));
  b.set_segmentation_id(segment);
  b.set_mac_address(mac);
  b.set_host("host-1");
  auto* fixed = b.add_fixed_ips();
  fixed->set_ip_address(ip);
  fixed->set_subnet_id("subnet-" + std::to_string(segment));
  fixed->set_cidr(cidr);
  fixed->set_gateway_ip(gateway);
  fixed->set_gateway_mac("fa:16:3e:00:00:fe");
  return b;
}

inline BoundSecurityGroupRule& add_rule(PortBinding& b, const std::string& id, const std::string& direction,
                                        int protocol = 0) {
  auto* rule = b.add_security_group_rules();
  rule->set_id(id);
  rule->set_security_group_id("sg");
  rule->set_direction(direction);
  rule->set_ethertype("IPv4");
  rule->set_ip_protocol(protocol);
  return *rule;
}

inline BoundSecurityGroupRule& add_tcp_rule(PortBinding& b, const std::string& id, const std::string& direction,
                                            int port, const std::string& remote_cidr) {
  auto& rule = add_rule(b, id, direction, 6);
  rule.set_port_range_min(port);
  rule.set_port_range_max(port);
  rule.set_remote_ip_prefix(remote_cidr);
  return rule;
}

inline BoundSecurityGroupRule& add_remote_group_rule(PortBinding& b, const std::string& id,
                                                     const std::string& direction, const std::string& group,
                                                     const std::vector<std::string>& members) {
  auto& rule = add_rule(b, id, direction);
  rule.set_remote_group_id(group);
  for (const auto& m : members) rule.add_remote_ip_addresses(m);
  return rule;
}

inline void add_floating_ip(PortBinding& b, const std::string& floating, const std::string& mac) {
  auto* fip = b.add_floating_ips();
  fip->set_id("fip-" + floating);
  fip->set_floating_ip_address(floating);
  fip->set_fixed_ip_address(b.fixed_ips(0).ip_address());
  fip->set_mac_address(mac);
  fip->set_external_network_id("ext");
  fip->set_external_segmentation_id(1000);
  fip->set_external_cidr("172.24.4.0/24");
  fip->set_external_gateway_ip("172.24.4.1");
}

}  // namespace stratus::network_agent::testing
