#include <future>
#include <set>

#include <catch2/catch.hpp>

#include "tests/network/network_test_support.h"

using namespace stratus::network_test;

TEST_CASE("32 concurrent port creates get 32 distinct addresses") {
  auto t = Cloud::instance().tenant("concurrent");
  must(t.client.create_network("net"), "network");
  must(t.client.create_subnet("sub", "net", "10.30.0.0/24"), "subnet");
  std::vector<std::future<Reply<v1::Port>>> creates;
  for (int i = 0; i < 32; ++i)
    creates.push_back(std::async(std::launch::async, [&] { return t.client.create_port("net"); }));
  std::set<std::string> addresses, macs;
  for (auto& f : creates) {
    auto reply = f.get();
    REQUIRE(reply.ok());
    REQUIRE(reply.value.fixed_ips_size() == 1);
    addresses.insert(reply.value.fixed_ips(0).ip_address());
    macs.insert(reply.value.mac_address());
  }
  CHECK(addresses.size() == 32);
  CHECK(macs.size() == 32);
}

TEST_CASE("a deleted port's address goes back to the pool") {
  auto t = Cloud::instance().tenant("release");
  must(t.client.create_network("net"), "network");
  must(t.client.create_subnet("sub", "net", "10.31.0.0/24"), "subnet");
  auto first = must(t.client.create_port("net", "first"), "port");
  std::string address = first.fixed_ips(0).ip_address();
  CHECK(address == "10.31.0.2");
  v1::DeletePortRequest del;
  del.set_port("first");
  must(t.client.call(&Stub::DeletePort, del), "delete");
  auto again = must(t.client.create_port("net", "again"), "port again");
  CHECK(again.fixed_ips(0).ip_address() == address);
}

TEST_CASE("bad subnets and ports are refused and create nothing") {
  auto t = Cloud::instance().tenant("bad-input");
  must(t.client.create_network("net"), "network");
  auto bad_subnet = [&](v1::CreateSubnetRequest r, const std::string& expected) {
    r.set_name("s");
    r.set_network("net");
    auto reply = t.client.call(&Stub::CreateSubnet, r);
    CHECK(reply.code() == StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(reply.message(), Catch::Contains(expected));
  };
  v1::CreateSubnetRequest r;
  r.set_cidr("10.0.0.0/33");
  bad_subnet(r, "IPv4 CIDR");
  r.set_cidr("10.40.0.0/24");
  r.set_gateway_ip("10.41.0.1");
  bad_subnet(r, "outside the subnet");
  r.clear_gateway_ip();
  auto* p1 = r.add_allocation_pools();
  p1->set_start("10.40.0.10");
  p1->set_end("10.40.0.50");
  auto* p2 = r.add_allocation_pools();
  p2->set_start("10.40.0.40");
  p2->set_end("10.40.0.60");
  bad_subnet(r, "overlap");

  v1::ListSubnetsRequest list;
  list.set_network("net");
  CHECK(must(t.client.call(&Stub::ListSubnets, list), "list").subnets_size() == 0);

  must(t.client.create_subnet("sub", "net", "10.40.0.0/24"), "subnet");
  auto overlapping = t.client.create_subnet("sub2", "net", "10.40.0.128/25");
  CHECK(overlapping.code() == StatusCode::INVALID_ARGUMENT);

  v1::CreatePortRequest port;
  port.set_network("net");
  port.set_mac_address("01:00:5e:00:00:01");
  CHECK(t.client.call(&Stub::CreatePort, port).code() == StatusCode::INVALID_ARGUMENT);
  port.clear_mac_address();
  port.add_fixed_ips()->set_ip_address("10.99.0.5");
  auto outside = t.client.call(&Stub::CreatePort, port);
  CHECK(outside.code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(outside.message(), Catch::Contains("not inside any subnet"));
  port.mutable_fixed_ips(0)->set_ip_address("10.40.0.7");
  must(t.client.call(&Stub::CreatePort, port), "port with fixed ip");
  CHECK(t.client.call(&Stub::CreatePort, port).code() == StatusCode::ALREADY_EXISTS);

  v1::ListPortsRequest ports;
  CHECK(must(t.client.call(&Stub::ListPorts, ports), "ports").ports_size() == 1);
}

TEST_CASE("a project cannot pass its port quota") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("quota");
  v1::SetQuotaRequest quota;
  quota.set_project(t.project_id);
  quota.set_ports(1);
  must(cloud.admin().call(&Stub::SetQuota, quota), "set quota");
  must(t.client.create_network("net"), "network");
  must(t.client.create_subnet("sub", "net", "10.32.0.0/24"), "subnet");
  must(t.client.create_port("net"), "first port");
  auto second = t.client.create_port("net");
  CHECK(second.code() == StatusCode::RESOURCE_EXHAUSTED);
  CHECK_THAT(second.message(), Catch::Contains("1 of 1 ports"));
}
