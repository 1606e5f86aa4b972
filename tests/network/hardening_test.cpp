// What OpenStack refuses and a hostile caller sends, through the real network service: subnets
// in reserved blocks, DNS servers and host routes that repeat or overflow, too many pools, port
// 0, icmp with IPv6, an MTU the overlay cannot carry, upper-case project ids, names that hide
// characters, values that must come back bounded, and every field of the API at its extremes.
#include <catch2/catch.hpp>
#include <google/protobuf/descriptor.h>

#include "tests/network/api_fuzz.h"
#include "tests/network/network_test_support.h"

using namespace stratus::network_test;
namespace api_fuzz = stratus::api_fuzz;

namespace {

std::string upper(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

v1::CreateSubnetRequest subnet_request(const std::string& network, const std::string& cidr) {
  v1::CreateSubnetRequest r;
  r.set_name(unique("sub"));
  r.set_network(network);
  r.set_cidr(cidr);
  return r;
}

Reply<v1::Subnet> create(const Tenant& t, const v1::CreateSubnetRequest& r) {
  return t.client.call(&Stub::CreateSubnet, r);
}

v1::CreateSecurityGroupRuleRequest rule_request(const std::string& group, const std::string& protocol) {
  v1::CreateSecurityGroupRuleRequest r;
  r.set_security_group(group);
  r.set_protocol(protocol);
  return r;
}

}  // namespace

TEST_CASE("subnets in reserved blocks are refused") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("reserved-blocks");
  auto net = must(t.client.create_network("net"), "network");
  for (const char* cidr : {"224.0.0.0/24", "239.1.0.0/16", "127.0.0.0/24", "169.254.0.0/24", "0.0.0.0/24",
                           "240.0.0.0/24", "126.0.0.0/7"}) {
    auto reply = create(t, subnet_request(net.id(), cidr));
    INFO(cidr << " -> " << reply.message());
    CHECK(reply.code() == StatusCode::INVALID_ARGUMENT);
  }
  CHECK(create(t, subnet_request(net.id(), "10.77.0.0/24")).ok());
}

TEST_CASE("DNS servers are at most 5 and distinct") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("dns");
  auto net = must(t.client.create_network("net"), "network");
  auto twice = subnet_request(net.id(), "10.78.0.0/24");
  twice.add_dns_nameservers("9.9.9.9");
  twice.add_dns_nameservers("9.9.9.9");
  auto reply = create(t, twice);
  CHECK(reply.code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(reply.message(), Catch::Contains("twice"));
  auto six = subnet_request(net.id(), "10.78.0.0/24");
  for (int i = 1; i <= 6; ++i) six.add_dns_nameservers("9.9.9." + std::to_string(i));
  CHECK(create(t, six).code() == StatusCode::INVALID_ARGUMENT);
  auto five = subnet_request(net.id(), "10.78.0.0/24");
  for (int i = 1; i <= 5; ++i) five.add_dns_nameservers("9.9.9." + std::to_string(i));
  CHECK(must(create(t, five), "five servers").dns_nameservers_size() == 5);
}

TEST_CASE("host routes are at most 20, with distinct destinations and a real next hop") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("routes");
  auto net = must(t.client.create_network("net"), "network");
  auto route = [](v1::CreateSubnetRequest& r, const std::string& destination, const std::string& nexthop) {
    auto* h = r.add_host_routes();
    h->set_destination(destination);
    h->set_nexthop(nexthop);
  };
  auto many = subnet_request(net.id(), "10.79.0.0/24");
  for (int i = 0; i < 21; ++i) route(many, "192.168." + std::to_string(i) + ".0/24", "10.79.0.5");
  CHECK(create(t, many).code() == StatusCode::INVALID_ARGUMENT);
  auto duplicate = subnet_request(net.id(), "10.79.0.0/24");
  route(duplicate, "192.168.1.0/24", "10.79.0.5");
  route(duplicate, "192.168.1.0/24", "10.79.0.6");
  CHECK(create(t, duplicate).code() == StatusCode::INVALID_ARGUMENT);
  auto network_address = subnet_request(net.id(), "10.79.0.0/24");
  route(network_address, "192.168.1.0/24", "10.79.0.0");
  CHECK(create(t, network_address).code() == StatusCode::INVALID_ARGUMENT);
  auto fine = subnet_request(net.id(), "10.79.0.0/24");
  route(fine, "192.168.1.0/24", "10.79.0.5");
  CHECK(create(t, fine).ok());
}

TEST_CASE("a subnet has at most 256 allocation pools") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("pools");
  auto net = must(t.client.create_network("net"), "network");
  auto many = subnet_request(net.id(), "10.80.0.0/16");
  for (int i = 0; i < 257; ++i) {
    auto* pool = many.add_allocation_pools();
    std::string base = "10.80." + std::to_string(i / 2) + ".";
    pool->set_start(base + (i % 2 ? "130" : "10"));
    pool->set_end(base + (i % 2 ? "140" : "20"));
  }
  auto reply = create(t, many);
  CHECK(reply.code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(reply.message(), Catch::Contains("256"));
  many.mutable_allocation_pools()->RemoveLast();
  CHECK(create(t, many).ok());
}

