#include "services/network/domain/ipam.h"

#include <algorithm>
#include <sstream>

#include "common/error/error.h"

namespace stratus::network {
namespace {

std::string quoted(const std::string& text) { return "'" + echo(text) + "'"; }

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator))
    if (!part.empty()) parts.push_back(part);
  return parts;
}

}  // namespace

std::optional<Ipv4> parse_ipv4(const std::string& text) {
  auto parts = split(text, '.');
  if (parts.size() != 4 || std::count(text.begin(), text.end(), '.') != 3) return std::nullopt;
  Ipv4 address = 0;
  for (const auto& part : parts) {
    if (part.size() > 3 || (part.size() > 1 && part[0] == '0')) return std::nullopt;
    if (!std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
    int octet = std::stoi(part);
    if (octet > 255) return std::nullopt;
    address = (address << 8) | static_cast<Ipv4>(octet);
  }
  return address;
}

Ipv4 require_ipv4(const std::string& field, const std::string& text) {
  auto address = parse_ipv4(text);
  if (!address) throw invalid_argument(field + " must be an IPv4 address like 10.0.0.5, got " + quoted(text));
  return *address;
}

std::string format_ipv4(Ipv4 a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) +
         "." + std::to_string(a & 255);
}

std::string Ipv4Cidr::str() const { return format_ipv4(network) + "/" + std::to_string(prefix); }

