// Servers through their whole life with a stand-in agent: creation of several at once, the
// VIF-plugged handshake to ACTIVE, its timeout to ERROR, deletion from any state, power
// actions, the console log, tenant walls and quotas.
#include <catch2/catch.hpp>

#include "tests/compute/compute_test_support.h"

using namespace stratus;
using namespace stratus::compute_test;
using Stub = v1::Compute::Stub;
using AgentStub = v1::ComputeAgent::Stub;

namespace {

v1::Server get(const ComputeClient& client, const std::string& server) {
  v1::GetServerRequest request;
  request.set_server(server);
  return must(client.call(&Stub::GetServer, request), "reading server " + server);
}

Reply<v1::Server> action(const ComputeClient& client,
                         grpc::Status (Stub::*method)(grpc::ClientContext*, const v1::ServerActionRequest&, v1::Server*),
                         const std::string& server) {
  v1::ServerActionRequest request;
  request.set_server(server);
  return client.call(method, request);
}

std::vector<v1::Server> list(const ComputeClient& client) {
  auto reply = must(client.call(&Stub::ListServers, v1::ListServersRequest()), "listing servers");
  return {reply.servers().begin(), reply.servers().end()};
}

}  // namespace

TEST_CASE("count 2 makes NAME-1 and NAME-2 with ports bound to the host; ACTIVE after spawn and VIF plug") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("servers-two");
  auto host = cloud.host("two", 8, 8192, 100);
  auto flavor = cloud.flavor(1, 256, 1);

  auto request = server_request("web", flavor, host->zone());
  request.set_count(2);
  request.mutable_metadata()->insert({"role", "frontend"});
  request.set_user_data("IyEvYmluL3NoCmVjaG8gaGkK");  // "#!/bin/sh\necho hi\n"
  auto created = must(t.compute.call(&Stub::CreateServer, request), "creating two servers");
  REQUIRE(created.servers_size() == 2);
  CHECK(created.servers(0).name() == "web-1");
  CHECK(created.servers(1).name() == "web-2");
  for (const auto& s : created.servers()) {
    CHECK(s.vm_state() == v1::VM_STATE_BUILD);
    CHECK(s.host().empty());  // members do not see hosts
  }

  for (const auto& s : created.servers()) {
    REQUIRE(host->saw_cast(s.id()));
    auto ports = cloud.ports_of(s.id());
    REQUIRE(ports.size() == 1);
    CHECK(ports[0].host() == host->name());
    CHECK(ports[0].project_id() == t.project_id);
    CHECK(ports[0].device_owner().rfind("compute:", 0) == 0);

    // What the agent reads to build the domain.
    v1::GetInstanceSpecRequest spec_request;
    spec_request.set_instance_id(s.id());
    auto spec = must(cloud.agent().call(&AgentStub::GetInstanceSpec, spec_request), "instance spec");
    CHECK(spec.host() == host->name());
    CHECK_FALSE(spec.deleted());
    CHECK(spec.desired_power_state() == v1::POWER_STATE_RUNNING);
    REQUIRE(spec.ports_size() == 1);
    CHECK(spec.ports(0).port_id() == ports[0].id());
    CHECK(spec.ports(0).mac_address() == ports[0].mac_address());
    CHECK(spec.config_drive().hostname() == s.name());
    CHECK(spec.config_drive().user_data() == "#!/bin/sh\necho hi\n");
    CHECK(spec.config_drive().meta().at("role") == "frontend");
    REQUIRE(spec.config_drive().networks_size() == 1);
    CHECK(spec.config_drive().networks(0).prefix_length() == 24);
    CHECK(spec.image().id() == cloud.image_id());
  }

  // Spawned alone is not enough: the ports must be ACTIVE too.
  auto& first = created.servers(0);
  must(host->report(first.id(), v1::INSTANCE_EVENT_SPAWNED), "spawned");
  CHECK(get(t.compute, first.id()).vm_state() == v1::VM_STATE_BUILD);
  for (const auto& port : cloud.ports_of(first.id())) cloud.port_up(port.id(), host->name());
  REQUIRE(wait_for_state(t.compute, first.id(), v1::VM_STATE_ACTIVE));

  // The other: ports first, spawn after.
  auto& second = created.servers(1);
  for (const auto& port : cloud.ports_of(second.id())) cloud.port_up(port.id(), host->name());
  must(host->report(second.id(), v1::INSTANCE_EVENT_SPAWNED), "spawned");
  REQUIRE(wait_for_state(t.compute, second.id(), v1::VM_STATE_ACTIVE));

  auto shown = get(t.compute, "web-1");
  CHECK(shown.task_state() == v1::TASK_STATE_NONE);
  CHECK(shown.power_state() == v1::POWER_STATE_RUNNING);
  CHECK(shown.host_status() == v1::HOST_STATUS_UP);
  CHECK(shown.addresses().count("net") == 1);
  CHECK(shown.launched_at().seconds() > 0);
  CHECK(shown.security_groups_size() == 1);
  CHECK(get(cloud.admin(), shown.id()).host() == host->name());

  auto usage = must(cloud.host_view(host->name()), "host");
  CHECK(usage.instances() == 2);
  CHECK(usage.vcpus_used() == 2);
  CHECK(usage.ram_mib_used() == 512);

  v1::ListServerActionsRequest actions;
  actions.set_server("web-1");
  auto log = must(t.compute.call(&Stub::ListServerActions, actions), "actions");
  REQUIRE(log.actions_size() == 1);
  CHECK(log.actions(0).action() == "create");
  CHECK(log.actions(0).result() == "success");

  // Stop, start, and what is refused on the way.
  CHECK(action(t.compute, &Stub::StartServer, "web-1").code() == StatusCode::FAILED_PRECONDITION);
  auto stopping = must(action(t.compute, &Stub::StopServer, "web-1"), "stop");
  CHECK(stopping.task_state() == v1::TASK_STATE_POWERING_OFF);
  must(host->report(first.id(), v1::INSTANCE_EVENT_STOPPED, v1::POWER_STATE_SHUTDOWN), "stopped");
  REQUIRE(wait_for_state(t.compute, "web-1", v1::VM_STATE_SHUTOFF));
  auto stop_again = action(t.compute, &Stub::StopServer, "web-1");
  CHECK(stop_again.code() == StatusCode::FAILED_PRECONDITION);
  CHECK(stop_again.message().find("SHUTOFF") != std::string::npos);
  must(action(t.compute, &Stub::StartServer, "web-1"), "start");
  must(host->report(first.id(), v1::INSTANCE_EVENT_STARTED, v1::POWER_STATE_RUNNING), "started");
  REQUIRE(wait_for_state(t.compute, "web-1", v1::VM_STATE_ACTIVE));

  // The console log the agent reported, cut to the last lines.
  v1::ReportInstanceRequest console;
  console.set_instance_id(first.id());
  console.set_host(host->name());
  console.set_power_state(v1::POWER_STATE_RUNNING);
  console.set_console_log_tail("booting\nloading\nlogin: \n");
  must(cloud.agent().call(&AgentStub::ReportInstance, console), "console report");
  v1::GetConsoleLogRequest console_request;
  console_request.set_server("web-1");
  console_request.set_lines(2);
  CHECK(must(t.compute.call(&Stub::GetConsoleLog, console_request), "console").output() == "loading\nlogin: \n");

  // Delete: ports go at once, the row when the agent reports the domain gone.
  for (const auto& s : created.servers()) {
    auto deleting = must(action(t.compute, &Stub::DeleteServer, s.id()), "delete");
    CHECK(deleting.task_state() == v1::TASK_STATE_DELETING);
    CHECK(action(t.compute, &Stub::DeleteServer, s.id()).ok());  // idempotent
  }
  for (const auto& s : created.servers()) {
    CHECK(test_support::eventually([&] { return cloud.ports_of(s.id()).empty(); }, std::chrono::seconds(20)));
    must(host->report(s.id(), v1::INSTANCE_EVENT_DELETED, v1::POWER_STATE_NOSTATE), "deleted");
    CHECK(wait_for_state(t.compute, s.id(), v1::VM_STATE_DELETED));
  }
  CHECK(list(t.compute).empty());
  usage = must(cloud.host_view(host->name()), "host");
  CHECK(usage.instances() == 0);
  CHECK(usage.vcpus_used() == 0);
}

