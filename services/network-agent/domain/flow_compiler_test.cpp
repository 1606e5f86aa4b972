#include "domain/flow_compiler.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "domain/test_bindings.h"

using namespace stratus::network_agent;
using namespace stratus::network_agent::testing;

namespace {

const std::string kPortA = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string kPortB = "bbbbbbbb-0000-4000-8000-000000000002";
const BridgeLayout kLayout{1, 1};

std::vector<Flow> flows_in(const FlowSet& flows, int table_id) {
  std::vector<Flow> out;
  for (const auto& f : flows)
    if (f.table == table_id) out.push_back(f);
  return out;
}

bool has_flow(const FlowSet& flows, int table_id, const std::vector<std::string>& match_fields,
              const std::string& actions_part) {
  Flow wanted = make_flow(table_id, 0, 0, match_fields, "");
  return std::any_of(flows.begin(), flows.end(), [&](const Flow& f) {
    return f.table == table_id && f.match == wanted.match && f.actions.find(actions_part) != std::string::npos;
  });
}

// Ports each with one ingress rule from a remote group of `members` addresses.
std::size_t flows_for_remote_group(int ports, int members) {
  std::vector<std::string> addresses;
  for (int m = 0; m < members; ++m) addresses.push_back("10.1." + std::to_string(m / 250) + "." + std::to_string(m % 250 + 1));
  std::vector<LocalPort> local;
  for (int p = 0; p < ports; ++p) {
    auto b = port_binding("port-" + std::to_string(p), 100, "fa:16:3e:00:01:" + std::to_string(10 + p),
                          "10.0.0." + std::to_string(10 + p));
    add_remote_group_rule(b, "r", "ingress", "group-g", addresses);
    local.push_back({b, 10 + p});
  }
  return compile_host(local, kLayout).integration.size();
}

}  // namespace

TEST_CASE("a port may send only from its own MAC and addresses", "[compiler]") {
  auto flows = compile_host({{port_binding(kPortA, 100, "fa:16:3e:00:00:01", "10.0.0.5"), 3}}, kLayout).integration;
  auto classify = flows_in(flows, table::kClassify);
  CHECK(has_flow(flows, table::kClassify, {"in_port=3", "dl_src=fa:16:3e:00:00:01", "ip", "nw_src=10.0.0.5"},
                 "goto_table:30"));
  CHECK(has_flow(flows, table::kClassify,
                 {"in_port=3", "dl_src=fa:16:3e:00:00:01", "arp", "arp_spa=10.0.0.5", "arp_sha=fa:16:3e:00:00:01"},
                 "goto_table:20"));
  // Nothing else from in_port=3 passes table 0: the rest falls to the drop at priority 0.
  for (const auto& f : classify)
    if (f.match.find("in_port=3") != std::string::npos) CHECK(f.match.find("dl_src=fa:16:3e:00:00:01") != std::string::npos);
  CHECK(has_flow(flows, table::kClassify, {}, "drop"));
}

TEST_CASE("the gateway of a port's subnet answers ARP inside the port's network only", "[compiler]") {
  auto flows = compile_host({{port_binding(kPortA, 100, "fa:16:3e:00:00:01", "10.0.0.5"), 3}}, kLayout).integration;
  CHECK(has_flow(flows, table::kArp, {"reg6=0x64", "arp", "arp_tpa=10.0.0.1", "arp_op=1"},
                 "set_field:fa:16:3e:00:00:fe->arp_sha"));
}

TEST_CASE("a port without rules gets no firewall allow flows", "[compiler]") {
  auto bare = port_binding(kPortA, 100, "fa:16:3e:00:00:01", "10.0.0.5");
  auto flows = compile_host({{bare, 3}}, kLayout).integration;
  for (int t : {table::kEgressFirewall, table::kIngressFirewall}) {
    auto firewall = flows_in(flows, t);
    // Only what every port shares: replies and related traffic of allowed connections, the
    // drop of invalid ones, and the default drop.
    CHECK(firewall.size() == 4);
    CHECK(has_flow(flows, t, {}, "drop"));
    CHECK(has_flow(flows, t, {"ct_state=+inv+trk"}, "drop"));
    for (const auto& f : firewall) CHECK(f.match.find("reg") == std::string::npos);
  }
  // The same port with one rule does get a flow of its own there: the check above can fail.
  add_tcp_rule(bare, "r", "ingress", 22, "0.0.0.0/0");
  auto with_rule = flows_in(compile_host({{bare, 3}}, kLayout).integration, table::kIngressFirewall);
  CHECK(std::any_of(with_rule.begin(), with_rule.end(),
                    [](const Flow& f) { return f.match.find("reg7=0x3") != std::string::npos; }));
}

