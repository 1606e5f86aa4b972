#include "domain/flow_compiler.h"

#include <algorithm>
#include <cctype>
#include <arpa/inet.h>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

namespace stratus::network_agent {

namespace {

using cloud::network::v1::BoundFixedIp;
using cloud::network::v1::BoundFloatingIp;
using cloud::network::v1::BoundSecurityGroupRule;
using cloud::network::v1::PortBinding;

// Firewall tables: the order in which a packet's fate is decided.
constexpr int kPriorityInvalid = 100;
constexpr int kPriorityReply = 90;
constexpr int kPriorityRelated = 89;
constexpr int kPriorityDirectRule = 71;
constexpr int kPriorityConjunction = 70;  // every conjunctive flow shares one priority

std::string hex(std::uint64_t value) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(value));
  return buffer;
}

std::string reg(const char* name, std::uint64_t value) { return std::string(name) + "=" + hex(value); }
std::string set_reg(const char* name, std::uint64_t value) { return "set_field:" + hex(value) + "->" + name; }
std::string goto_table(int t) { return "goto_table:" + std::to_string(t); }

bool is_ipv4(const std::string& address) {
  in_addr parsed{};
  return inet_pton(AF_INET, address.c_str(), &parsed) == 1;
}

// "nw_src=10.0.0.0/24"; a /32 is printed by OVS as the bare address; /0 matches everything.
std::string cidr_match(const std::string& field, const std::string& cidr) {
  if (cidr.empty()) return "";
  auto slash = cidr.find('/');
  if (slash == std::string::npos) return field + "=" + cidr;
  std::string length = cidr.substr(slash + 1);
  if (length == "0") return "";
  if (length == "32") return field + "=" + cidr.substr(0, slash);
  return field + "=" + cidr;
}

std::string arp_responder(const std::string& mac, const std::string& ip) {
  return "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:" + mac +
         "->eth_src,set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
         "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:" +
         mac + "->arp_sha,set_field:" + ip + "->arp_spa,IN_PORT";
}

// The two directions of the firewall differ only in these.
struct Direction {
  int table;
  const char* port_register;  // the port whose rules apply: reg5 sender, reg7 receiver
  const char* remote_field;   // where the other end's address is
  std::string allow;          // what an allowed packet does
};

const Direction kEgress{table::kEgressFirewall, "reg5", "nw_dst",
                        "ct(commit,zone=NXM_NX_REG5[0..15])," + goto_table(table::kRoute)};
const Direction kIngress{table::kIngressFirewall, "reg7", "nw_src",
                         "ct(commit,zone=NXM_NX_REG7[0..15]),output:NXM_NX_REG7[0..15]"};

const Direction& direction_of(const BoundSecurityGroupRule& rule) {
  return rule.direction() == "egress" ? kEgress : kIngress;
}

// Each alternative is one flow's protocol fields (a port range may need several flows).
std::vector<std::vector<std::string>> protocol_alternatives(const BoundSecurityGroupRule& rule) {
  int protocol = rule.ip_protocol();
  if (protocol == 0) return {{"ip"}};
  if (protocol == 1) {
    std::vector<std::string> fields{"icmp"};
    if (rule.has_icmp_type()) fields.push_back("icmp_type=" + std::to_string(rule.icmp_type()));
    if (rule.has_icmp_type() && rule.has_icmp_code()) fields.push_back("icmp_code=" + std::to_string(rule.icmp_code()));
    return {fields};
  }
  const char* name = protocol == 6 ? "tcp" : protocol == 17 ? "udp" : protocol == 132 ? "sctp" : nullptr;
  // OVS matches transport ports of tcp, udp and sctp only. A port range on another protocol
  // cannot be expressed: fail closed (no flow; the caller warns) rather than allow it whole.
  if (!name && rule.has_port_range_min()) return {};
  if (!name) return {{"ip", "nw_proto=" + std::to_string(protocol)}};
  if (!rule.has_port_range_min()) return {{name}};
  int max = rule.has_port_range_max() ? rule.port_range_max() : rule.port_range_min();
  if (rule.port_range_min() <= 0 && max >= 65535) return {{name}};  // every port: no tp_dst match
  std::vector<std::vector<std::string>> alternatives;
  for (const auto& ports : port_range_matches(rule.port_range_min(), max)) alternatives.push_back({name, "tp_dst=" + ports});
  return alternatives;
}

