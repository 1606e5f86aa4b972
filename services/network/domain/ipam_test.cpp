#include "services/network/domain/ipam.h"

#include <catch2/catch.hpp>

#include "common/error/error.h"
#include "services/network/domain/mac_address.h"
#include "services/network/domain/quota.h"
#include "services/network/domain/segmentation.h"

using namespace stratus;
using namespace stratus::network;

namespace {

SubnetRequest subnet(const std::string& cidr) {
  SubnetRequest r;
  r.cidr = cidr;
  return r;
}

template <typename F>
std::string invalid_message(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    if (e.code() == ErrorCode::InvalidArgument) return e.what();
    throw;
  }
  FAIL("expected INVALID_ARGUMENT");
  return "";
}

}  // namespace

TEST_CASE("IPv4 addresses parse strictly and format back") {
  CHECK(format_ipv4(*parse_ipv4("10.0.0.5")) == "10.0.0.5");
  CHECK(*parse_ipv4("255.255.255.255") == 0xffffffffu);
  for (const char* bad : {"10.0.0", "10.0.0.256", "10.0.0.05", "10..0.1", "a.b.c.d", "10.0.0.1.", "", " 10.0.0.1"})
    CHECK_FALSE(parse_ipv4(bad));
}

TEST_CASE("a CIDR with host bits set is refused with the CIDR that was probably meant") {
  CHECK(require_ipv4_cidr("cidr", "10.0.0.0/24").str() == "10.0.0.0/24");
  CHECK_THAT(invalid_message([] { require_ipv4_cidr("cidr", "10.0.0.5/24"); }),
             Catch::Contains("did you mean 10.0.0.0/24"));
  CHECK_THAT(invalid_message([] { require_ipv4_cidr("cidr", "10.0.0.0/33"); }), Catch::Contains("IPv4 CIDR"));
  CHECK_THAT(invalid_message([] { require_ipv4_cidr("cidr", "10.0.0.0"); }), Catch::Contains("IPv4 CIDR"));
}

TEST_CASE("a subnet defaults to the first host as gateway and the rest as its pool") {
  auto layout = plan_subnet(subnet("10.0.0.0/24"));
  REQUIRE(layout.gateway);
  CHECK(format_ipv4(*layout.gateway) == "10.0.0.1");
  REQUIRE(layout.pools.size() == 1);
  CHECK(layout.pools[0].str() == "10.0.0.2-10.0.0.254");
}

TEST_CASE("a gateway in the middle splits the default pool around it") {
  auto r = subnet("10.0.0.0/24");
  r.gateway_ip = "10.0.0.100";
  auto layout = plan_subnet(r);
  REQUIRE(layout.pools.size() == 2);
  CHECK(layout.pools[0].str() == "10.0.0.1-10.0.0.99");
  CHECK(layout.pools[1].str() == "10.0.0.101-10.0.0.254");
}

TEST_CASE("a subnet without gateway hands out every host address") {
  auto r = subnet("192.168.5.0/29");
  r.no_gateway = true;
  auto layout = plan_subnet(r);
  CHECK_FALSE(layout.gateway);
  CHECK(layout.pools[0].str() == "192.168.5.1-192.168.5.6");
}

TEST_CASE("bad subnet requests are refused with a message naming the problem") {
  auto outside = subnet("10.0.0.0/24");
  outside.gateway_ip = "10.0.1.1";
  CHECK_THAT(invalid_message([&] { plan_subnet(outside); }), Catch::Contains("outside the subnet"));

  auto broadcast = subnet("10.0.0.0/24");
  broadcast.gateway_ip = "10.0.0.255";
  CHECK_THAT(invalid_message([&] { plan_subnet(broadcast); }), Catch::Contains("broadcast"));

  auto overlapping = subnet("10.0.0.0/24");
  overlapping.allocation_pools = {{"10.0.0.10", "10.0.0.50"}, {"10.0.0.40", "10.0.0.60"}};
  CHECK_THAT(invalid_message([&] { plan_subnet(overlapping); }), Catch::Contains("overlap"));

  auto with_gateway = subnet("10.0.0.0/24");
  with_gateway.allocation_pools = {{"10.0.0.1", "10.0.0.50"}};
  CHECK_THAT(invalid_message([&] { plan_subnet(with_gateway); }), Catch::Contains("contains the gateway"));

  auto reversed = subnet("10.0.0.0/24");
  reversed.allocation_pools = {{"10.0.0.50", "10.0.0.10"}};
  CHECK_THAT(invalid_message([&] { plan_subnet(reversed); }), Catch::Contains("starts after it ends"));

  auto beyond = subnet("10.0.0.0/24");
  beyond.allocation_pools = {{"10.0.0.200", "10.0.1.10"}};
  CHECK_THAT(invalid_message([&] { plan_subnet(beyond); }), Catch::Contains("must lie inside"));

  CHECK_THAT(invalid_message([] { plan_subnet(subnet("10.0.0.0/31")); }), Catch::Contains("prefix length"));

  auto bad_dns = subnet("10.0.0.0/24");
  bad_dns.dns_nameservers = {"8.8.8"};
  CHECK_THAT(invalid_message([&] { plan_subnet(bad_dns); }), Catch::Contains("dns nameserver"));
}