TEST_CASE("a tcp/22 rule from a CIDR becomes one ingress flow for that CIDR and port", "[compiler]") {
  auto b = port_binding(kPortA, 100, "fa:16:3e:00:00:01", "10.0.0.5");
  add_tcp_rule(b, "r1", "ingress", 22, "192.168.1.0/24");
  auto flows = compile_host({{b, 3}}, kLayout).integration;
  CHECK(has_flow(flows, table::kIngressFirewall,
                 {"ct_state=-rpl+trk", "tcp", "reg7=0x3", "nw_src=192.168.1.0/24", "tp_dst=22"},
                 "ct(commit,zone=NXM_NX_REG7[0..15]),output:NXM_NX_REG7[0..15]"));
}

TEST_CASE("an egress rule to anywhere matches no remote address", "[compiler]") {
  auto b = port_binding(kPortA, 100, "fa:16:3e:00:00:01", "10.0.0.5");
  add_rule(b, "r1", "egress").set_remote_ip_prefix("0.0.0.0/0");
  auto flows = compile_host({{b, 3}}, kLayout).integration;
  CHECK(has_flow(flows, table::kEgressFirewall, {"ct_state=-rpl+trk", "ip", "reg5=0x3"}, "goto_table:40"));
}

TEST_CASE("a port range becomes the fewest masked matches", "[compiler]") {
  CHECK(port_range_matches(22, 22) == std::vector<std::string>{"22"});
  CHECK(port_range_matches(22, 23) == std::vector<std::string>{"0x16/0xfffe"});
  CHECK(port_range_matches(1000, 1999).size() <= 12);
  CHECK(port_range_matches(0, 65535).empty());
  CHECK(port_range_matches(1, 65535).size() == 16);
}

TEST_CASE("remote-group rules use one conjunction per group shared by ports", "[compiler]") {
  auto a = port_binding(kPortA, 100, "fa:16:3e:00:00:01", "10.0.0.5");
  auto b = port_binding(kPortB, 100, "fa:16:3e:00:00:02", "10.0.0.6");
  add_remote_group_rule(a, "r", "ingress", "default", {"10.0.0.5", "10.0.0.6"});
  add_remote_group_rule(b, "r", "ingress", "default", {"10.0.0.5", "10.0.0.6"});
  auto flows = compile_host({{a, 3}, {b, 4}}, kLayout).integration;
  CHECK(has_flow(flows, table::kIngressFirewall, {"ct_state=-rpl+trk", "ip", "reg7=0x3"}, ",1/2)"));
  CHECK(has_flow(flows, table::kIngressFirewall, {"ct_state=-rpl+trk", "ip", "reg7=0x4"}, ",1/2)"));
  CHECK(has_flow(flows, table::kIngressFirewall, {"ip", "reg6=0x64", "nw_src=10.0.0.5"}, ",2/2)"));
  CHECK(has_flow(flows, table::kIngressFirewall, {"ip", "reg6=0x64", "nw_src=10.0.0.6"}, ",2/2)"));
  std::size_t conj_action_flows = 0;
  for (const auto& f : flows_in(flows, table::kIngressFirewall))
    if (f.match.find("conj_id=") != std::string::npos) ++conj_action_flows;
  CHECK(conj_action_flows == 1);
}

TEST_CASE("flows grow with ports plus members, not their product", "[compiler]") {
  std::size_t base = flows_for_remote_group(10, 10);
  std::size_t more_ports = flows_for_remote_group(20, 10);
  std::size_t more_members = flows_for_remote_group(10, 20);
  std::size_t both = flows_for_remote_group(20, 20);
  CHECK(both - base == (more_ports - base) + (more_members - base));
  // And the cost of one more port does not depend on the group's size.
  CHECK(flows_for_remote_group(11, 200) - flows_for_remote_group(10, 200) ==
        flows_for_remote_group(11, 10) - flows_for_remote_group(10, 10));
}

