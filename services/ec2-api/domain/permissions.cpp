#include "services/ec2-api/domain/permissions.h"

#include <algorithm>

#include "common/error/error.h"
#include "services/ec2-api/domain/ec2_error.h"
#include "services/ec2-api/domain/ids.h"

namespace stratus::ec2 {
namespace {

std::string protocol_from_ec2(const std::string& p) {
  std::string lower = p;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "-1" || lower == "all") return "any";
  if (lower == "tcp" || lower == "6") return "tcp";
  if (lower == "udp" || lower == "17") return "udp";
  if (lower == "icmp" || lower == "1") return "icmp";
  if (!lower.empty() && lower.size() <= 3 && std::all_of(lower.begin(), lower.end(), ::isdigit) && std::stoi(lower) <= 255)
    return lower;
  throw invalid_parameter_value("Invalid value '" + echo(p) + "' for IP protocol: tcp, udp, icmp, -1 or a number 0-255");
}

std::string protocol_to_ec2(const std::string& p) { return p == "any" ? "-1" : p; }

bool covers_all_ports(const Rule& r) {
  return !r.port_min || (r.port_min == 0 && r.port_max.value_or(65535) == 65535);
}

std::string any_address(const std::string& ethertype) { return ethertype == "IPv6" ? "::/0" : "0.0.0.0/0"; }

// One EC2 permission's protocol and ports, applied to `rule`.
void apply_ports(Rule& rule, const std::string& protocol, const QueryParams& p) {
  rule.protocol = protocol_from_ec2(protocol);
  auto from = p.integer("FromPort", -1, 65535);
  auto to = p.integer("ToPort", -1, 65535);
  if (rule.protocol == "tcp" || rule.protocol == "udp") {
    if (!from || !to || *from < 0 || *to < 0)
      throw invalid_parameter_value("Invalid value: must specify both from and to ports (0-65535) with TCP/UDP");
    if (*from > *to) throw invalid_parameter_value("Invalid value: FromPort must not be greater than ToPort");
    if (!(*from == 0 && *to == 65535)) {
      rule.port_min = static_cast<int>(*from);
      rule.port_max = static_cast<int>(*to);
    }
  } else if (rule.protocol == "icmp") {
    if (from && *from > 255) throw invalid_parameter_value("Invalid value: the ICMP type must be -1 or 0-255");
    if (to && *to > 255) throw invalid_parameter_value("Invalid value: the ICMP code must be -1 or 0-255");
    if (from && *from >= 0) rule.icmp_type = static_cast<int>(*from);
    if (to && *to >= 0) {
      if (!rule.icmp_type) throw invalid_parameter_value("Invalid value: an ICMP code needs an ICMP type");
      rule.icmp_code = static_cast<int>(*to);
    }
  }
}

void check_cidr_shape(const std::string& cidr, bool v6) {
  auto slash = cidr.find('/');
  bool shaped = slash != std::string::npos && slash > 0 && slash + 1 < cidr.size() &&
                (v6 ? cidr.find(':') != std::string::npos : cidr.find(':') == std::string::npos);
  if (!shaped) throw invalid_parameter_value("Value (" + echo(cidr) + ") for parameter cidrIp is invalid: not a CIDR");
}

std::string group_reference(const QueryParams& g) {
  if (auto id = g.find("GroupId"); id && !id->empty()) {
    auto uuid = uuid_of(IdKind::SecurityGroup, *id);
    if (uuid.empty()) throw Ec2Error("InvalidGroupId.Malformed", "Invalid id: \"" + echo(*id) + "\"");
    return uuid;
  }
  if (auto name = g.find("GroupName"); name && !name->empty()) return *name;
  throw missing_parameter("Groups.N.GroupId");
}

}  // namespace