TEST_CASE("the next free address is the lowest unused one of the pools") {
  std::vector<IpRange> pools{{*parse_ipv4("10.0.0.10"), *parse_ipv4("10.0.0.12")},
                             {*parse_ipv4("10.0.0.20"), *parse_ipv4("10.0.0.20")}};
  std::set<Ipv4> used;
  std::vector<std::string> handed_out;
  while (auto next = next_free_address(pools, used)) {
    handed_out.push_back(format_ipv4(*next));
    used.insert(*next);
  }
  CHECK(handed_out == std::vector<std::string>{"10.0.0.10", "10.0.0.11", "10.0.0.12", "10.0.0.20"});

  SECTION("a released address is the next one handed out") {
    used.erase(*parse_ipv4("10.0.0.11"));
    CHECK(format_ipv4(*next_free_address(pools, used)) == "10.0.0.11");
  }
}

TEST_CASE("addresses outside the pools but inside the subnet may be requested, the gateway may not") {
  auto layout = plan_subnet(subnet("10.0.0.0/24"));
  CHECK(assignable(layout, *parse_ipv4("10.0.0.2")));
  CHECK_FALSE(assignable(layout, *parse_ipv4("10.0.0.1")));
  CHECK_FALSE(assignable(layout, *parse_ipv4("10.0.0.0")));
  CHECK_FALSE(assignable(layout, *parse_ipv4("10.0.0.255")));
  CHECK_FALSE(assignable(layout, *parse_ipv4("10.0.1.5")));
}

TEST_CASE("pools survive their text encoding") {
  auto pools = plan_subnet(subnet("10.1.0.0/16")).pools;
  CHECK(encode_pools(decode_pools(encode_pools(pools))) == "10.1.0.2-10.1.255.254");
}

TEST_CASE("MAC addresses are normalized and multicast ones refused") {
  CHECK(*normalize_mac("FA-16-3E-AA-BB-0C") == "fa:16:3e:aa:bb:0c");
  CHECK_FALSE(normalize_mac("fa:16:3e:aa:bb"));
  CHECK_FALSE(normalize_mac("fa:16:3e:aa:bb:zz"));
  CHECK_THAT(invalid_message([] { require_port_mac("01:00:5e:00:00:01"); }), Catch::Contains("multicast"));
  CHECK_THAT(invalid_message([] { require_port_mac("nonsense"); }), Catch::Contains("mac_address"));
  CHECK(generated_mac(0x0a0b0c) == "fa:16:3e:0a:0b:0c");
}

TEST_CASE("segmentation ids come from the configured range, lowest first") {
  auto range = parse_segmentation_range("100-102");
  CHECK(*next_free_segment(range, {}) == 100);
  CHECK(*next_free_segment(range, {100, 101}) == 102);
  CHECK_FALSE(next_free_segment(range, {100, 101, 102}));
  CHECK_THROWS_AS(parse_segmentation_range("4000-100"), std::invalid_argument);
  CHECK_THROWS_AS(parse_segmentation_range("100"), std::invalid_argument);
}

TEST_CASE("a quota refuses the one beyond its limit and -1 means unlimited") {
  CHECK_NOTHROW(check_quota("ports", 2, 1));
  try {
    check_quota("ports", 2, 2);
    FAIL("expected RESOURCE_EXHAUSTED");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::ResourceExhausted);
    CHECK_THAT(e.what(), Catch::Contains("2 of 2 ports"));
  }
  CHECK_NOTHROW(check_quota("ports", -1, 1000));
}