TEST_CASE("ports of different networks never forward to each other", "[compiler]") {
  auto a = port_binding(kPortA, 100, "fa:16:3e:00:00:01", "10.0.0.5");
  auto b = port_binding(kPortB, 200, "fa:16:3e:00:00:02", "10.0.0.5");  // same CIDR, other project
  auto flows = compile_host({{a, 3}, {b, 4}}, kLayout).integration;
  CHECK(has_flow(flows, table::kL2Forward, {"reg6=0x64", "dl_dst=fa:16:3e:00:00:01"}, "set_field:0x3->reg7"));
  CHECK(has_flow(flows, table::kL2Forward, {"reg6=0xc8", "dl_dst=fa:16:3e:00:00:02"}, "set_field:0x4->reg7"));
  CHECK_FALSE(has_flow(flows, table::kL2Forward, {"reg6=0x64", "dl_dst=fa:16:3e:00:00:02"}, ""));
  CHECK(has_flow(flows, table::kL2Forward, {"reg6=0x64", "arp", "dl_dst=ff:ff:ff:ff:ff:ff"}, "output:3"));
  CHECK_FALSE(has_flow(flows, table::kL2Forward, {"reg6=0x64", "arp", "dl_dst=ff:ff:ff:ff:ff:ff"}, "output:4"));
}

TEST_CASE("a floating IP is answered on the external bridge and NATed on this host", "[compiler]") {
  auto a = port_binding(kPortA, 100, "fa:16:3e:00:00:01", "10.0.0.5");
  add_floating_ip(a, "172.24.4.10", "fa:16:3e:00:0f:01");
  auto host = compile_host({{a, 3}}, BridgeLayout{7, 8});
  CHECK(has_flow(host.external, 0, {"arp", "arp_op=1", "arp_tpa=172.24.4.10"}, "set_field:172.24.4.10->arp_spa"));
  CHECK(has_flow(host.external, 0, {"dl_dst=fa:16:3e:00:0f:01"}, "output:8"));
  CHECK(has_flow(host.integration, table::kClassify, {"in_port=7"}, "goto_table:60"));
  CHECK(has_flow(host.integration, table::kDnatCommit, {"ct_state=+new+trk", "ip", "reg7=0x3", "nw_dst=172.24.4.10"},
                 "nat(dst=10.0.0.5)"));
  CHECK(has_flow(host.integration, table::kSnatCommit, {"ct_state=+new+trk", "ip", "reg5=0x3", "nw_src=10.0.0.5"},
                 "nat(src=172.24.4.10)"));
}

TEST_CASE("a floating IP learns its external gateway from the reply to the agent's ARP request", "[compiler]") {
  auto a = port_binding(kPortA, 100, "fa:16:3e:00:00:01", "10.0.0.5");
  add_floating_ip(a, "172.24.4.10", "fa:16:3e:00:0f:01");
  auto host = compile_host({{a, 3}}, BridgeLayout{7, 8});
  // The reply to the floating address teaches table 49 the gateway's MAC for that source.
  CHECK(has_flow(host.integration, table::kDnatLookup,
                 {"arp", "arp_op=2", "arp_spa=172.24.4.1", "arp_tpa=172.24.4.10"},
                 "learn(table=49,idle_timeout=3600,priority=10,cookie=0x2,eth_type=0x800,"
                 "NXM_OF_IP_SRC[]=NXM_OF_ARP_TPA[]"));
  // A destination with no learned next hop goes on to the gateway table, which drops
  // until the gateway has answered.
  CHECK(has_flow(host.integration, table::kExternalNextHop, {}, "goto_table:49"));
  CHECK(has_flow(host.integration, table::kExternalGateway, {}, "drop"));
  REQUIRE(host.gateway_probes.size() == 1);
  CHECK(*host.gateway_probes.begin() == ArpProbe{"fa:16:3e:00:0f:01", "172.24.4.10", "172.24.4.1"});

  // No gateway on the external subnet: nothing to ask.
  a.mutable_floating_ips(0)->clear_external_gateway_ip();
  auto without = compile_host({{a, 3}}, BridgeLayout{7, 8});
  CHECK(without.gateway_probes.empty());
  CHECK_FALSE(has_flow(without.integration, table::kDnatLookup, {"arp", "arp_op=2", "arp_spa=172.24.4.1",
                                                                 "arp_tpa=172.24.4.10"}, ""));
}

