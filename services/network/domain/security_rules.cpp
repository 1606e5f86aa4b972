#include "services/network/domain/security_rules.h"

#include <arpa/inet.h>

#include <algorithm>
#include <tuple>

#include "common/error/error.h"
#include "services/network/domain/ipam.h"

namespace stratus::network {
namespace {

constexpr int kIcmp = 1, kTcp = 6, kUdp = 17, kIcmpV6 = 58, kSctp = 132;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// Only the protocols whose ports the agents can match; a port range on any other protocol
// would silently open the whole protocol, so it is refused instead.
bool has_ports(int ip_protocol) { return ip_protocol == kTcp || ip_protocol == kUdp || ip_protocol == kSctp; }

bool is_icmp(int ip_protocol) { return ip_protocol == kIcmp || ip_protocol == kIcmpV6; }

std::string direction_of(const std::string& text) {
  std::string d = lower(text);
  if (d.empty() || d == kIngress) return kIngress;
  if (d == kEgress) return kEgress;
  throw invalid_argument("direction must be ingress or egress, got '" + echo(text) + "'");
}

std::string ethertype_of(const std::string& text) {
  std::string e = lower(text);
  if (e.empty() || e == "ipv4") return kIPv4;
  if (e == "ipv6") return kIPv6;
  throw invalid_argument("ethertype must be IPv4 or IPv6, got '" + echo(text) + "'");
}

// Sets rule.protocol (its name) and rule.ip_protocol (its number).
void set_protocol(Rule& rule, const std::string& text) {
  std::string p = lower(text);
  bool v6 = rule.ethertype == kIPv6;
  if (p.empty() || p == "any") {
    rule.protocol = "any";
    rule.ip_protocol = 0;
    return;
  }
  if (p == "tcp") rule.ip_protocol = kTcp;
  else if (p == "udp") rule.ip_protocol = kUdp;
  else if (p == "icmp" && v6)
    throw invalid_argument("with ethertype IPv6, ICMP is protocol ipv6-icmp (58), not icmp");
  else if (p == "icmp") rule.ip_protocol = kIcmp;
  else if (p == "icmpv6" || p == "ipv6-icmp") rule.ip_protocol = kIcmpV6;
  else if (!p.empty() && p.size() <= 3 && std::all_of(p.begin(), p.end(), ::isdigit) && std::stoi(p) <= 255)
    rule.ip_protocol = std::stoi(p);
  else
    throw invalid_argument("protocol must be tcp, udp, icmp, ipv6-icmp, any or a number 0..255, got '" + echo(text) +
                           "'");
  if (rule.ip_protocol == kIcmpV6 && !v6) throw invalid_argument("protocol ipv6-icmp needs ethertype IPv6");
  if (rule.ip_protocol == kIcmp && v6)
    throw invalid_argument("with ethertype IPv6, ICMP is protocol ipv6-icmp (58), not 1 (icmp)");
  switch (rule.ip_protocol) {
    case 0: rule.protocol = "any"; break;
    case kTcp: rule.protocol = "tcp"; break;
    case kUdp: rule.protocol = "udp"; break;
    case kIcmp: rule.protocol = "icmp"; break;
    case kIcmpV6: rule.protocol = "ipv6-icmp"; break;
    default: rule.protocol = std::to_string(rule.ip_protocol);
  }
}

void check_range(const char* field, std::optional<int> value, int max) {
  if (value && (*value < 0 || *value > max))
    throw invalid_argument(std::string(field) + " must be between 0 and " + std::to_string(max) + ", got " +
                           std::to_string(*value));
}

void set_ports(Rule& rule, const RuleRequest& request) {
  if (!request.port_range_min && !request.port_range_max) return;
  if (!has_ports(rule.ip_protocol))
    throw invalid_argument("a port range needs protocol tcp or udp (or another protocol with ports), not " +
                           rule.protocol);
  if (!request.port_range_min) throw invalid_argument("port_range_max needs port_range_min");
  check_range("port_range_min", request.port_range_min, 65535);
  check_range("port_range_max", request.port_range_max, 65535);
  int min = *request.port_range_min;
  int max = request.port_range_max.value_or(min);
  // Port 0 is no port a connection uses; as OpenStack does, refuse it rather than guess that
  // "0" meant "every port" (leave the range out for that).
  if (min == 0 || max == 0)
    throw invalid_argument("port 0 is not a " + rule.protocol +
                           " port: give ports 1-65535, or no port range for every port");
  if (min > max)
    throw invalid_argument("port range " + std::to_string(min) + ":" + std::to_string(max) +
                           " is empty: the minimum is larger than the maximum");
  if (min <= 1 && max == 65535) return;  // every port: the same as no range
  rule.port_range_min = min;
  rule.port_range_max = max;
}

void set_icmp(Rule& rule, const RuleRequest& request) {
  if (!request.icmp_type && !request.icmp_code) return;
  if (!is_icmp(rule.ip_protocol)) throw invalid_argument("icmp_type and icmp_code need protocol icmp");
  if (!request.icmp_type) throw invalid_argument("icmp_code needs icmp_type");
  check_range("icmp_type", request.icmp_type, 255);
  check_range("icmp_code", request.icmp_code, 255);
  rule.icmp_type = request.icmp_type;
  rule.icmp_code = request.icmp_code;
}

std::string ipv6_cidr(const std::string& text) {
  auto slash = text.find('/');
  std::string address = text.substr(0, slash);
  std::string length = slash == std::string::npos ? "128" : text.substr(slash + 1);
  unsigned char bytes[16];
  bool length_ok = !length.empty() && length.size() <= 3 && std::all_of(length.begin(), length.end(), ::isdigit) &&
                   std::stoi(length) <= 128;
  if (inet_pton(AF_INET6, address.c_str(), bytes) != 1 || !length_ok)
    throw invalid_argument("remote_ip_prefix must be an IPv6 CIDR for ethertype IPv6, got '" + echo(text) + "'");
  int prefix = std::stoi(length);
  for (int bit = prefix; bit < 128; ++bit)
    if (bytes[bit / 8] & (0x80 >> (bit % 8)))
      throw invalid_argument("remote_ip_prefix '" + echo(text) + "' has host bits set");
  char normalized[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, bytes, normalized, sizeof normalized);
  return std::string(normalized) + "/" + std::to_string(prefix);
}

void set_remote(Rule& rule, const RuleRequest& request) {
  const std::string& prefix = request.remote_ip_prefix;
  if (!prefix.empty() && !request.remote_group_id.empty())
    throw invalid_argument("give a remote IP prefix or a remote group, not both");
  rule.remote_group_id = request.remote_group_id;
  if (prefix.empty()) return;
  if (rule.ethertype == kIPv4) {
    bool looks_v6 = prefix.find(':') != std::string::npos;
    if (looks_v6) throw invalid_argument("remote_ip_prefix " + echo(prefix) + " is IPv6 but the ethertype is IPv4");
    std::string cidr = prefix.find('/') == std::string::npos ? prefix + "/32" : prefix;
    rule.remote_ip_prefix = require_ipv4_cidr("remote_ip_prefix", cidr).str();
    if (rule.remote_ip_prefix == "0.0.0.0/0") rule.remote_ip_prefix.clear();  // any: the same as none
  } else {
    if (prefix.find(':') == std::string::npos)
      throw invalid_argument("remote_ip_prefix " + echo(prefix) + " is IPv4 but the ethertype is IPv6");
    rule.remote_ip_prefix = ipv6_cidr(prefix);
    if (rule.remote_ip_prefix == "::/0") rule.remote_ip_prefix.clear();
  }
}

auto key_of(const Rule& r) {
  return std::tie(r.direction, r.ethertype, r.ip_protocol, r.port_range_min, r.port_range_max, r.icmp_type,
                  r.icmp_code, r.remote_ip_prefix, r.remote_group_id);
}

}  // namespace

bool Rule::operator==(const Rule& other) const { return key_of(*this) == key_of(other); }

Rule normalize_rule(const RuleRequest& request) {
  Rule rule;
  rule.direction = direction_of(request.direction);
  rule.ethertype = ethertype_of(request.ethertype);
  set_protocol(rule, request.protocol);
  set_ports(rule, request);
  set_icmp(rule, request);
  set_remote(rule, request);
  return rule;
}

std::optional<size_t> find_duplicate(const Rule& candidate, const std::vector<Rule>& existing) {
  for (size_t i = 0; i < existing.size(); ++i)
    if (existing[i] == candidate) return i;
  return std::nullopt;
}

std::string describe(const Rule& r) {
  std::string text = r.direction + " " + r.protocol;
  if (r.port_range_min) {
    text += " " + std::to_string(*r.port_range_min);
    if (*r.port_range_max != *r.port_range_min) text += ":" + std::to_string(*r.port_range_max);
  }
  if (r.icmp_type) text += " type " + std::to_string(*r.icmp_type);
  if (r.icmp_code) text += " code " + std::to_string(*r.icmp_code);
  std::string peer = !r.remote_group_id.empty()  ? "group " + r.remote_group_id
                     : !r.remote_ip_prefix.empty() ? r.remote_ip_prefix
                                                   : "anywhere";
  text += (r.direction == kIngress ? " from " : " to ") + peer + " (" + r.ethertype + ")";
  return text;
}

std::vector<Rule> default_group_rules(const std::string& default_group_id) {
  std::vector<Rule> rules;
  for (const char* ethertype : {kIPv4, kIPv6}) {
    rules.push_back(normalize_rule({kEgress, ethertype, "any", {}, {}, {}, {}, "", ""}));
    rules.push_back(normalize_rule({kIngress, ethertype, "any", {}, {}, {}, {}, "", default_group_id}));
  }
  return rules;
}

}  // namespace stratus::network
