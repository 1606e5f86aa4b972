#pragma once
// IPv4 address management, pure: parsing and formatting of addresses, CIDRs and ranges,
// the validation and defaults of a subnet's layout, and the choice of the next free address.
// The store makes the choice safe under concurrency (a row lock on the subnet and a primary
// key on (subnet, address)); nothing here touches the database.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace stratus::network {

using Ipv4 = uint32_t;

std::optional<Ipv4> parse_ipv4(const std::string& text);  // strict dotted quad, no leading zeros
// INVALID_ARGUMENT naming `field` when `text` is not an IPv4 address.
Ipv4 require_ipv4(const std::string& field, const std::string& text);
std::string format_ipv4(Ipv4 address);

struct Ipv4Cidr {
  Ipv4 network = 0;
  int prefix = 0;

  Ipv4 mask() const { return prefix == 0 ? 0 : ~Ipv4{0} << (32 - prefix); }
  Ipv4 first() const { return network; }
  Ipv4 last() const { return network | ~mask(); }
  bool contains(Ipv4 address) const { return (address & mask()) == network; }
  bool overlaps(const Ipv4Cidr& other) const { return contains(other.network) || other.contains(network); }
  std::string str() const;
};

// "10.0.0.0/24"; INVALID_ARGUMENT naming `field` when malformed or when host bits are set.
Ipv4Cidr require_ipv4_cidr(const std::string& field, const std::string& text);

struct IpRange {
  Ipv4 first = 0;
  Ipv4 last = 0;  // inclusive
  bool contains(Ipv4 address) const { return first <= address && address <= last; }
  bool overlaps(const IpRange& other) const { return first <= other.last && other.first <= last; }
  uint64_t size() const { return uint64_t{last} - first + 1; }
  std::string str() const;  // "10.0.0.2-10.0.0.254"
};
IpRange require_ip_range(const std::string& field, const std::string& start, const std::string& end);
// "START-END" as the command line writes it.
IpRange require_ip_range(const std::string& field, const std::string& text);

struct HostRouteSpec {
  std::string destination;  // CIDR
  std::string nexthop;
};

// What a subnet create request asks for, as text.
struct SubnetRequest {
  std::string cidr;
  std::string gateway_ip;  // empty: the first host address unless no_gateway
  bool no_gateway = false;
  std::vector<std::pair<std::string, std::string>> allocation_pools;  // start, end
  std::vector<std::string> dns_nameservers;
  std::vector<HostRouteSpec> host_routes;
};

// A validated subnet: normalized text forms ready to store.
struct SubnetLayout {
  Ipv4Cidr cidr;
  std::optional<Ipv4> gateway;
  std::vector<IpRange> pools;  // sorted, disjoint, inside the CIDR, without the gateway
  std::vector<std::string> dns_nameservers;
  std::vector<HostRouteSpec> host_routes;
};

inline constexpr int kMinSubnetPrefix = 8;   // larger subnets make no sense for one network
inline constexpr int kMaxSubnetPrefix = 30;  // smaller ones have no room for hosts
// What OpenStack refuses too: more DNS servers than a resolv.conf uses, more host routes
// than DHCP option 121 carries comfortably. Pools: a few per subnet is the norm; 256 leaves
// room for carving a /16 into /24-sized ranges while keeping the pool list (one text column)
// and the allocator's walk small.
inline constexpr size_t kMaxDnsNameservers = 5;
inline constexpr size_t kMaxHostRoutes = 20;
inline constexpr size_t kMaxAllocationPools = 256;
// Address blocks no subnet may use: "this network" (0.0.0.0/8), loopback (127.0.0.0/8),
// link-local (169.254.0.0/16, where the metadata address lives), multicast (224.0.0.0/4) and
// the reserved 240.0.0.0/4 with the limited broadcast address.
const std::vector<Ipv4Cidr>& reserved_blocks();

// Validates every field and fills the defaults; throws INVALID_ARGUMENT saying what is wrong
// (reserved blocks, duplicate or too many DNS servers, host routes that repeat a destination or
// point at the network or broadcast address, too many pools or routes).
SubnetLayout plan_subnet(const SubnetRequest& request);

// The whole CIDR but its network and broadcast addresses and the gateway.
std::vector<IpRange> default_pools(const Ipv4Cidr& cidr, std::optional<Ipv4> gateway);

// The lowest address of `pools` not in `used`, so a released address is the next one out.
std::optional<Ipv4> next_free_address(const std::vector<IpRange>& pools, const std::set<Ipv4>& used);

// True when `address` may be handed out on a subnet: inside the CIDR, not its network or
// broadcast address and not the gateway (it need not lie in a pool: requested addresses
// may be outside the pools, as operators use that for fixed assignments).
bool assignable(const SubnetLayout& subnet, Ipv4 address);

// Encodings of the lists kept in one text column each (';'-separated).
std::string encode_pools(const std::vector<IpRange>& pools);
std::vector<IpRange> decode_pools(const std::string& text);

}  // namespace stratus::network
