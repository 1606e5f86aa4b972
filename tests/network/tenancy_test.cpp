#include <catch2/catch.hpp>

#include "tests/network/network_test_support.h"

using namespace stratus::network_test;

TEST_CASE("another project can neither see nor use a project's network, port, group or floating IP") {
  auto& cloud = Cloud::instance();
  auto a = cloud.tenant("wall-a");
  auto b = cloud.tenant("wall-b");
  auto net = must(a.client.create_network("private"), "network");
  must(a.client.create_subnet("sub", "private", "10.50.0.0/24"), "subnet");
  auto port = must(a.client.create_port("private", "vm"), "port");
  auto group = must(a.client.get_group("default"), "group");

  v1::GetNetworkRequest get_net;
  get_net.set_network(net.id());
  CHECK(b.client.call(&Stub::GetNetwork, get_net).code() == StatusCode::NOT_FOUND);
  CHECK(b.client.create_port(net.id()).code() == StatusCode::NOT_FOUND);
  v1::GetPortRequest get_port;
  get_port.set_port(port.id());
  CHECK(b.client.call(&Stub::GetPort, get_port).code() == StatusCode::NOT_FOUND);
  v1::DeletePortRequest del_port;
  del_port.set_port(port.id());
  CHECK(b.client.call(&Stub::DeletePort, del_port).code() == StatusCode::NOT_FOUND);
  CHECK(b.client.get_group(group.id()).code() == StatusCode::NOT_FOUND);
  v1::CreateSecurityGroupRuleRequest rule;
  rule.set_security_group(group.id());
  CHECK(b.client.call(&Stub::CreateSecurityGroupRule, rule).code() == StatusCode::NOT_FOUND);
  v1::CreatePortRequest with_foreign_group;
  with_foreign_group.set_network(net.id());
  with_foreign_group.mutable_security_groups()->add_security_groups(group.id());
  CHECK(b.client.call(&Stub::CreatePort, with_foreign_group).code() == StatusCode::NOT_FOUND);

  v1::ListNetworksRequest list;
  auto visible = must(b.client.call(&Stub::ListNetworks, list), "list");
  for (const auto& n : visible.networks()) CHECK(n.id() != net.id());
  v1::ListPortsRequest ports;
  CHECK(must(b.client.call(&Stub::ListPorts, ports), "ports").ports_size() == 0);
  // A still exists untouched.
  CHECK(a.client.call(&Stub::GetPort, get_port).ok());
}

TEST_CASE("only admins create external or shared networks, which every project then sees") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("not-admin");
  CHECK(t.client.create_network("ext", true).code() == StatusCode::PERMISSION_DENIED);
  CHECK(t.client.create_network("shared", false, true).code() == StatusCode::PERMISSION_DENIED);

  std::string name = unique("shared");
  auto shared = must(cloud.admin().create_network(name, false, true), "shared network");
  must(cloud.admin().create_subnet(unique("shared-sub"), shared.id(), "10.60.0.0/24"), "shared subnet");
  auto port = t.client.create_port(name);
  REQUIRE(port.ok());
  CHECK(port.value.project_id() == t.project_id);
  v1::DeleteNetworkRequest del;
  del.set_network(shared.id());
  CHECK(t.client.call(&Stub::DeleteNetwork, del).code() == StatusCode::PERMISSION_DENIED);
}