Ipv4Cidr require_ipv4_cidr(const std::string& field, const std::string& text) {
  auto slash = text.find('/');
  auto address = parse_ipv4(text.substr(0, slash));
  std::string length = slash == std::string::npos ? "" : text.substr(slash + 1);
  bool length_ok = !length.empty() && length.size() <= 2 &&
                   std::all_of(length.begin(), length.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                   std::stoi(length) <= 32;
  if (!address || !length_ok)
    throw invalid_argument(field + " must be an IPv4 CIDR like 10.0.0.0/24, got " + quoted(text));
  Ipv4Cidr cidr{*address, std::stoi(length)};
  if ((cidr.network & cidr.mask()) != cidr.network) {
    Ipv4Cidr meant{cidr.network & cidr.mask(), cidr.prefix};
    throw invalid_argument(field + " " + quoted(text) + " has host bits set; did you mean " + meant.str() + "?");
  }
  return cidr;
}

std::string IpRange::str() const { return format_ipv4(first) + "-" + format_ipv4(last); }

IpRange require_ip_range(const std::string& field, const std::string& start, const std::string& end) {
  IpRange range{require_ipv4(field + " start", start), require_ipv4(field + " end", end)};
  if (range.first > range.last)
    throw invalid_argument(field + " " + range.str() + " starts after it ends");
  return range;
}

IpRange require_ip_range(const std::string& field, const std::string& text) {
  auto dash = text.find('-');
  if (dash == std::string::npos)
    throw invalid_argument(field + " must be START-END like 10.0.0.10-10.0.0.99, got " + quoted(text));
  return require_ip_range(field, text.substr(0, dash), text.substr(dash + 1));
}

std::vector<IpRange> default_pools(const Ipv4Cidr& cidr, std::optional<Ipv4> gateway) {
  IpRange hosts{cidr.first() + 1, cidr.last() - 1};
  if (!gateway || !hosts.contains(*gateway)) return {hosts};
  std::vector<IpRange> pools;
  if (*gateway > hosts.first) pools.push_back({hosts.first, *gateway - 1});
  if (*gateway < hosts.last) pools.push_back({*gateway + 1, hosts.last});
  return pools;
}

namespace {

std::optional<Ipv4> plan_gateway(const SubnetRequest& request, const Ipv4Cidr& cidr) {
  if (request.no_gateway) {
    if (!request.gateway_ip.empty()) throw invalid_argument("give a gateway_ip or no_gateway, not both");
    return std::nullopt;
  }
  if (request.gateway_ip.empty()) return cidr.first() + 1;
  Ipv4 gateway = require_ipv4("gateway_ip", request.gateway_ip);
  if (!cidr.contains(gateway))
    throw invalid_argument("gateway_ip " + format_ipv4(gateway) + " is outside the subnet " + cidr.str());
  if (gateway == cidr.first() || gateway == cidr.last())
    throw invalid_argument("gateway_ip " + format_ipv4(gateway) + " is the network or broadcast address of " +
                           cidr.str());
  return gateway;
}

std::vector<IpRange> plan_pools(const SubnetRequest& request, const Ipv4Cidr& cidr, std::optional<Ipv4> gateway) {
  if (request.allocation_pools.empty()) return default_pools(cidr, gateway);
  if (request.allocation_pools.size() > kMaxAllocationPools)
    throw invalid_argument("a subnet has at most " + std::to_string(kMaxAllocationPools) + " allocation pools, got " +
                           std::to_string(request.allocation_pools.size()));
  std::vector<IpRange> pools;
  for (const auto& [start, end] : request.allocation_pools) {
    IpRange pool = require_ip_range("allocation pool", start, end);
    if (pool.first <= cidr.first() || pool.last >= cidr.last())
      throw invalid_argument("allocation pool " + pool.str() + " must lie inside " + cidr.str() +
                             " without its network and broadcast addresses");
    if (gateway && pool.contains(*gateway))
      throw invalid_argument("allocation pool " + pool.str() + " contains the gateway " + format_ipv4(*gateway));
    for (const auto& other : pools)
      if (pool.overlaps(other))
        throw invalid_argument("allocation pools " + other.str() + " and " + pool.str() + " overlap");
    pools.push_back(pool);
  }
  std::sort(pools.begin(), pools.end(), [](const IpRange& a, const IpRange& b) { return a.first < b.first; });
  return pools;
}

}  // namespace

const std::vector<Ipv4Cidr>& reserved_blocks() {
  static const std::vector<Ipv4Cidr> blocks = {
      {0x00000000, 8}, {0x7F000000, 8}, {0xA9FE0000, 16}, {0xE0000000, 4}, {0xF0000000, 4}};
  return blocks;
}

namespace {

void check_not_reserved(const Ipv4Cidr& cidr) {
  static const char* kWhat[] = {"'this network'", "loopback", "link-local", "multicast", "reserved"};
  const auto& blocks = reserved_blocks();
  for (size_t i = 0; i < blocks.size(); ++i)
    if (blocks[i].overlaps(cidr))
      throw invalid_argument("cidr " + cidr.str() + " overlaps the " + kWhat[i] + " block " + blocks[i].str() +
                             ", which no subnet may use");
}

std::vector<std::string> plan_dns(const SubnetRequest& request) {
  if (request.dns_nameservers.size() > kMaxDnsNameservers)
    throw invalid_argument("a subnet has at most " + std::to_string(kMaxDnsNameservers) + " DNS nameservers, got " +
                           std::to_string(request.dns_nameservers.size()));
  std::vector<std::string> servers;
  for (const auto& dns : request.dns_nameservers) {
    std::string server = format_ipv4(require_ipv4("dns nameserver", dns));
    if (std::find(servers.begin(), servers.end(), server) != servers.end())
      throw invalid_argument("dns nameserver " + server + " is given twice");
    servers.push_back(server);
  }
  return servers;
}

std::vector<HostRouteSpec> plan_routes(const SubnetRequest& request, const Ipv4Cidr& cidr) {
  if (request.host_routes.size() > kMaxHostRoutes)
    throw invalid_argument("a subnet has at most " + std::to_string(kMaxHostRoutes) + " host routes, got " +
                           std::to_string(request.host_routes.size()));
  std::vector<HostRouteSpec> routes;
  for (const auto& route : request.host_routes) {
    auto destination = require_ipv4_cidr("host route destination", route.destination);
    Ipv4 nexthop = require_ipv4("host route nexthop", route.nexthop);
    if (!cidr.contains(nexthop))
      throw invalid_argument("host route nexthop " + format_ipv4(nexthop) + " is outside the subnet " + cidr.str());
    if (nexthop == cidr.first() || nexthop == cidr.last())
      throw invalid_argument("host route nexthop " + format_ipv4(nexthop) + " is the network or broadcast address of " +
                             cidr.str());
    for (const auto& other : routes)
      if (other.destination == destination.str())
        throw invalid_argument("host route destination " + destination.str() + " is given twice");
    routes.push_back({destination.str(), format_ipv4(nexthop)});
  }
  return routes;
}

}  // namespace

SubnetLayout plan_subnet(const SubnetRequest& request) {
  SubnetLayout layout;
  layout.cidr = require_ipv4_cidr("cidr", request.cidr);
  if (layout.cidr.prefix < kMinSubnetPrefix || layout.cidr.prefix > kMaxSubnetPrefix)
    throw invalid_argument("cidr " + layout.cidr.str() + ": the prefix length must be between " +
                           std::to_string(kMinSubnetPrefix) + " and " + std::to_string(kMaxSubnetPrefix));
  check_not_reserved(layout.cidr);
  layout.gateway = plan_gateway(request, layout.cidr);
  layout.pools = plan_pools(request, layout.cidr, layout.gateway);
  layout.dns_nameservers = plan_dns(request);
  layout.host_routes = plan_routes(request, layout.cidr);
  return layout;
}

std::optional<Ipv4> next_free_address(const std::vector<IpRange>& pools, const std::set<Ipv4>& used) {
  for (const auto& pool : pools) {
    // Walk the used addresses inside the pool in order; the first gap is the answer.
    Ipv4 candidate = pool.first;
    for (auto it = used.lower_bound(pool.first); it != used.end() && *it == candidate; ++it) {
      if (candidate == pool.last) break;
      ++candidate;
    }
    if (!used.count(candidate) && pool.contains(candidate)) return candidate;
  }
  return std::nullopt;
}

bool assignable(const SubnetLayout& subnet, Ipv4 address) {
  return subnet.cidr.contains(address) && address != subnet.cidr.first() && address != subnet.cidr.last() &&
         address != subnet.gateway;
}

std::string encode_pools(const std::vector<IpRange>& pools) {
  std::string text;
  for (const auto& pool : pools) text += (text.empty() ? "" : ";") + pool.str();
  return text;
}

std::vector<IpRange> decode_pools(const std::string& text) {
  std::vector<IpRange> pools;
  for (const auto& part : split(text, ';')) pools.push_back(require_ip_range("stored pool", part));
  return pools;
}

}  // namespace stratus::network
