#include "services/network/domain/security_rules.h"

#include <catch2/catch.hpp>

#include "common/error/error.h"

using namespace stratus;
using namespace stratus::network;

namespace {

RuleRequest tcp(std::optional<int> min, std::optional<int> max = std::nullopt) {
  RuleRequest r;
  r.protocol = "tcp";
  r.port_range_min = min;
  r.port_range_max = max;
  return r;
}

std::string refusal(const RuleRequest& request) {
  try {
    normalize_rule(request);
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    return e.what();
  }
  FAIL("expected the rule to be refused");
  return "";
}

}  // namespace

TEST_CASE("a rule defaults to ingress IPv4 from anywhere for any protocol") {
  auto rule = normalize_rule({});
  CHECK(rule.direction == "ingress");
  CHECK(rule.ethertype == "IPv4");
  CHECK(rule.protocol == "any");
  CHECK(rule.ip_protocol == 0);
  CHECK(rule.remote_ip_prefix.empty());
}

TEST_CASE("protocols by name and number normalize to one form") {
  RuleRequest r;
  r.protocol = "6";
  CHECK(normalize_rule(r).protocol == "tcp");
  r.protocol = "UDP";
  CHECK(normalize_rule(r).ip_protocol == 17);
  r.protocol = "47";
  CHECK(normalize_rule(r).protocol == "47");
  r.protocol = "ipv6-icmp";
  r.ethertype = "ipv6";
  CHECK(normalize_rule(r).ip_protocol == 58);
  CHECK(normalize_rule(r).protocol == "ipv6-icmp");
  r.protocol = "icmp";  // OpenStack refuses icmp with IPv6: it is ipv6-icmp
  CHECK_THAT(refusal(r), Catch::Contains("ipv6-icmp"));
  r.protocol = "1";
  CHECK_THAT(refusal(r), Catch::Contains("ipv6-icmp"));
  r.ethertype = "IPv4";
  r.protocol = "gre";
  CHECK_THAT(refusal(r), Catch::Contains("protocol must be"));
  r.protocol = "256";
  CHECK_THAT(refusal(r), Catch::Contains("protocol must be"));
}

TEST_CASE("a single port is a range of one") {
  auto rule = normalize_rule(tcp(22));
  CHECK(*rule.port_range_min == 22);
  CHECK(*rule.port_range_max == 22);
}

TEST_CASE("port ranges must be ordered, within 0..65535 and need tcp or udp") {
  CHECK_THAT(refusal(tcp(80, 22)), Catch::Contains("minimum is larger"));
  CHECK_THAT(refusal(tcp(70000)), Catch::Contains("between 0 and 65535"));
  CHECK_THAT(refusal(tcp(-1, 5)), Catch::Contains("between 0 and 65535"));
  CHECK_THAT(refusal(tcp(std::nullopt, 80)), Catch::Contains("needs port_range_min"));
  auto icmp_with_ports = tcp(22);
  icmp_with_ports.protocol = "icmp";
  CHECK_THAT(refusal(icmp_with_ports), Catch::Contains("needs protocol tcp or udp"));
  auto any_with_ports = tcp(22);
  any_with_ports.protocol = "any";
  CHECK_THAT(refusal(any_with_ports), Catch::Contains("needs protocol tcp or udp"));
}

TEST_CASE("the full port range means every port") {
  auto rule = normalize_rule(tcp(1, 65535));
  CHECK_FALSE(rule.port_range_min);
  CHECK_THAT(refusal(tcp(0, 65535)), Catch::Contains("port 0"));
  CHECK_THAT(refusal(tcp(0)), Catch::Contains("port 0"));
}

TEST_CASE("an icmp code needs an icmp type, and both need protocol icmp") {
  RuleRequest r;
  r.protocol = "icmp";
  r.icmp_code = 0;
  CHECK_THAT(refusal(r), Catch::Contains("icmp_code needs icmp_type"));
  r.icmp_type = 8;
  auto rule = normalize_rule(r);
  CHECK(*rule.icmp_type == 8);
  CHECK(*rule.icmp_code == 0);
  r.icmp_type = 300;
  CHECK_THAT(refusal(r), Catch::Contains("between 0 and 255"));
  r.protocol = "tcp";
  r.icmp_type = 8;
  CHECK_THAT(refusal(r), Catch::Contains("need protocol icmp"));
}

TEST_CASE("a remote IP prefix and a remote group are not both allowed") {
  RuleRequest r;
  r.remote_ip_prefix = "10.0.0.0/8";
  r.remote_group_id = "0e1f5a0a-7b3a-4bb0-8d1e-7a3c0d5f0a11";
  CHECK_THAT(refusal(r), Catch::Contains("not both"));
}

TEST_CASE("remote prefixes must match the ethertype and have no host bits") {
  RuleRequest r;
  r.remote_ip_prefix = "10.0.0.1/8";
  CHECK_THAT(refusal(r), Catch::Contains("did you mean 10.0.0.0/8"));
  r.remote_ip_prefix = "2001:db8::/32";
  CHECK_THAT(refusal(r), Catch::Contains("is IPv6 but the ethertype is IPv4"));
  r.ethertype = "IPv6";
  CHECK(normalize_rule(r).remote_ip_prefix == "2001:db8::/32");
  r.remote_ip_prefix = "10.0.0.0/8";
  CHECK_THAT(refusal(r), Catch::Contains("is IPv4 but the ethertype is IPv6"));
  r.ethertype = "IPv4";
  r.remote_ip_prefix = "192.0.2.7";
  CHECK(normalize_rule(r).remote_ip_prefix == "192.0.2.7/32");
}

TEST_CASE("rules equal in meaning are duplicates") {
  std::vector<Rule> existing{normalize_rule(tcp(22)), normalize_rule(tcp(80, 81))};
  auto same_by_number = tcp(22, 22);
  same_by_number.protocol = "6";
  same_by_number.remote_ip_prefix = "0.0.0.0/0";
  CHECK(find_duplicate(normalize_rule(same_by_number), existing) == std::optional<size_t>(0));
  CHECK_FALSE(find_duplicate(normalize_rule(tcp(23)), existing));
  auto egress = tcp(22);
  egress.direction = "egress";
  CHECK_FALSE(find_duplicate(normalize_rule(egress), existing));
}

TEST_CASE("the default group allows all egress and ingress from its own members") {
  auto rules = default_group_rules("group-1");
  REQUIRE(rules.size() == 4);
  int egress_any = 0, ingress_from_self = 0;
  for (const auto& r : rules) {
    if (r.direction == "egress" && r.remote_group_id.empty() && r.remote_ip_prefix.empty()) ++egress_any;
    if (r.direction == "ingress" && r.remote_group_id == "group-1") ++ingress_from_self;
  }
  CHECK(egress_any == 2);
  CHECK(ingress_from_self == 2);
}

TEST_CASE("rules describe themselves for people") {
  auto r = tcp(22);
  r.remote_ip_prefix = "10.0.0.0/8";
  CHECK(describe(normalize_rule(r)) == "ingress tcp 22 from 10.0.0.0/8 (IPv4)");
}

TEST_CASE("a port range on a protocol the agents cannot match by port is refused") {
  auto dccp = tcp(5000, 5000);
  dccp.protocol = "33";  // matching it by protocol alone would open every DCCP port
  CHECK_FALSE(refusal(dccp).empty());
}