TEST_CASE("a floating IP claimed by two ports during a move goes to one of them", "[compiler]") {
  auto a = port_binding(kPortA, 100, "fa:16:3e:00:00:01", "10.0.0.5");
  auto b = port_binding(kPortB, 100, "fa:16:3e:00:00:02", "10.0.0.6");
  add_floating_ip(a, "172.24.4.10", "fa:16:3e:00:0f:01");
  add_floating_ip(b, "172.24.4.10", "fa:16:3e:00:0f:01");
  auto host = compile_host({{a, 3}, {b, 4}}, kLayout);
  // The FIP's inbound flow, its gateway's ARP reply (learns table 49), and the drop.
  CHECK(flows_in(host.integration, table::kDnatLookup).size() == 3);
  CHECK(host.gateway_probes.size() == 1);
}

TEST_CASE("the flows do not depend on the order of ports, rules or members", "[compiler]") {
  // The same desired state, as the service might list it in two different orders.
  auto a = port_binding(kPortA, 100, "fa:16:3e:00:00:01", "10.0.0.5");
  auto b = port_binding(kPortB, 100, "fa:16:3e:00:00:02", "10.0.0.6");
  add_remote_group_rule(a, "r", "ingress", "default", {"10.0.0.5", "10.0.0.6"});
  add_remote_group_rule(a, "r2", "egress", "other", {"10.0.0.9"});
  add_tcp_rule(a, "r3", "ingress", 22, "192.0.2.0/24");
  add_floating_ip(a, "172.24.4.10", "fa:16:3e:00:0f:01");
  add_remote_group_rule(b, "r", "ingress", "default", {"10.0.0.5", "10.0.0.6"});

  auto a_reordered = port_binding(kPortA, 100, "fa:16:3e:00:00:01", "10.0.0.5");
  add_floating_ip(a_reordered, "172.24.4.10", "fa:16:3e:00:0f:01");
  add_tcp_rule(a_reordered, "r3", "ingress", 22, "192.0.2.0/24");
  add_remote_group_rule(a_reordered, "r2", "egress", "other", {"10.0.0.9"});
  add_remote_group_rule(a_reordered, "r", "ingress", "default", {"10.0.0.6", "10.0.0.5"});
  auto b_reordered = port_binding(kPortB, 100, "fa:16:3e:00:00:02", "10.0.0.6");
  add_remote_group_rule(b_reordered, "r", "ingress", "default", {"10.0.0.6", "10.0.0.5"});

  auto first = compile_host({{a, 3}, {b, 4}}, kLayout);
  auto second = compile_host({{b_reordered, 4}, {a_reordered, 3}}, kLayout);
  REQUIRE(first.integration.size() > 20);  // a real host's worth of flows, not two empty sets
  CHECK(first.integration == second.integration);
  CHECK(first.external == second.external);
  CHECK(first.conntrack_zones == second.conntrack_zones);
  CHECK(first.gateway_probes == second.gateway_probes);
  // And a different state does give different flows: the comparison can fail.
  auto c = port_binding(kPortB, 100, "fa:16:3e:00:00:02", "10.0.0.7");
  CHECK(compile_host({{a, 3}, {c, 4}}, kLayout).integration != first.integration);
}