TEST_CASE("ports that never come up: ERROR naming the port, ports deleted, claim released; delete works from ERROR") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("servers-vif");
  auto host = cloud.host("vif", 4, 4096, 50);
  auto flavor = cloud.flavor(1, 256, 1);

  auto created = must(t.compute.call(&Stub::CreateServer, server_request("lonely", flavor, host->zone())), "create");
  auto server = created.servers(0);
  REQUIRE(host->saw_cast(server.id()));
  auto ports = cloud.ports_of(server.id());
  REQUIRE(ports.size() == 1);
  must(host->report(server.id(), v1::INSTANCE_EVENT_SPAWNED), "spawned");  // but no VIF plug

  REQUIRE(wait_for_state(t.compute, server.id(), v1::VM_STATE_ERROR, std::chrono::seconds(40)));
  auto failed = get(t.compute, server.id());
  CHECK(failed.fault().message().find(ports[0].id()) != std::string::npos);
  CHECK(failed.fault().created_at().seconds() > 0);
  CHECK(test_support::eventually([&] { return cloud.ports_of(server.id()).empty(); }, std::chrono::seconds(20)));
  CHECK(must(cloud.host_view(host->name()), "host").instances() == 0);

  // The agent is told to remove the domain.
  v1::GetInstanceSpecRequest spec_request;
  spec_request.set_instance_id(server.id());
  CHECK(must(cloud.agent().call(&AgentStub::GetInstanceSpec, spec_request), "spec").deleted());

  must(action(t.compute, &Stub::DeleteServer, server.id()), "delete from ERROR");
  must(host->report(server.id(), v1::INSTANCE_EVENT_DELETED, v1::POWER_STATE_NOSTATE), "deleted");
  CHECK(wait_for_state(t.compute, server.id(), v1::VM_STATE_DELETED));
}

