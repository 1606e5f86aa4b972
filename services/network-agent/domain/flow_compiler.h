#pragma once
// Turns the desired state of every port on this host into the flows of the integration
// bridge and the external bridge. Pure: same input, same flows. See docs/network-agent.md
// for the table layout; the constants below are that layout.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "domain/flow.h"
#include "network/v1/network.pb.h"

namespace stratus::network_agent {

// Tables of the integration bridge, in the order a packet meets them.
namespace table {
inline constexpr int kClassify = 0;          // in_port + anti-spoofing; sets reg5/reg6
inline constexpr int kArp = 20;              // answers ARP for subnet gateways
inline constexpr int kEgressConntrack = 30;  // ct() in the sending port's zone
inline constexpr int kEgressFirewall = 31;   // the sending port's egress rules
inline constexpr int kRoute = 40;            // to the gateway MAC with a floating IP: SNAT
inline constexpr int kSnatLookup = 45;       // ct(nat) in the sending port's NAT zone
inline constexpr int kSnatCommit = 46;       // new outbound connections get nat(src=FIP)
inline constexpr int kSnatRewrite = 47;      // source MAC of the floating IP
inline constexpr int kExternalNextHop = 48;  // learned: destination MAC per outside address
inline constexpr int kExternalGateway = 49;  // learned: the external gateway's MAC per floating IP
inline constexpr int kL2Forward = 50;        // destination MAC within the network: sets reg7
inline constexpr int kDnatLookup = 60;       // from the external bridge, to a floating IP
inline constexpr int kDnatCommit = 61;       // new inbound connections get nat(dst=fixed)
inline constexpr int kDnatDeliver = 62;      // MACs of the gateway and of the port
inline constexpr int kIngressConntrack = 70;  // ct() in the receiving port's zone
inline constexpr int kIngressFirewall = 71;   // the receiving port's ingress rules
}  // namespace table

// Conntrack zones: a port's firewall uses its ofport; its floating-IP NAT uses
// kNatZoneBase | ofport, so two ports (of two tenants, possibly with the same fixed address)
// never share a NAT conntrack entry. Floating IPs of a port whose ofport is kNatZoneBase or
// more are not wired (a warning says so).
inline constexpr int kNatZoneBase = 0x8000;
inline int nat_zone(int ofport) { return kNatZoneBase | ofport; }
// Cookie of flows that belong to no single port (shared, per network, per remote group).
inline constexpr std::uint64_t kSharedCookie = 0x1;
// Cookie of the flows OVS itself learns in kExternalNextHop; never ours to diff.
inline constexpr std::uint64_t kLearnedCookie = 0x2;

// A port of this host: its desired state and where it is plugged (ofport on the
// integration bridge).
struct LocalPort {
  cloud::network::v1::PortBinding binding;
  int ofport = 0;
};

// The patch ports joining the two bridges: patch-ex on the integration bridge and
// patch-int on the external bridge.
struct BridgeLayout {
  int integration_patch_ofport = 0;
  int external_patch_ofport = 0;
};

// An ARP request the agent sends on the external bridge so that the reply teaches OVS the
// external gateway's MAC for a floating IP (table 49): "who has target_ip? tell sender_ip".
struct ArpProbe {
  std::string sender_mac;  // the floating IP's MAC
  std::string sender_ip;   // the floating IP
  std::string target_ip;   // the external network's gateway
  bool operator<(const ArpProbe& other) const {
    return std::tie(sender_mac, sender_ip, target_ip) < std::tie(other.sender_mac, other.sender_ip, other.target_ip);
  }
  bool operator==(const ArpProbe& other) const {
    return std::tie(sender_mac, sender_ip, target_ip) == std::tie(other.sender_mac, other.sender_ip, other.target_ip);
  }
};

struct HostFlows {
  FlowSet integration;
  FlowSet external;
  std::set<ArpProbe> gateway_probes;  // one per floating IP whose external subnet has a gateway
  // Every conntrack zone the flows use -> what its entries belong to ("fw <port id>", "nat
  // <port id> <fip>=<fixed> ..."). When a zone's owner changes or the zone goes (port
  // unplugged, ofport reused, floating IP gone), the agent flushes that zone.
  std::map<int, std::string> conntrack_zones;
  // What the compiler refused to wire, for the log (a rule it cannot express, a port it
  // does not trust). Deterministic, sorted.
  std::set<std::string> warnings;
};

HostFlows compile_host(const std::vector<LocalPort>& ports, const BridgeLayout& layout);

// The per-port cookie: the first 16 hex digits of the port id when it is a UUID (so a
// person can find a port's flows with `dump-flows br-int cookie=0x.../-1`), else a hash.
std::uint64_t port_cookie(const std::string& port_id);

// The value/mask pairs covering [min, max] of a 16-bit transport port, as OVS prints
// them ("22", "0x16/0xfffe").
std::vector<std::string> port_range_matches(int min, int max);

}  // namespace stratus::network_agent