TEST_CASE("each port's floating-IP NAT has its own conntrack zone and flows matching only that port", "[compiler]") {
  // Two tenants on one host with the same fixed address, each with a floating IP.
  auto a = port_binding(kPortA, 100, "fa:16:3e:00:00:01", "10.0.0.5");
  auto b = port_binding(kPortB, 200, "fa:16:3e:00:00:02", "10.0.0.5");
  add_floating_ip(a, "172.24.4.10", "fa:16:3e:00:0f:01");
  add_floating_ip(b, "172.24.4.11", "fa:16:3e:00:0f:02");
  auto host = compile_host({{a, 3}, {b, 4}}, BridgeLayout{7, 8});
  CHECK(nat_zone(3) == 0x8003);
  CHECK(has_flow(host.integration, table::kSnatLookup, {"ip", "reg5=0x3"}, "ct(table=46,zone=32771,nat)"));
  CHECK(has_flow(host.integration, table::kSnatLookup, {"ip", "reg5=0x4"}, "ct(table=46,zone=32772,nat)"));
  CHECK(has_flow(host.integration, table::kSnatCommit, {"ct_state=+new+trk", "ip", "reg5=0x3", "nw_src=10.0.0.5"},
                 "ct(commit,table=47,zone=32771,nat(src=172.24.4.10))"));
  CHECK(has_flow(host.integration, table::kSnatCommit, {"ct_state=+new+trk", "ip", "reg5=0x4", "nw_src=10.0.0.5"},
                 "ct(commit,table=47,zone=32772,nat(src=172.24.4.11))"));
  CHECK(has_flow(host.integration, table::kSnatRewrite, {"ip", "reg5=0x3", "nw_src=172.24.4.10"},
                 "set_field:fa:16:3e:00:0f:01->eth_src"));
  CHECK(has_flow(host.integration, table::kDnatLookup, {"ip", "nw_dst=172.24.4.10"}, "ct(table=61,zone=32771,nat)"));
  CHECK(has_flow(host.integration, table::kDnatCommit, {"ct_state=+new+trk", "ip", "reg7=0x4", "nw_dst=172.24.4.11"},
                 "ct(commit,table=62,zone=32772,nat(dst=10.0.0.5))"));
  // Nothing in the NAT tables matches every port, and no flow uses a shared zone.
  for (int t : {table::kSnatLookup, table::kSnatCommit, table::kSnatRewrite})
    for (const auto& f : flows_in(host.integration, t))
      if (f.priority > 5) CHECK(f.match.find("reg5=") != std::string::npos);
  CHECK(has_flow(host.integration, table::kSnatLookup, {}, "drop"));
  for (const auto& f : host.integration) CHECK(f.actions.find("zone=65520") == std::string::npos);
  // The zones and their owners, which the agent flushes when they change.
  CHECK(host.conntrack_zones.at(3) == "fw " + kPortA);
  CHECK(host.conntrack_zones.at(0x8003) == "nat " + kPortA + " 172.24.4.10=10.0.0.5");
  CHECK(host.conntrack_zones.at(0x8004) == "nat " + kPortB + " 172.24.4.11=10.0.0.5");
}

TEST_CASE("a port whose ofport leaves no NAT zone gets no floating IP", "[compiler]") {
  auto a = port_binding(kPortA, 100, "fa:16:3e:00:00:01", "10.0.0.5");
  add_floating_ip(a, "172.24.4.10", "fa:16:3e:00:0f:01");
  auto host = compile_host({{a, 0x8000}}, BridgeLayout{7, 8});
  CHECK_FALSE(has_flow(host.integration, table::kDnatLookup, {"ip", "nw_dst=172.24.4.10"}, ""));
  CHECK(flows_in(host.integration, table::kSnatCommit).size() == 2);  // the shared ones only
  CHECK(host.external.size() == 1);
  CHECK(host.conntrack_zones.count(0x8000) == 1);  // its firewall zone; no NAT zone
  CHECK(host.conntrack_zones.at(0x8000) == "fw " + kPortA);
  CHECK(host.warnings.size() == 1);
}

TEST_CASE("remote-group members match only on the network of the port naming the group", "[compiler]") {
  auto a = port_binding(kPortA, 100, "fa:16:3e:00:00:01", "10.0.0.5");
  auto b = port_binding(kPortB, 200, "fa:16:3e:00:00:02", "10.0.0.5");
  add_remote_group_rule(a, "r", "ingress", "default", {"10.0.0.7"});
  add_remote_group_rule(b, "r", "egress", "other", {"10.0.0.7"});
  add_floating_ip(a, "172.24.4.10", "fa:16:3e:00:0f:01");
  auto flows = compile_host({{a, 3}, {b, 4}}, kLayout).integration;
  CHECK(has_flow(flows, table::kIngressFirewall, {"ip", "reg6=0x64", "nw_src=10.0.0.7"}, ",2/2)"));
  CHECK_FALSE(has_flow(flows, table::kIngressFirewall, {"ip", "nw_src=10.0.0.7"}, ""));
  CHECK_FALSE(has_flow(flows, table::kIngressFirewall, {"ip", "reg6=0xc8", "nw_src=10.0.0.7"}, ""));
  CHECK(has_flow(flows, table::kEgressFirewall, {"ip", "reg6=0xc8", "nw_dst=10.0.0.7"}, ",2/2)"));
  // From the outside, after DNAT, reg6 is the external network's (1000), not the port's.
  CHECK(has_flow(flows, table::kDnatLookup, {"ip", "nw_dst=172.24.4.10"}, "set_field:0x3e8->reg6"));
  CHECK_FALSE(has_flow(flows, table::kDnatLookup, {"ip", "nw_dst=172.24.4.10"}, "set_field:0x64->reg6"));
}