TEST_CASE("a spawn that fails ends in ERROR with the agent's message, and gives its ports back") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("servers-spawn-fail");
  auto host = cloud.host("spawn-fail", 4, 4096, 50);
  auto flavor = cloud.flavor(1, 256, 1);
  auto server = must(t.compute.call(&Stub::CreateServer, server_request("doomed", flavor, host->zone())), "create")
                    .servers(0);
  REQUIRE(host->saw_cast(server.id()));
  must(host->report(server.id(), v1::INSTANCE_EVENT_SPAWN_FAILED, v1::POWER_STATE_NOSTATE, "qemu: no such disk"),
       "failed");
  REQUIRE(wait_for_state(t.compute, server.id(), v1::VM_STATE_ERROR));
  CHECK(get(t.compute, server.id()).fault().message().find("qemu: no such disk") != std::string::npos);
  CHECK(test_support::eventually([&] { return cloud.ports_of(server.id()).empty(); }, std::chrono::seconds(20)));
}

TEST_CASE("tenant walls: another project's server is NOT_FOUND for every call") {
  auto& cloud = Cloud::instance();
  auto owner = cloud.tenant("walls-owner");
  auto other = cloud.tenant("walls-other");
  auto host = cloud.host("walls", 4, 4096, 50);
  auto flavor = cloud.flavor(1, 128, 1);
  auto server =
      must(owner.compute.call(&Stub::CreateServer, server_request("private", flavor, host->zone())), "create").servers(0);

  v1::GetServerRequest get_request;
  get_request.set_server(server.id());
  CHECK(other.compute.call(&Stub::GetServer, get_request).code() == StatusCode::NOT_FOUND);
  get_request.set_server("private");
  CHECK(other.compute.call(&Stub::GetServer, get_request).code() == StatusCode::NOT_FOUND);
  CHECK(action(other.compute, &Stub::DeleteServer, server.id()).code() == StatusCode::NOT_FOUND);
  CHECK(action(other.compute, &Stub::StopServer, server.id()).code() == StatusCode::NOT_FOUND);
  v1::GetConsoleLogRequest console;
  console.set_server(server.id());
  CHECK(other.compute.call(&Stub::GetConsoleLog, console).code() == StatusCode::NOT_FOUND);
  v1::ListServerActionsRequest actions;
  actions.set_server(server.id());
  CHECK(other.compute.call(&Stub::ListServerActions, actions).code() == StatusCode::NOT_FOUND);
  CHECK(list(other.compute).empty());
  v1::ListServersRequest all;
  all.set_all_projects(true);
  CHECK(other.compute.call(&Stub::ListServers, all).code() == StatusCode::PERMISSION_DENIED);
  CHECK(list(owner.compute).size() == 1);

  // Server groups too.
  v1::CreateServerGroupRequest group;
  group.set_name("mine");
  group.set_policy(v1::SERVER_GROUP_POLICY_ANTI_AFFINITY);
  auto made = must(owner.compute.call(&Stub::CreateServerGroup, group), "group");
  v1::GetServerGroupRequest get_group;
  get_group.set_server_group(made.id());
  CHECK(other.compute.call(&Stub::GetServerGroup, get_group).code() == StatusCode::NOT_FOUND);
  auto foreign = server_request("foreign-group", flavor, host->zone());
  foreign.set_server_group(made.id());
  CHECK(other.compute.call(&Stub::CreateServer, foreign).code() == StatusCode::NOT_FOUND);

  must(action(owner.compute, &Stub::DeleteServer, server.id()), "cleanup");
}

