#include <catch2/catch.hpp>

#include "tests/network/network_test_support.h"

using namespace stratus::network_test;

namespace {

// An external network with a pool of `size` addresses (size <= 4), named uniquely.
v1::NetworkInfo external_pool(const std::string& third_octet, int size) {
  auto& admin = Cloud::instance().admin();
  auto net = must(admin.create_network(unique("pool"), true), "external network");
  v1::CreateSubnetRequest subnet;
  subnet.set_name(unique("pool-sub"));
  subnet.set_network(net.id());
  subnet.set_cidr("203.0." + third_octet + ".0/29");
  auto* pool = subnet.add_allocation_pools();
  pool->set_start("203.0." + third_octet + ".2");
  pool->set_end("203.0." + third_octet + "." + std::to_string(1 + size));
  must(admin.call(&Stub::CreateSubnet, subnet), "external subnet");
  return net;
}

v1::FloatingIp allocate(const Tenant& t, const std::string& pool) {
  v1::CreateFloatingIpRequest r;
  r.set_floating_network(pool);
  return must(t.client.call(&Stub::CreateFloatingIp, r), "allocate floating IP");
}

}  // namespace

TEST_CASE("an empty floating IP pool answers RESOURCE_EXHAUSTED naming the pool") {
  auto pool = external_pool("113", 2);
  auto t = Cloud::instance().tenant("fip-empty");
  allocate(t, pool.id());
  allocate(t, pool.id());
  v1::CreateFloatingIpRequest third;
  third.set_floating_network(pool.name());
  auto reply = t.client.call(&Stub::CreateFloatingIp, third);
  CHECK(reply.code() == StatusCode::RESOURCE_EXHAUSTED);
  CHECK_THAT(reply.message(), Catch::Contains(pool.name()));

  SECTION("a released address can be allocated again") {
    v1::ListFloatingIpsRequest list;
    auto fips = must(t.client.call(&Stub::ListFloatingIps, list), "list");
    v1::DeleteFloatingIpRequest release;
    release.set_floating_ip(fips.floating_ips(0).floating_ip_address());
    must(t.client.call(&Stub::DeleteFloatingIp, release), "release");
    CHECK(t.client.call(&Stub::CreateFloatingIp, third).ok());
  }
}

TEST_CASE("a floating IP is associated, moved and disassociated within its project only") {
  auto& cloud = Cloud::instance();
  auto pool = external_pool("114", 4);
  auto a = cloud.tenant("fip-a");
  auto b = cloud.tenant("fip-b");
  for (const auto* t : {&a, &b}) {
    must(t->client.create_network("net"), "network");
    must(t->client.create_subnet("sub", "net", "10.70.0.0/24"), "subnet");
  }
  auto port1 = must(a.client.create_port("net", "one"), "port one");
  auto port2 = must(a.client.create_port("net", "two"), "port two");
  auto foreign = must(b.client.create_port("net", "theirs"), "b's port");
  auto fip = allocate(a, pool.id());
  CHECK(fip.status() == "DOWN");

  v1::AssociateFloatingIpRequest associate;
  associate.set_floating_ip(fip.id());
  associate.set_port(foreign.id());
  CHECK(a.client.call(&Stub::AssociateFloatingIp, associate).code() == StatusCode::NOT_FOUND);

  associate.set_port("one");
  auto associated = must(a.client.call(&Stub::AssociateFloatingIp, associate), "associate");
  CHECK(associated.port_id() == port1.id());
  CHECK(associated.fixed_ip_address() == port1.fixed_ips(0).ip_address());
  CHECK(associated.status() == "ACTIVE");

  v1::GetPortBindingRequest binding;
  binding.set_port_id(port1.id());
  auto bound = must(cloud.admin().call(&AgentStub::GetPortBinding, binding), "binding");
  REQUIRE(bound.floating_ips_size() == 1);
  CHECK(bound.floating_ips(0).floating_ip_address() == fip.floating_ip_address());
  CHECK(bound.floating_ips(0).external_cidr() == "203.0.114.0/29");
  CHECK(bound.floating_ips(0).external_gateway_ip() == "203.0.114.1");

  associate.set_port("two");
  CHECK(must(a.client.call(&Stub::AssociateFloatingIp, associate), "move").port_id() == port2.id());
  CHECK(must(cloud.admin().call(&AgentStub::GetPortBinding, binding), "binding").floating_ips_size() == 0);

  v1::GetFloatingIpRequest get;
  get.set_floating_ip(fip.id());
  CHECK(b.client.call(&Stub::GetFloatingIp, get).code() == StatusCode::NOT_FOUND);
  v1::ListFloatingIpsRequest list;
  CHECK(must(b.client.call(&Stub::ListFloatingIps, list), "b's list").floating_ips_size() == 0);
  v1::DisassociateFloatingIpRequest b_disassociate;
  b_disassociate.set_floating_ip(fip.id());
  CHECK(b.client.call(&Stub::DisassociateFloatingIp, b_disassociate).code() == StatusCode::NOT_FOUND);

  auto freed = must(a.client.call(&Stub::DisassociateFloatingIp, b_disassociate), "disassociate");
  CHECK(freed.port_id().empty());
  CHECK(freed.status() == "DOWN");
}
