#include <catch2/catch.hpp>

#include "tests/network/network_test_support.h"

using namespace stratus::network_test;

namespace {

v1::CreateSecurityGroupRuleRequest tcp_rule(const std::string& group, int min, int max) {
  v1::CreateSecurityGroupRuleRequest r;
  r.set_security_group(group);
  r.set_protocol("tcp");
  r.set_port_range_min(min);
  r.set_port_range_max(max);
  return r;
}

size_t rule_count(const Tenant& t, const std::string& group) {
  return must(t.client.get_group(group), "get group").rules_size();
}

}  // namespace

TEST_CASE("a project's default group exists on first use: all egress, ingress only from its members") {
  auto t = Cloud::instance().tenant("sg-default");
  v1::ListSecurityGroupsRequest list;
  auto groups = must(t.client.call(&Stub::ListSecurityGroups, list), "list groups");
  REQUIRE(groups.security_groups_size() == 1);
  const auto& group = groups.security_groups(0);
  CHECK(group.name() == "default");
  CHECK(group.project_id() == t.project_id);
  int egress_any = 0, ingress_from_self = 0, other = 0;
  for (const auto& r : group.rules()) {
    if (r.direction() == "egress" && r.remote_ip_prefix().empty() && r.remote_group_id().empty() &&
        r.protocol() == "any")
      ++egress_any;
    else if (r.direction() == "ingress" && r.remote_group_id() == group.id())
      ++ingress_from_self;
    else
      ++other;
  }
  CHECK(egress_any == 2);  // IPv4 and IPv6
  CHECK(ingress_from_self >= 1);
  CHECK(other == 0);

  SECTION("and it cannot be deleted") {
    v1::DeleteSecurityGroupRequest del;
    del.set_security_group("default");
    CHECK(t.client.call(&Stub::DeleteSecurityGroup, del).code() == StatusCode::FAILED_PRECONDITION);
  }
}

TEST_CASE("bad rules are refused with a message naming the problem and change nothing") {
  auto t = Cloud::instance().tenant("sg-bad");
  v1::CreateSecurityGroupRequest create;
  create.set_name("web");
  must(t.client.call(&Stub::CreateSecurityGroup, create), "create group");

  auto refused = [&](const v1::CreateSecurityGroupRuleRequest& r, const std::string& expected) {
    auto reply = t.client.call(&Stub::CreateSecurityGroupRule, r);
    CHECK(reply.code() == StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(reply.message(), Catch::Contains(expected));
  };
  refused(tcp_rule("web", 80, 22), "minimum is larger");
  refused(tcp_rule("web", 1, 70000), "between 0 and 65535");
  refused(tcp_rule("web", -5, 10), "between 0 and 65535");

  v1::CreateSecurityGroupRuleRequest icmp;
  icmp.set_security_group("web");
  icmp.set_protocol("icmp");
  icmp.set_icmp_code(0);
  refused(icmp, "icmp_code needs icmp_type");

  auto both = tcp_rule("web", 22, 22);
  both.set_remote_ip_prefix("10.0.0.0/8");
  both.set_remote_group("default");
  refused(both, "not both");

  auto bad_cidr = tcp_rule("web", 22, 22);
  bad_cidr.set_remote_ip_prefix("10.0.0.1/8");
  refused(bad_cidr, "host bits");

  v1::CreateSecurityGroupRuleRequest bad_protocol;
  bad_protocol.set_security_group("web");
  bad_protocol.set_protocol("tcpp");
  refused(bad_protocol, "protocol must be");

  CHECK(rule_count(t, "web") == 0);
}

TEST_CASE("a rule equal to an existing one is refused as ALREADY_EXISTS") {
  auto t = Cloud::instance().tenant("sg-dup");
  must(t.client.call(&Stub::CreateSecurityGroupRule, tcp_rule("default", 22, 22)), "first rule");
  auto same = tcp_rule("default", 22, 22);
  same.set_protocol("6");
  same.set_remote_ip_prefix("0.0.0.0/0");
  auto reply = t.client.call(&Stub::CreateSecurityGroupRule, same);
  CHECK(reply.code() == StatusCode::ALREADY_EXISTS);
  CHECK_THAT(reply.message(), Catch::Contains("ingress tcp 22"));
  CHECK(rule_count(t, "default") == 5);
}

TEST_CASE("a port binding expands remote-group rules to the member addresses") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("binding");
  must(t.client.create_network("net"), "network");
  must(t.client.create_subnet("sub", "net", "10.20.0.0/24"), "subnet");
  auto a = must(t.client.create_port("net", "a"), "port a");
  auto b = must(t.client.create_port("net", "b"), "port b");

  v1::GetPortBindingRequest request;
  request.set_port_id(a.id());
  auto binding = must(cloud.admin().call(&AgentStub::GetPortBinding, request), "binding");
  CHECK(binding.mac_address() == a.mac_address());
  REQUIRE(binding.fixed_ips_size() == 1);
  CHECK(binding.fixed_ips(0).cidr() == "10.20.0.0/24");
  CHECK(binding.fixed_ips(0).gateway_ip() == "10.20.0.1");
  CHECK(binding.segmentation_id() > 0);
  bool found = false;
  for (const auto& rule : binding.security_group_rules())
    if (rule.direction() == "ingress" && rule.ethertype() == "IPv4" && !rule.remote_group_id().empty()) {
      found = true;
      std::vector<std::string> ips(rule.remote_ip_addresses().begin(), rule.remote_ip_addresses().end());
      CHECK_THAT(ips, Catch::UnorderedEquals(std::vector<std::string>{a.fixed_ips(0).ip_address(),
                                                                      b.fixed_ips(0).ip_address()}));
    }
  CHECK(found);

  SECTION("tenants may not read bindings; agents report status only for the bound host") {
    CHECK(t.client.call(&AgentStub::GetPortBinding, request).code() == StatusCode::PERMISSION_DENIED);
    v1::UpdatePortStatusRequest status;
    status.set_port_id(a.id());
    status.set_host("elsewhere");
    status.set_status("ACTIVE");
    CHECK(cloud.admin().call(&AgentStub::UpdatePortStatus, status).code() == StatusCode::FAILED_PRECONDITION);
    v1::UpdatePortRequest bind;
    bind.set_port(a.id());
    bind.set_host("node-1");
    // Only compute (service role) or an admin binds a port to a host.
    CHECK(t.client.call(&Stub::UpdatePort, bind).code() == StatusCode::PERMISSION_DENIED);
    must(cloud.admin().call(&Stub::UpdatePort, bind), "bind");
    status.set_host("node-1");
    CHECK(must(cloud.admin().call(&AgentStub::UpdatePortStatus, status), "status").status() == "ACTIVE");
    v1::ListPortsOnHostRequest on_host;
    on_host.set_host("node-1");
    auto bindings = must(cloud.admin().call(&AgentStub::ListPortsOnHost, on_host), "ports on host");
    bool listed = false;
    for (const auto& bd : bindings.bindings()) listed = listed || bd.port_id() == a.id();
    CHECK(listed);
  }
}