// Collects flows; flows of the same key with conjunction actions are merged into one flow
// carrying all of them (OVS keeps one flow per key).
class FlowCollector {
 public:
  void add(Flow flow) { flows_.insert(std::move(flow)); }
  void add_conjunction(int table_id, std::uint64_t cookie, const std::vector<std::string>& fields,
                       std::uint32_t conj_id, int clause) {
    Flow key = make_flow(table_id, kPriorityConjunction, cookie, fields, "");
    auto& entry = conjunctions_[{key.table, key.match}];
    entry.cookie = entry.actions.empty() ? cookie : entry.cookie;
    entry.actions.emplace(conj_id, clause);
  }
  FlowSet finish() {
    for (const auto& [key, entry] : conjunctions_) {
      std::string actions;
      for (const auto& [id, clause] : entry.actions)
        actions += (actions.empty() ? "" : ",") + ("conjunction(" + std::to_string(id) + "," +
                                                   std::to_string(clause) + "/2)");
      flows_.insert(Flow{key.first, kPriorityConjunction, entry.cookie, key.second, actions});
    }
    return std::move(flows_);
  }

 private:
  struct Conjunction {
    std::uint64_t cookie = 0;
    std::set<std::pair<std::uint32_t, int>> actions;
  };
  FlowSet flows_;
  std::map<std::pair<int, std::string>, Conjunction> conjunctions_;
};

// One conjunction id per (remote group, direction), shared by every port and rule of this
// host that names the group, so flows grow with ports x rules + members, not their product.
// Ids are hashes of the key (stable across restarts: no flow churn), probed on collision.
class ConjunctionIds {
 public:
  explicit ConjunctionIds(const std::vector<LocalPort>& ports) {
    std::set<std::string> keys;
    for (const auto& port : ports)
      for (const auto& rule : port.binding.security_group_rules())
        if (!rule.remote_group_id().empty()) keys.insert(key(rule));
    std::set<std::uint32_t> used;
    for (const auto& k : keys) {
      std::uint32_t id = fnv1a(k) & 0x7fffffff;
      while (id == 0 || used.count(id)) id = (id + 1) & 0x7fffffff;
      used.insert(id);
      ids_[k] = id;
    }
  }
  std::uint32_t of(const BoundSecurityGroupRule& rule) const { return ids_.at(key(rule)); }

 private:
  static std::string key(const BoundSecurityGroupRule& rule) {
    return rule.remote_group_id() + "/" + (rule.direction() == "egress" ? "egress" : "ingress");
  }
  static std::uint32_t fnv1a(const std::string& text) {
    std::uint32_t hash = 2166136261u;
    for (unsigned char c : text) hash = (hash ^ c) * 16777619u;
    return hash;
  }
  std::map<std::string, std::uint32_t> ids_;
};

// (direction, segment, member address) -> conjunction ids of the remote groups holding it.
// The segment is the network of the port whose rule names the group: a member matches only
// packets of that network (reg6), never an address spoofed on another network or outside.
using RemoteGroupMembers =
    std::map<std::tuple<const Direction*, int, std::string>, std::set<std::uint32_t>>;