TEST_CASE("quota: a create that does not fit whole creates nothing") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("servers-quota");
  auto host = cloud.host("quota", 16, 16384, 100);
  auto flavor = cloud.flavor(1, 128, 1);
  v1::SetQuotaRequest quota;
  quota.set_project(t.project_id);
  quota.set_instances(3);
  CHECK(t.compute.call(&Stub::SetQuota, quota).code() == StatusCode::PERMISSION_DENIED);
  must(cloud.admin().call(&Stub::SetQuota, quota), "setting the quota");

  auto request = server_request("batch", flavor, host->zone());
  request.set_count(4);
  auto refused = t.compute.call(&Stub::CreateServer, request);
  CHECK(refused.code() == StatusCode::RESOURCE_EXHAUSTED);
  CHECK(refused.message().find("instances") != std::string::npos);
  CHECK(list(t.compute).empty());
  CHECK(must(cloud.host_view(host->name()), "host").instances() == 0);

  request.set_count(3);
  auto made = must(t.compute.call(&Stub::CreateServer, request), "three fit");
  CHECK(made.servers_size() == 3);
  v1::GetQuotaRequest get_quota;
  auto shown = must(t.compute.call(&Stub::GetQuota, get_quota), "quota");
  CHECK(shown.limits().instances() == 3);
  CHECK(shown.in_use().instances() == 3);
  CHECK(shown.in_use().cores() == 3);
  auto one_more = server_request("extra", flavor, host->zone());
  CHECK(t.compute.call(&Stub::CreateServer, one_more).code() == StatusCode::RESOURCE_EXHAUSTED);
  for (const auto& s : made.servers()) must(action(t.compute, &Stub::DeleteServer, s.id()), "cleanup");
}

TEST_CASE("a repeated request_id returns the servers of the first call") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("servers-idempotent");
  auto host = cloud.host("idem", 4, 4096, 50);
  auto flavor = cloud.flavor(1, 128, 1);
  auto request = server_request("retried", flavor, host->zone());
  request.set_request_id("create-once");
  auto first = must(t.compute.call(&Stub::CreateServer, request), "first");
  auto again = must(t.compute.call(&Stub::CreateServer, request), "retry");
  REQUIRE(again.servers_size() == 1);
  CHECK(again.servers(0).id() == first.servers(0).id());
  CHECK(list(t.compute).size() == 1);
  must(action(t.compute, &Stub::DeleteServer, first.servers(0).id()), "cleanup");
}

TEST_CASE("no host with room: RESOURCE_EXHAUSTED saying why, nothing created") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("servers-full");
  auto host = cloud.host("small", 2, 512, 10);
  auto big = cloud.flavor(1, 4096, 1);
  auto refused = t.compute.call(&Stub::CreateServer, server_request("big", big, host->zone()));
  CHECK(refused.code() == StatusCode::RESOURCE_EXHAUSTED);
  CHECK(refused.message().find("RAM") != std::string::npos);
  CHECK(list(t.compute).empty());

  // A disabled host takes nothing new.
  auto small = cloud.flavor(1, 128, 1);
  v1::SetHostEnabledRequest disable;
  disable.set_host(host->name());
  disable.set_enabled(false);
  disable.set_reason("maintenance");
  CHECK(t.compute.call(&Stub::SetHostEnabled, disable).code() == StatusCode::PERMISSION_DENIED);
  must(cloud.admin().call(&Stub::SetHostEnabled, disable), "disabling");
  CHECK(t.compute.call(&Stub::CreateServer, server_request("small", small, host->zone())).code() ==
        StatusCode::RESOURCE_EXHAUSTED);
  disable.set_enabled(true);
  must(cloud.admin().call(&Stub::SetHostEnabled, disable), "enabling");
  auto made = must(t.compute.call(&Stub::CreateServer, server_request("small", small, host->zone())), "fits now");
  must(action(t.compute, &Stub::DeleteServer, made.servers(0).id()), "cleanup");
}
