#include "services/ec2-api/domain/permissions.h"

#include <catch2/catch.hpp>

#include "services/ec2-api/domain/ec2_error.h"

using namespace stratus::ec2;

namespace {
std::string code_of(const std::string& form) {
  try {
    rules_from_request(QueryParams::parse(form));
  } catch (const Ec2Error& e) {
    return e.code();
  }
  return "";
}
}  // namespace

TEST_CASE("an ssh permission from two ranges is two tcp/22 rules") {
  auto rules = rules_from_request(QueryParams::parse(
      "IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22&IpPermissions.1.ToPort=22"
      "&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0&IpPermissions.1.Ipv6Ranges.1.CidrIpv6=::/0"));
  REQUIRE(rules.size() == 2);
  CHECK(rules[0].protocol == "tcp");
  CHECK(rules[0].port_min == 22);
  CHECK(rules[0].port_max == 22);
  CHECK(rules[0].ethertype == "IPv4");
  CHECK(rules[1].ethertype == "IPv6");
  CHECK(rules[1].remote_ip_prefix == "::/0");
}

TEST_CASE("protocol -1, icmp types and the legacy top-level form") {
  auto all = rules_from_request(QueryParams::parse("IpPermissions.1.IpProtocol=-1&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0/8"));
  CHECK(all[0].protocol == "any");
  CHECK_FALSE(all[0].port_min);
  auto ping = rules_from_request(QueryParams::parse(
      "IpPermissions.1.IpProtocol=icmp&IpPermissions.1.FromPort=8&IpPermissions.1.ToPort=-1&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0"));
  CHECK(ping[0].icmp_type == 8);
  CHECK_FALSE(ping[0].icmp_code);
  auto legacy = rules_from_request(QueryParams::parse("IpProtocol=tcp&FromPort=80&ToPort=81&CidrIp=192.0.2.0/24"));
  CHECK(legacy[0].remote_ip_prefix == "192.0.2.0/24");
  CHECK(legacy[0].port_max == 81);
}

TEST_CASE("permissions EC2 refuses are refused with its codes") {
  CHECK(code_of("IpPermissions.1.IpProtocol=tcp&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0") == "InvalidParameterValue");
  CHECK(code_of("IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=30&IpPermissions.1.ToPort=20&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0") ==
        "InvalidParameterValue");
  CHECK(code_of("IpPermissions.1.IpProtocol=gre&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0") == "InvalidParameterValue");
  CHECK(code_of("IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22&IpPermissions.1.ToPort=22") == "MissingParameter");
  CHECK(code_of("IpPermissions.1.IpProtocol=-1&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.1") == "InvalidParameterValue");
  CHECK(code_of("IpPermissions.1.IpProtocol=-1&IpPermissions.1.Groups.1.GroupId=sg-123") == "InvalidGroupId.Malformed");
  CHECK(code_of("Action=X") == "MissingParameter");
}

TEST_CASE("rules read back as EC2 permissions, grouped by protocol and ports") {
  Rule ssh4;
  ssh4.protocol = "tcp";
  ssh4.port_min = 22;
  ssh4.port_max = 22;
  ssh4.remote_ip_prefix = "0.0.0.0/0";
  Rule ssh6 = ssh4;
  ssh6.ethertype = "IPv6";
  ssh6.remote_ip_prefix = "";
  Rule all_tcp;
  all_tcp.protocol = "tcp";
  all_tcp.remote_group = "group-uuid";
  Rule any;
  auto perms = permissions_from_rules({ssh4, ssh6, all_tcp, any});
  REQUIRE(perms.size() == 3);
  CHECK(perms[0].ip_protocol == "tcp");
  CHECK(perms[0].from_port == 22);
  CHECK(perms[0].ipv4_ranges.size() == 1);
  CHECK(perms[0].ipv6_ranges[0].first == "::/0");
  CHECK(perms[1].from_port == 0);
  CHECK(perms[1].to_port == 65535);
  CHECK(perms[1].group_ids == std::vector<std::string>{"group-uuid"});
  CHECK(perms[2].ip_protocol == "-1");
  CHECK_FALSE(perms[2].from_port);
}

TEST_CASE("the same traffic is recognised however it is spelled") {
  Rule a;
  a.protocol = "tcp";
  Rule b = a;
  b.port_min = 0;
  b.port_max = 65535;
  b.remote_ip_prefix = "0.0.0.0/0";
  CHECK(a.same_traffic(b));
  b.port_max = 22;
  CHECK_FALSE(a.same_traffic(b));
}