void add_fixed_flows(FlowCollector& flows, const BridgeLayout& layout) {
  auto shared = [&](int t, int priority, std::vector<std::string> match, std::string actions) {
    flows.add(make_flow(t, priority, kSharedCookie, match, std::move(actions)));
  };
  shared(table::kClassify, 0, {}, "drop");
  if (layout.integration_patch_ofport > 0)
    shared(table::kClassify, 10, {"in_port=" + std::to_string(layout.integration_patch_ofport)},
           goto_table(table::kDnatLookup));
  shared(table::kArp, 0, {}, goto_table(table::kL2Forward));
  shared(table::kEgressConntrack, 10, {"ip"}, "ct(table=31,zone=NXM_NX_REG5[0..15])");
  shared(table::kRoute, 0, {}, goto_table(table::kL2Forward));
  shared(table::kSnatCommit, 5, {"ct_state=-new-inv+trk", "ip"}, goto_table(table::kSnatRewrite));
  shared(table::kDnatCommit, 5, {"ct_state=-new-inv+trk", "ip"}, goto_table(table::kDnatDeliver));
  shared(table::kIngressConntrack, 10, {"ip"}, "ct(table=71,zone=NXM_NX_REG7[0..15])");
  shared(table::kIngressConntrack, 10, {"arp"}, "output:NXM_NX_REG7[0..15]");
  // No learned next hop for the destination: the floating IP's external gateway (table 49).
  shared(table::kExternalNextHop, 0, {}, goto_table(table::kExternalGateway));
  for (int t : {table::kSnatLookup, table::kSnatCommit, table::kSnatRewrite, table::kExternalGateway, table::kL2Forward,
                table::kDnatLookup, table::kDnatCommit, table::kDnatDeliver, table::kIngressConntrack})
    shared(t, 0, {}, "drop");
  // Both firewalls: invalid never passes, replies and related (ICMP errors) always do, and
  // packets in a connection's original direction are judged by the rules every time, so a
  // removed rule ends the connections it let in at once.
  for (const Direction* d : {&kEgress, &kIngress}) {
    std::string pass = d == &kEgress ? goto_table(table::kRoute) : "output:NXM_NX_REG7[0..15]";
    shared(d->table, kPriorityInvalid, {"ct_state=+inv+trk"}, "drop");
    shared(d->table, kPriorityReply, {"ct_state=+est+rpl+trk", "ip"}, pass);
    shared(d->table, kPriorityRelated, {"ct_state=+rel+trk", "ip"}, pass);
    shared(d->table, 0, {}, "drop");
  }
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

void add_port_wiring(FlowCollector& flows, HostFlows& host, const LocalPort& port, std::uint64_t cookie,
                     const std::set<std::string>& segment_gateway_macs) {
  const PortBinding& b = port.binding;
  std::string in_port = "in_port=" + std::to_string(port.ofport);
  std::string mark = set_reg("reg5", port.ofport) + "," + set_reg("reg6", b.segmentation_id());
  for (const BoundFixedIp& ip : b.fixed_ips()) {
    if (!is_ipv4(ip.ip_address())) continue;  // IPv6 is not wired yet: dropped
    // Anti-spoofing: only the port's own MAC and addresses leave it.
    flows.add(make_flow(table::kClassify, 10, cookie,
                        {in_port, "dl_src=" + b.mac_address(), "ip", "nw_src=" + ip.ip_address()},
                        mark + "," + goto_table(table::kEgressConntrack)));
    flows.add(make_flow(table::kClassify, 10, cookie,
                        {in_port, "dl_src=" + b.mac_address(), "arp", "arp_spa=" + ip.ip_address(),
                         "arp_sha=" + b.mac_address()},
                        mark + "," + goto_table(table::kArp)));
    if (!ip.gateway_ip().empty() && !ip.gateway_mac().empty())
      flows.add(make_flow(table::kArp, 20, kSharedCookie,
                          {reg("reg6", b.segmentation_id()), "arp", "arp_tpa=" + ip.gateway_ip(), "arp_op=1"},
                          arp_responder(ip.gateway_mac(), ip.gateway_ip())));
  }
  // Isolation: a MAC is reachable only from ports of the same network (reg6). A port
  // claiming its network's gateway MAC would receive what others send to the gateway: the
  // service refuses such ports, and the agent does not deliver to one either.
  if (segment_gateway_macs.count(lower(b.mac_address()))) {
    host.warnings.insert("port " + b.port_id() + " has the MAC of a gateway of its network: not delivered to");
    return;
  }
  flows.add(make_flow(table::kL2Forward, 10, cookie, {reg("reg6", b.segmentation_id()), "dl_dst=" + b.mac_address()},
                      set_reg("reg7", port.ofport) + "," + goto_table(table::kIngressConntrack)));
}

void add_security_group_rules(FlowCollector& flows, HostFlows& host, const LocalPort& port, std::uint64_t cookie,
                              const ConjunctionIds& conjunctions, RemoteGroupMembers& members) {
  for (const BoundSecurityGroupRule& rule : port.binding.security_group_rules()) {
    if (rule.ethertype() == "IPv6") continue;
    const Direction& d = direction_of(rule);
    std::string this_port = reg(d.port_register, port.ofport);
    auto alternatives = protocol_alternatives(rule);
    if (alternatives.empty()) {
      host.warnings.insert("rule " + rule.id() + " of port " + port.binding.port_id() + ": a port range on protocol " +
                           std::to_string(rule.ip_protocol()) + " cannot be matched; the rule allows nothing");
      continue;
    }
    for (auto fields : alternatives) {
      fields.push_back(this_port);
      fields.push_back("ct_state=-rpl+trk");
      if (rule.remote_group_id().empty()) {
        fields.push_back(cidr_match(d.remote_field, rule.remote_ip_prefix()));
        flows.add(make_flow(d.table, kPriorityDirectRule, cookie, fields, d.allow));
      } else {
        flows.add_conjunction(d.table, cookie, fields, conjunctions.of(rule), 1);
      }
    }
    if (rule.remote_group_id().empty()) continue;
    for (const auto& address : rule.remote_ip_addresses())
      if (is_ipv4(address)) members[{&d, port.binding.segmentation_id(), address}].insert(conjunctions.of(rule));
  }
}

// The second clause: one flow per (direction, segment, member address), naming every
// conjunction whose remote group holds that address on that network. reg6 is the network
// the packet comes from (table 0), or the external network's for a packet DNATed from the
// outside (table 60), which is no port's network: the outside never matches a member.
void add_remote_group_members(FlowCollector& flows, const RemoteGroupMembers& members) {
  for (const auto& [key, ids] : members) {
    const auto& [direction, segment, address] = key;
    for (std::uint32_t id : ids)
      flows.add_conjunction(direction->table, kSharedCookie,
                            {"ip", reg("reg6", segment), std::string(direction->remote_field) + "=" + address}, id, 2);
  }
}

// The flow that acts once both clauses of a conjunction matched.
void add_conjunction_actions(FlowCollector& flows, const std::vector<LocalPort>& ports,
                             const ConjunctionIds& conjunctions) {
  for (const auto& port : ports)
    for (const auto& rule : port.binding.security_group_rules()) {
      if (port.ofport <= 0 || rule.remote_group_id().empty() || rule.ethertype() == "IPv6") continue;
      if (protocol_alternatives(rule).empty()) continue;  // refused, see add_security_group_rules
      const Direction& d = direction_of(rule);
      flows.add(make_flow(d.table, kPriorityConjunction, kSharedCookie,
                          {"conj_id=" + std::to_string(conjunctions.of(rule)), "ip"}, d.allow));
    }
}

const BoundFixedIp* fixed_ip_of(const PortBinding& binding, const std::string& address) {
  for (const auto& ip : binding.fixed_ips())
    if (ip.ip_address() == address) return &ip;
  return nullptr;
}

// 1:1 NAT on this host: inbound to the floating address is DNATed to the fixed one and
// handed to the port's ingress firewall; the port's traffic to its gateway is SNATed.
void add_floating_ip(HostFlows& host, FlowCollector& flows, const LocalPort& port, std::uint64_t cookie,
                     const BoundFloatingIp& fip, const BridgeLayout& layout) {
  const BoundFixedIp* fixed = fixed_ip_of(port.binding, fip.fixed_ip_address());
  if (!fixed || fixed->gateway_mac().empty() || !is_ipv4(fip.floating_ip_address())) return;
  const std::string& floating = fip.floating_ip_address();
  const std::string& fixed_ip = fip.fixed_ip_address();
  std::string this_port_in = reg("reg7", port.ofport);
  std::string zone = std::to_string(nat_zone(port.ofport));
  // Remember which MAC each outside address came from, for the replies (table 48).
  std::string learn =
      "learn(table=48,idle_timeout=3600,priority=10,cookie=" + hex(kLearnedCookie) +
      ",eth_type=0x800,NXM_OF_IP_DST[]=NXM_OF_IP_SRC[],load:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],output:NXM_OF_IN_PORT[])";
  flows.add(make_flow(table::kDnatLookup, 10, cookie, {"ip", "nw_dst=" + floating},
                      set_reg("reg7", port.ofport) + "," + set_reg("reg6", fip.external_segmentation_id()) + "," +
                          learn + ",ct(table=61,zone=" + zone + ",nat)"));
  flows.add(make_flow(table::kDnatCommit, 10, cookie, {"ct_state=+new+trk", "ip", this_port_in, "nw_dst=" + floating},
                      "ct(commit,table=62,zone=" + zone + ",nat(dst=" + fixed_ip + "))"));
  flows.add(make_flow(table::kDnatDeliver, 10, cookie, {"ip", this_port_in, "nw_dst=" + fixed_ip},
                      "set_field:" + fixed->gateway_mac() + "->eth_src,set_field:" + port.binding.mac_address() +
                          "->eth_dst," + goto_table(table::kIngressConntrack)));
  std::string this_port_out = reg("reg5", port.ofport);
  flows.add(make_flow(table::kRoute, 20, cookie,
                      {"ip", this_port_out, "nw_src=" + fixed_ip, "dl_dst=" + fixed->gateway_mac()},
                      goto_table(table::kSnatLookup)));
  flows.add(make_flow(table::kSnatLookup, 10, cookie, {"ip", this_port_out}, "ct(table=46,zone=" + zone + ",nat)"));
  flows.add(make_flow(table::kSnatCommit, 10, cookie, {"ct_state=+new+trk", "ip", this_port_out, "nw_src=" + fixed_ip},
                      "ct(commit,table=47,zone=" + zone + ",nat(src=" + floating + "))"));
  flows.add(make_flow(table::kSnatRewrite, 10, cookie, {"ip", this_port_out, "nw_src=" + floating},
                      "set_field:" + fip.mac_address() + "->eth_src," + goto_table(table::kExternalNextHop)));
  // Connections the port starts: the agent asks the external gateway's MAC with an ARP
  // request from the floating address (HostFlows::gateway_probes); the reply, sent to the
  // floating IP's MAC, comes in through the patch port and teaches table 49 "packets from
  // this floating IP with no learned next hop go to the gateway" (see docs/network-agent.md).
  const std::string& gateway = fip.external_gateway_ip();
  if (is_ipv4(gateway) && gateway != floating) {
    std::string learn_gateway =
        "learn(table=49,idle_timeout=3600,priority=10,cookie=" + hex(kLearnedCookie) +
        ",eth_type=0x800,NXM_OF_IP_SRC[]=NXM_OF_ARP_TPA[],load:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],output:NXM_OF_IN_PORT[])";
    // The gateway's own host route in table 48 too, replacing one learned earlier from a
    // gateway whose MAC has changed since (failover, or a re-created outside).
    learn_gateway += ",learn(table=48,idle_timeout=3600,priority=10,cookie=" + hex(kLearnedCookie) +
                     ",eth_type=0x800,NXM_OF_IP_DST[]=NXM_OF_ARP_SPA[],load:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],"
                     "output:NXM_OF_IN_PORT[])";
    flows.add(make_flow(table::kDnatLookup, 10, cookie,
                        {"arp", "arp_op=2", "arp_spa=" + gateway, "arp_tpa=" + floating}, learn_gateway));
    host.gateway_probes.insert(ArpProbe{fip.mac_address(), floating, gateway});
  }
  // The external bridge answers ARP for the floating address and sends its MAC inside.
  host.external.insert(make_flow(0, 100, cookie, {"arp", "arp_op=1", "arp_tpa=" + floating},
                                 arp_responder(fip.mac_address(), floating)));
  if (layout.external_patch_ofport > 0)
    host.external.insert(make_flow(0, 50, cookie, {"dl_dst=" + fip.mac_address()},
                                   "output:" + std::to_string(layout.external_patch_ofport)));
}

}  // namespace