TEST_CASE("a port with a gateway MAC of its network gets no delivery flow", "[compiler]") {
  auto gw = port_binding(kPortA, 100, "FA:16:3E:00:00:FE", "10.0.0.9");  // the gateway MAC of test_bindings
  auto b = port_binding(kPortB, 100, "fa:16:3e:00:00:02", "10.0.0.6");
  auto host = compile_host({{gw, 3}, {b, 4}}, kLayout);
  for (const auto& f : flows_in(host.integration, table::kL2Forward))
    CHECK(f.actions.find("set_field:0x3->reg7") == std::string::npos);
  CHECK(has_flow(host.integration, table::kL2Forward, {"reg6=0x64", "dl_dst=fa:16:3e:00:00:02"}, "set_field:0x4->reg7"));
  CHECK(host.warnings.size() == 1);
  // The same MAC on another network, whose gateway has another MAC, is delivered.
  auto other = port_binding(kPortA, 300, "fa:16:3e:00:00:fe", "10.0.0.9");
  other.mutable_fixed_ips(0)->set_gateway_mac("fa:16:3e:00:01:fe");
  auto elsewhere = compile_host({{other, 3}, {b, 4}}, kLayout);
  CHECK(has_flow(elsewhere.integration, table::kL2Forward, {"reg6=0x12c", "dl_dst=fa:16:3e:00:00:fe"},
                 "set_field:0x3->reg7"));
}

TEST_CASE("a port range on a protocol without ports allows nothing", "[compiler]") {
  auto a = port_binding(kPortA, 100, "fa:16:3e:00:00:01", "10.0.0.5");
  auto& icmp = add_rule(a, "r-icmp", "ingress", 1);
  icmp.set_port_range_min(8);  // icmp keeps its type/code fields: not a port range
  auto& gre = add_rule(a, "r-gre", "ingress", 47);
  gre.set_port_range_min(22);
  gre.set_port_range_max(22);
  auto& gre_rg = add_rule(a, "r-gre-rg", "egress", 47);
  gre_rg.set_port_range_min(22);
  gre_rg.set_remote_group_id("default");
  gre_rg.add_remote_ip_addresses("10.0.0.7");
  auto& esp = add_rule(a, "r-esp", "ingress", 50);  // no range: the whole protocol, as asked
  (void)esp;
  auto host = compile_host({{a, 3}}, kLayout);
  for (int t : {table::kIngressFirewall, table::kEgressFirewall})
    for (const auto& f : flows_in(host.integration, t)) {
      CHECK(f.match.find("nw_proto=47") == std::string::npos);
      CHECK(f.match.find("nw_dst=10.0.0.7") == std::string::npos);
    }
  CHECK(has_flow(host.integration, table::kIngressFirewall, {"ct_state=-rpl+trk", "ip", "reg7=0x3", "nw_proto=50"},
                 "output:NXM_NX_REG7[0..15]"));
  CHECK(host.warnings.size() == 2);
}

TEST_CASE("a tcp rule over every port matches tcp without a port match instead of nothing", "[compiler]") {
  auto a = port_binding(kPortA, 100, "fa:16:3e:00:00:01", "10.0.0.5");
  auto& rule = add_tcp_rule(a, "all-tcp", "ingress", 0, "0.0.0.0/0");
  rule.set_port_range_max(65535);
  auto flows = flows_in(compile_host({{a, 3}}, kLayout).integration, table::kIngressFirewall);
  bool found = std::any_of(flows.begin(), flows.end(), [](const Flow& f) {
    return f.match.find("tcp") != std::string::npos && f.match.find("tp_dst") == std::string::npos;
  });
  CHECK(found);
}