bool Rule::same_traffic(const Rule& o) const {
  if (ethertype != o.ethertype || protocol != o.protocol || remote_group != o.remote_group) return false;
  bool ports_equal = (covers_all_ports(*this) && covers_all_ports(o)) ||
                     (port_min == o.port_min && port_max.value_or(port_min.value_or(0)) == o.port_max.value_or(o.port_min.value_or(0)));
  if (!ports_equal || icmp_type != o.icmp_type || icmp_code != o.icmp_code) return false;
  auto prefix = [](const Rule& r) { return r.remote_ip_prefix.empty() && r.remote_group.empty() ? any_address(r.ethertype) : r.remote_ip_prefix; };
  return prefix(*this) == prefix(o);
}

std::vector<Rule> rules_from_request(const QueryParams& params) {
  std::vector<Rule> rules;
  auto permissions = params.structures("IpPermissions");
  if (permissions.empty()) {
    // The legacy form: one permission in top-level parameters.
    if (!params.has("IpProtocol")) throw missing_parameter("IpPermissions");
    Rule rule;
    apply_ports(rule, params.require("IpProtocol"), params);
    if (auto group = params.find("SourceSecurityGroupName"); group && !group->empty()) {
      rule.remote_group = *group;
    } else {
      rule.remote_ip_prefix = params.get("CidrIp", "0.0.0.0/0");
      check_cidr_shape(rule.remote_ip_prefix, false);
    }
    rules.push_back(rule);
    return rules;
  }
  for (const auto& p : permissions) {
    Rule base;
    apply_ports(base, p.require("IpProtocol"), p);
    size_t before = rules.size();
    for (const auto& range : p.structures("IpRanges")) {
      Rule r = base;
      r.remote_ip_prefix = range.require("CidrIp");
      check_cidr_shape(r.remote_ip_prefix, false);
      r.description = range.get("Description", "");
      rules.push_back(r);
    }
    for (const auto& range : p.structures("Ipv6Ranges")) {
      Rule r = base;
      r.ethertype = "IPv6";
      r.remote_ip_prefix = range.require("CidrIpv6");
      check_cidr_shape(r.remote_ip_prefix, true);
      r.description = range.get("Description", "");
      rules.push_back(r);
    }
    for (const auto& group : p.structures("Groups")) {
      Rule r = base;
      r.remote_group = group_reference(group);
      r.description = group.get("Description", "");
      rules.push_back(r);
    }
    if (rules.size() == before)
      throw missing_parameter("IpPermissions.N.IpRanges, Ipv6Ranges or Groups (the permission names no source)");
  }
  if (rules.size() > 100) throw invalid_parameter_value("at most 100 rules per request");
  return rules;
}

std::vector<IpPermission> permissions_from_rules(const std::vector<Rule>& rules) {
  std::vector<IpPermission> out;
  for (const auto& r : rules) {
    IpPermission p;
    p.ip_protocol = protocol_to_ec2(r.protocol);
    if (r.protocol == "tcp" || r.protocol == "udp") {
      p.from_port = r.port_min.value_or(0);
      p.to_port = r.port_min ? r.port_max.value_or(*r.port_min) : 65535;
    } else if (r.protocol == "icmp") {
      p.from_port = r.icmp_type.value_or(-1);
      p.to_port = r.icmp_code.value_or(-1);
    }
    auto same = std::find_if(out.begin(), out.end(), [&](const IpPermission& q) {
      return q.ip_protocol == p.ip_protocol && q.from_port == p.from_port && q.to_port == p.to_port;
    });
    IpPermission& target = same == out.end() ? out.emplace_back(p) : *same;
    if (!r.remote_group.empty()) {
      target.group_ids.push_back(r.remote_group);
    } else if (r.ethertype == "IPv6") {
      target.ipv6_ranges.emplace_back(r.remote_ip_prefix.empty() ? "::/0" : r.remote_ip_prefix, r.description);
    } else {
      target.ipv4_ranges.emplace_back(r.remote_ip_prefix.empty() ? "0.0.0.0/0" : r.remote_ip_prefix, r.description);
    }
  }
  return out;
}

}  // namespace stratus::ec2