std::uint64_t port_cookie(const std::string& port_id) {
  std::string digits;
  for (char c : port_id)
    if (std::isxdigit(static_cast<unsigned char>(c))) digits += c;
    else if (c != '-') { digits.clear(); break; }
  if (digits.size() >= 16) return std::stoull(digits.substr(0, 16), nullptr, 16) | 0x100;  // never 0x1/0x2
  std::uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : port_id) hash = (hash ^ c) * 1099511628211ull;
  return hash | 0x100;
}

std::vector<std::string> port_range_matches(int min, int max) {
  min = std::max(min, 0);
  max = std::min(max, 65535);
  if (min == 0 && max == 65535) return {};
  std::vector<std::string> matches;
  // Largest aligned blocks first, like a CIDR split of the range.
  int value = min;
  while (value <= max) {
    int size = 1;
    while ((value % (size * 2)) == 0 && value + size * 2 - 1 <= max && size < 65536) size *= 2;
    if (size == 1) matches.push_back(std::to_string(value));
    else matches.push_back(hex(value) + "/" + hex(0xffff & ~(size - 1)));
    value += size;
  }
  return matches;
}

HostFlows compile_host(const std::vector<LocalPort>& unsorted_ports, const BridgeLayout& layout) {
  std::vector<LocalPort> ports = unsorted_ports;
  std::sort(ports.begin(), ports.end(),
            [](const LocalPort& a, const LocalPort& b) { return a.binding.port_id() < b.binding.port_id(); });
  HostFlows host;
  FlowCollector flows;
  add_fixed_flows(flows, layout);
  ConjunctionIds conjunctions(ports);
  RemoteGroupMembers members;
  std::map<int, std::set<int>> ofports_by_segment;
  std::set<std::string> floating_ips_taken;
  // The gateway MACs of each network, from every port of it on this host.
  std::map<int, std::set<std::string>> gateway_macs;
  for (const auto& port : ports)
    for (const auto& ip : port.binding.fixed_ips())
      if (!ip.gateway_mac().empty()) gateway_macs[port.binding.segmentation_id()].insert(lower(ip.gateway_mac()));
  for (const auto& port : ports) {
    if (port.ofport <= 0) continue;
    std::uint64_t cookie = port_cookie(port.binding.port_id());
    add_port_wiring(flows, host, port, cookie, gateway_macs[port.binding.segmentation_id()]);
    add_security_group_rules(flows, host, port, cookie, conjunctions, members);
    ofports_by_segment[port.binding.segmentation_id()].insert(port.ofport);
    host.conntrack_zones[port.ofport] = "fw " + port.binding.port_id();
    std::string nat_owner;
    for (const auto& fip : port.binding.floating_ips()) {
      // While a move is half-seen (old port not yet refreshed) the first port keeps it.
      if (!floating_ips_taken.insert(fip.floating_ip_address()).second) continue;
      if (port.ofport >= kNatZoneBase) {
        host.warnings.insert("floating IP " + fip.floating_ip_address() + " of port " + port.binding.port_id() +
                             ": ofport " + std::to_string(port.ofport) + " leaves no NAT zone; not wired");
        continue;
      }
      add_floating_ip(host, flows, port, cookie, fip, layout);
      nat_owner += " " + fip.floating_ip_address() + "=" + fip.fixed_ip_address();
    }
    if (!nat_owner.empty()) host.conntrack_zones[nat_zone(port.ofport)] = "nat " + port.binding.port_id() + nat_owner;
  }
  add_remote_group_members(flows, members);
  add_conjunction_actions(flows, ports, conjunctions);
  // ARP broadcasts reach every port of the same network on this host, and only those.
  for (const auto& [segment, ofports] : ofports_by_segment) {
    std::string outputs;
    for (int ofport : ofports) outputs += (outputs.empty() ? "" : ",") + ("output:" + std::to_string(ofport));
    flows.add(make_flow(table::kL2Forward, 20, kSharedCookie,
                        {reg("reg6", segment), "arp", "dl_dst=ff:ff:ff:ff:ff:ff"}, outputs));
  }
  host.integration = flows.finish();
  host.external.insert(make_flow(0, 0, kSharedCookie, {}, "NORMAL"));
  return host;
}

}  // namespace stratus::network_agent