TEST_CASE("tcp and udp rules refuse port 0, and IPv6 ICMP is ipv6-icmp") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("rules");
  auto group = must(t.client.get_group("default"), "group");
  for (const char* protocol : {"tcp", "udp"}) {
    auto zero = rule_request(group.id(), protocol);
    zero.set_port_range_min(0);
    zero.set_port_range_max(0);
    CHECK(t.client.call(&Stub::CreateSecurityGroupRule, zero).code() == StatusCode::INVALID_ARGUMENT);
    auto from_zero = rule_request(group.id(), protocol);
    from_zero.set_port_range_min(0);
    from_zero.set_port_range_max(65535);
    CHECK(t.client.call(&Stub::CreateSecurityGroupRule, from_zero).code() == StatusCode::INVALID_ARGUMENT);
  }
  auto icmp6 = rule_request(group.id(), "icmp");
  icmp6.set_ethertype("IPv6");
  auto refused = t.client.call(&Stub::CreateSecurityGroupRule, icmp6);
  CHECK(refused.code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(refused.message(), Catch::Contains("ipv6-icmp"));
  icmp6.set_protocol("ipv6-icmp");
  CHECK(must(t.client.call(&Stub::CreateSecurityGroupRule, icmp6), "ipv6-icmp").protocol() == "ipv6-icmp");
}

TEST_CASE("a network's MTU stays within what the overlay carries") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("mtu");
  v1::CreateNetworkRequest jumbo;
  jumbo.set_name("jumbo");
  jumbo.set_mtu(9000);
  CHECK(t.client.call(&Stub::CreateNetwork, jumbo).code() == StatusCode::INVALID_ARGUMENT);
  jumbo.set_mtu(1451);
  CHECK(t.client.call(&Stub::CreateNetwork, jumbo).code() == StatusCode::INVALID_ARGUMENT);
  jumbo.set_mtu(1450);
  CHECK(must(t.client.call(&Stub::CreateNetwork, jumbo), "1450").mtu() == 1450);
}

TEST_CASE("an upper-case project id sets that project's quota, not an orphan row") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("quota-case");
  v1::SetQuotaRequest set;
  set.set_project(upper(t.project_id));
  set.set_networks(3);
  auto reply = cloud.admin().call(&Stub::SetQuota, set);
  REQUIRE(reply.ok());
  CHECK(reply.value.project_id() == t.project_id);
  v1::GetQuotaRequest get;
  CHECK(must(t.client.call(&Stub::GetQuota, get), "own quota").limits().networks() == 3);
  v1::GetQuotaRequest by_upper_id;  // one's own project, spelt in upper case
  by_upper_id.set_project(upper(t.project_id));
  CHECK(must(t.client.call(&Stub::GetQuota, by_upper_id), "own quota, upper-case id").limits().networks() == 3);
}

TEST_CASE("network, subnet and group names are NFC and may not hide characters") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("names");
  auto hidden = t.client.create_network("demo-net\xe2\x80\x8b");
  CHECK(hidden.code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(hidden.message(), Catch::Contains("U+200B"));
  CHECK(t.client.create_network("a\xe2\x80\xae" "b").code() == StatusCode::INVALID_ARGUMENT);
  CHECK(t.client.create_network("\xef\xbb\xbfnet").code() == StatusCode::INVALID_ARGUMENT);
  auto net = must(t.client.create_network("cafe\xcc\x81"), "decomposed name");
  CHECK(net.name() == "caf\xc3\xa9");
  CHECK(t.client.create_network("caf\xc3\xa9").code() == StatusCode::ALREADY_EXISTS);
  v1::GetNetworkRequest get;
  get.set_network("cafe\xcc\x81");
  CHECK(must(t.client.call(&Stub::GetNetwork, get), "by decomposed name").id() == net.id());
  get.set_network(upper(net.id()));
  CHECK(must(t.client.call(&Stub::GetNetwork, get), "by upper-case id").id() == net.id());
  v1::CreateSecurityGroupRequest group;
  group.set_name("web\xe2\x81\xa0");
  CHECK(t.client.call(&Stub::CreateSecurityGroup, group).code() == StatusCode::INVALID_ARGUMENT);
  auto sub = subnet_request(net.id(), "10.81.0.0/24");
  sub.set_name("s\xe2\x80\x8f");
  CHECK(create(t, sub).code() == StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("errors quote at most 64 characters of a value and never raw control characters") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("echo");
  v1::GetNetworkRequest huge;
  huge.set_network(std::string(100 * 1024, 'n'));
  auto reply = t.client.call(&Stub::GetNetwork, huge);
  CHECK((reply.code() == StatusCode::INVALID_ARGUMENT || reply.code() == StatusCode::NOT_FOUND));
  CHECK(reply.message().size() < 200);
  v1::GetNetworkRequest escape;
  escape.set_network("\x1b[31mred");
  auto escaped = t.client.call(&Stub::GetNetwork, escape);
  CHECK(escaped.code() == StatusCode::NOT_FOUND);
  CHECK(escaped.message().find('\x1b') == std::string::npos);
  CHECK_THAT(escaped.message(), Catch::Contains("\\x1b"));
  auto rule = rule_request("default", std::string(100 * 1024, 'p'));
  auto bad_protocol = t.client.call(&Stub::CreateSecurityGroupRule, rule);
  CHECK(bad_protocol.code() == StatusCode::INVALID_ARGUMENT);
  CHECK(bad_protocol.message().size() < 300);
}

TEST_CASE("every field of the network API at its extremes answers boundedly, never INTERNAL") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("fuzz");
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  int probes = 0;
  for (const char* name : {"cloud.network.v1.Network", "cloud.network.v1.NetworkAgent"}) {
    const auto* service = pool->FindServiceByName(name);
    if (!service) continue;  // the agent API lives in the same file while it exists
    // As a tenant (the walls and validation a tenant meets) and as admin (past the walls).
    probes += api_fuzz::fuzz_service(*service, t.client.channel(), t.client.token(), api_fuzz::check_sane);
    probes += api_fuzz::fuzz_service(*service, cloud.admin().channel(), cloud.admin().token(), api_fuzz::check_sane);
  }
  CHECK(probes > 500);
}
