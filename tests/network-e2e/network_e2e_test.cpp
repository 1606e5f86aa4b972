// The real binaries together: stratus-identity and stratus-network (each on a PostgreSQL
// database of its own, events over RabbitMQ) and stratus-network-agent on bridges of its own
// of the machine's Open vSwitch (userspace datapath). Everything is driven through the network
// API as a tenant would; the proof is traffic between network namespaces plugged in as VMs
// (iface-id = the port's id) and from an "outside" namespace on the external bridge.
// Each case works in projects of its own; the processes and bridges are shared.
#define CATCH_CONFIG_EXTERNAL_INTERFACES  // the failure listener below
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "tests/network-e2e/e2e_support.h"

using namespace stratus::network_e2e;
using stratus::test_support::eventually;

namespace {

using Clock = std::chrono::steady_clock;

long ms_since(Clock::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

// The cloud, once the agent has made its bridges and their patch ports have ofports.
Cloud& ready_cloud() {
  auto& cloud = Cloud::instance();
  if (!cloud.agent().running()) throw std::runtime_error("the agent is not running; its log:\n" + cloud.agent().log_tail());
  std::string int_patch = "patch-" + cloud.external_bridge(), ext_patch = "patch-" + cloud.integration_bridge();
  bool ready = eventually([&] {
    return sh("ovs-vsctl --timeout=5 br-exists " + cloud.integration_bridge()) &&
           sh("ovs-vsctl --timeout=5 br-exists " + cloud.external_bridge()) &&
           run("ovs-vsctl --timeout=5 get Interface " + int_patch + " ofport").output.find_first_of("123456789") == 0 &&
           run("ovs-vsctl --timeout=5 get Interface " + ext_patch + " ofport").output.find_first_of("123456789") == 0;
  }, 30s, 100ms);
  if (!ready) throw std::runtime_error("the agent did not make its bridges within 30 s; its log:\n" + cloud.agent().log_tail());
  return cloud;
}

bool any_contains(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The datapath revalidates its cached flows a moment after a bundle commits.
void datapath_settles() { must("ovs-appctl revalidator/wait"); }

const std::string kGateway = "10.0.0.1";

// A failed case prints what the services said, since their logs go with the run.
struct LogsOnFailure : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseEnded(const Catch::TestCaseStats& stats) override {
    if (stats.totals.assertions.failed > 0 && Cloud::started())
      std::cerr << "[e2e] '" << stats.testInfo.name << "' failed\n" << Cloud::instance().logs_tail() << "\n";
  }
};
CATCH_REGISTER_LISTENER(LogsOnFailure)

}  // namespace

TEST_CASE("the agent creates its bridges on the netdev datapath, joined by patch ports", "[e2e]") {
  auto& cloud = ready_cloud();
  for (const auto& bridge : {cloud.integration_bridge(), cloud.external_bridge()}) {
    CHECK(must("ovs-vsctl get Bridge " + bridge + " datapath_type") == "netdev\n");
    CHECK(must("ovs-vsctl get Bridge " + bridge + " fail_mode") == "secure\n");
  }
  CHECK(must("ovs-vsctl get Interface patch-" + cloud.external_bridge() + " options:peer") ==
        "patch-" + cloud.integration_bridge() + "\n");
  CHECK(must("ovs-vsctl iface-to-br patch-" + cloud.external_bridge()) == cloud.integration_bridge() + "\n");
  CHECK(must("ovs-vsctl iface-to-br patch-" + cloud.integration_bridge()) == cloud.external_bridge() + "\n");
  CHECK(cloud.agent().running());
  CHECK(cloud.agent().log_text().find("network agent started") != std::string::npos);
}

TEST_CASE("ports bound to the agent's host become ACTIVE; the default group lets its members in and keeps another group out",
          "[e2e]") {
  auto& cloud = ready_cloud();
  auto a = cloud.tenant("proj-a");
  auto net = a.api.network("net-a");
  a.api.subnet(net.id(), "10.0.0.0/24");
  // "web" may send anything but takes nothing in: what stops it is the default group's ingress.
  auto web = a.api.group("web");
  a.api.rule(web.id(), "egress", "any");
  std::vector<std::string> web_only{web.id()};
  auto p1 = a.api.port(net.id(), "vm1", cloud.host());
  auto p2 = a.api.port(net.id(), "vm2", cloud.host());
  auto p3 = a.api.port(net.id(), "vm3", cloud.host(), &web_only);
  CHECK(p1.status() == "DOWN");  // nothing plugged yet
  CHECK(p1.host() == cloud.host());

  Rack rack;
  // Interfaces whose iface-id names no port here must not hold the agent up (it once retried
  // a round containing "not-a-port" forever, so no port was wired again).
  rack.plug_foreign("jnk1", "not-a-port");
  rack.plug_foreign("jnk2", "00000000-0000-4000-8000-00000000dead");
  auto plugged = Clock::now();
  rack.plug_vm("vm1", p1, kGateway);
  rack.plug_vm("vm2", p2, kGateway);
  rack.plug_vm("vm3", p3, kGateway);
  for (const auto& port : {p1, p2, p3})
    REQUIRE(port_status_becomes(a.api, port.id(), "ACTIVE", 15s));
  std::cout << "[e2e] 3 ports plugged -> all ACTIVE in the API: " << ms_since(plugged) << " ms\n";
  CHECK_FALSE(cloud.port_flows(p1.id()).empty());

  CHECK(eventually([&] { return rack.ping("vm1", ip_of(p2)); }, 10s, 100ms));
  CHECK(rack.ping("vm2", ip_of(p1)));
  CHECK(rack.ping("vm1", kGateway) == false);  // the gateway answers ARP, not ping (no router here)
  CHECK(eventually([&] { return sh("ip netns exec " + rack.ns("vm1") + " ip neigh show " + kGateway + " | grep -q lladdr"); },
                   3s, 100ms));  // ...but it does answer ARP
  CHECK_FALSE(rack.ping("vm3", ip_of(p1)));  // not a member of default...
  CHECK(must("ip netns exec " + rack.ns("vm3") + " ip neigh show " + ip_of(p1)).find(p1.mac_address()) !=
        std::string::npos);                    // ...though the wire between them works (ARP)
  CHECK_FALSE(rack.ping("vm1", ip_of(p3)));  // web lets nothing in
  // The agent turned checksum offload off on the host's end (userspace conntrack needs it).
  CHECK(must("ethtool -k " + rack.outer("vm1") + " | grep '^tx-checksumming:'").find(": off") != std::string::npos);

  // A VM that goes: DOWN in the API and its flows gone.
  rack.unplug_vm("vm3");
  CHECK(port_status_becomes(a.api, p3.id(), "DOWN", 10s));
  CHECK(cloud.port_flows(p3.id()).empty());
  CHECK(must(a.api.get_port(p1.id()), "get port").status() == "ACTIVE");
}

TEST_CASE("a rule created through the API opens the wire within a bounded wait, and deleting it closes it again",
          "[e2e]") {
  auto& cloud = ready_cloud();
  auto a = cloud.tenant("proj-rule");
  auto net = a.api.network("net");
  a.api.subnet(net.id(), "10.0.0.0/24");
  auto g = a.api.group("ssh-servers");
  std::vector<std::string> g_only{g.id()};
  auto client = a.api.port(net.id(), "client", cloud.host());
  auto server = a.api.port(net.id(), "server", cloud.host(), &g_only);

  Rack rack;
  rack.plug_vm("cli", client, kGateway);
  rack.plug_vm("srv", server, kGateway);
  REQUIRE(port_status_becomes(a.api, client.id(), "ACTIVE"));
  REQUIRE(port_status_becomes(a.api, server.id(), "ACTIVE"));
  rack.listen_tcp("srv", 22);
  CHECK_FALSE(rack.tcp_connects("cli", ip_of(server), 22, 1));

  auto created = Clock::now();
  auto rule = a.api.rule(g.id(), "ingress", "tcp", 22, "10.0.0.0/24");
  // API -> outbox -> bus -> agent -> GetPortBinding -> flows (the periodic resync is 60 s away).
  REQUIRE(eventually([&] { return any_contains(cloud.port_flows(server.id()), "tp_dst=22"); }, 10s, 20ms));
  std::cout << "[e2e] rule created -> flows in OVS: " << ms_since(created) << " ms\n";
  datapath_settles();
  CHECK(rack.tcp_connects("cli", ip_of(server), 22));
  CHECK_FALSE(rack.ping("cli", ip_of(server)));  // only tcp/22 was opened

  auto deleted = Clock::now();
  REQUIRE(a.api.delete_rule(rule.id()).ok());
  REQUIRE(eventually([&] { return !any_contains(cloud.port_flows(server.id()), "tp_dst=22"); }, 10s, 20ms));
  std::cout << "[e2e] rule deleted -> flows gone from OVS: " << ms_since(deleted) << " ms\n";
  datapath_settles();
  CHECK_FALSE(rack.tcp_connects("cli", ip_of(server), 22, 1));
}

TEST_CASE("the outside reaches a port through its floating IP until it is disassociated", "[e2e]") {
  auto& cloud = ready_cloud();
  const auto& external = cloud.external_network();
  auto f = cloud.tenant("proj-fip");
  auto net = f.api.network("net");
  f.api.subnet(net.id(), "10.0.0.0/24");
  auto g = f.api.group("public-web");
  f.api.rule(g.id(), "ingress", "icmp");
  f.api.rule(g.id(), "ingress", "tcp", 5000);
  std::vector<std::string> g_only{g.id()};
  auto port = f.api.port(net.id(), "web", cloud.host(), &g_only);

  Rack rack;
  rack.plug_vm("web", port, kGateway);
  rack.add_outside("out", cloud.external_gateway());
  REQUIRE(port_status_becomes(f.api, port.id(), "ACTIVE"));
  rack.listen_tcp("web", 5000);

  cloud::network::v1::CreateFloatingIpRequest create;
  create.set_floating_network(external.id());
  auto fip = must(f.api.call(&Stub::CreateFloatingIp, create), "create floating IP");
  const std::string address = fip.floating_ip_address();
  CHECK(address.rfind(cloud.external_prefix() + ".", 0) == 0);
  CHECK_FALSE(rack.ping("out", address));  // not associated: nobody answers for it

  cloud::network::v1::AssociateFloatingIpRequest associate;
  associate.set_floating_ip(fip.id());
  associate.set_port(port.id());
  auto associated_at = Clock::now();
  auto associated = must(f.api.call(&Stub::AssociateFloatingIp, associate), "associate floating IP");
  CHECK(associated.fixed_ip_address() == ip_of(port));
  REQUIRE(eventually([&] { return rack.ping("out", address); }, 10s, 50ms));
  std::cout << "[e2e] floating IP associated -> outside pings it: " << ms_since(associated_at) << " ms\n";
  CHECK(rack.tcp_connects("out", address, 5000));
  CHECK_FALSE(rack.tcp_connects("out", address, 5001, 1));  // the port's group still applies

  cloud::network::v1::DisassociateFloatingIpRequest disassociate;
  disassociate.set_floating_ip(fip.id());
  must(f.api.call(&Stub::DisassociateFloatingIp, disassociate), "disassociate floating IP");
  REQUIRE(eventually([&] { return !any_contains(cloud.flows(cloud.external_bridge()), "arp_tpa=" + address); }, 10s,
                     20ms));
  datapath_settles();
  CHECK_FALSE(rack.ping("out", address));
  CHECK_FALSE(rack.tcp_connects("out", address, 5000, 1));
}

TEST_CASE("a port with a floating IP reaches the outside first, as the floating address, until disassociated",
          "[e2e]") {
  auto& cloud = ready_cloud();
  const auto& external = cloud.external_network();
  auto f = cloud.tenant("proj-snat");
  auto net = f.api.network("net");
  f.api.subnet(net.id(), "10.0.0.0/24");
  auto g = f.api.group("egress-only");
  f.api.rule(g.id(), "egress", "any");
  std::vector<std::string> g_only{g.id()};
  auto port = f.api.port(net.id(), "vm", cloud.host(), &g_only);

  Rack rack;
  rack.plug_vm("vm", port, kGateway);
  rack.add_outside("out", cloud.external_gateway());
  REQUIRE(port_status_becomes(f.api, port.id(), "ACTIVE"));

  cloud::network::v1::CreateFloatingIpRequest create;
  create.set_floating_network(external.id());
  auto fip = must(f.api.call(&Stub::CreateFloatingIp, create), "create floating IP");
  const std::string address = fip.floating_ip_address();
  cloud::network::v1::AssociateFloatingIpRequest associate;
  associate.set_floating_ip(fip.id());
  associate.set_port(port.id());
  auto associated_at = Clock::now();
  must(f.api.call(&Stub::AssociateFloatingIp, associate), "associate floating IP");

  // Nothing outside speaks first: a one-shot listener in the outside prints the peer it saw.
  std::string seen_file = "/tmp/" + rack.ns("peer");
  auto connect_out = [&](int port_number) {
    std::remove(seen_file.c_str());
    must("ip netns exec " + rack.ns("out") + " sh -c 'nc -l -n -v -p " + std::to_string(port_number) + " > " +
         seen_file + " 2>&1' >/dev/null 2>&1 </dev/null &");
    eventually([&] { return sh("ip netns exec " + rack.ns("out") + " ss -ltn | grep -q ':" +
                               std::to_string(port_number) + " '"); }, 5s, 20ms);
    sh("ip netns exec " + rack.ns("vm") + " sh -c 'echo hello | nc -N -w 2 " + cloud.external_gateway() + " " +
       std::to_string(port_number) + "' >/dev/null 2>&1");
    bool got = eventually([&] { return read_file(seen_file).find("hello") != std::string::npos; }, 3s, 50ms);
    std::string text = read_file(seen_file);
    sh("ip netns pids " + rack.ns("out") + " | xargs -r kill 2>/dev/null");
    std::remove(seen_file.c_str());
    return got ? text : std::string();
  };
  std::string seen;
  int attempt = 6000;
  REQUIRE(eventually([&] { seen = connect_out(attempt++); return !seen.empty(); }, 15s, 100ms));
  std::cout << "[e2e] floating IP associated -> port reaches the outside first: " << ms_since(associated_at)
            << " ms\n";
  CHECK(seen.find("Connection received on " + address + " ") != std::string::npos);
  CHECK(rack.ping("vm", cloud.external_gateway()));

  cloud::network::v1::DisassociateFloatingIpRequest disassociate;
  disassociate.set_floating_ip(fip.id());
  must(f.api.call(&Stub::DisassociateFloatingIp, disassociate), "disassociate floating IP");
  REQUIRE(eventually([&] { return !any_contains(cloud.flows(cloud.external_bridge()), "arp_tpa=" + address); }, 10s,
                     20ms));
  datapath_settles();
  CHECK_FALSE(rack.ping("vm", cloud.external_gateway()));
  CHECK(connect_out(attempt++).empty());
}

TEST_CASE("a project with the same CIDR cannot reach another project's ports", "[e2e]") {
  auto& cloud = ready_cloud();
  // Project A: a target that takes anything from anywhere, and a client of its own.
  auto a = cloud.tenant("proj-wall-a");
  auto net_a = a.api.network("net");
  a.api.subnet(net_a.id(), "10.0.0.0/24");
  auto open = a.api.group("open");
  a.api.rule(open.id(), "ingress", "any");
  a.api.rule(open.id(), "egress", "any");
  std::vector<std::string> open_only{open.id()};
  auto target = a.api.port(net_a.id(), "target", cloud.host(), &open_only, "10.0.0.10");
  auto a_client = a.api.port(net_a.id(), "client", cloud.host(), &open_only, "10.0.0.11");
  // Project B: the same CIDR; one of its ports even has the target's address.
  auto b = cloud.tenant("proj-wall-b");
  auto net_b = b.api.network("net");
  b.api.subnet(net_b.id(), "10.0.0.0/24");
  auto b1 = b.api.port(net_b.id(), "b1", cloud.host(), nullptr, "10.0.0.20");
  auto b_twin = b.api.port(net_b.id(), "twin", cloud.host(), nullptr, "10.0.0.10");

  Rack rack;
  rack.plug_vm("tgt", target, kGateway);
  rack.plug_vm("acli", a_client, kGateway);
  rack.plug_vm("b1", b1, kGateway);
  rack.plug_vm("twin", b_twin, kGateway);
  for (const auto& p : {target, a_client}) REQUIRE(port_status_becomes(a.api, p.id(), "ACTIVE"));
  for (const auto& p : {b1, b_twin}) REQUIRE(port_status_becomes(b.api, p.id(), "ACTIVE"));
  rack.listen_tcp("tgt", 5000);  // only A's 10.0.0.10 serves tcp/5000

  // Both networks work inside themselves.
  CHECK(eventually([&] { return rack.tcp_connects("acli", "10.0.0.10", 5000, 1); }, 10s, 100ms));
  CHECK(eventually([&] { return rack.ping("b1", "10.0.0.10"); }, 10s, 100ms));
  // ...and B's 10.0.0.10 is its own twin, not A's target:
  CHECK_FALSE(rack.tcp_connects("b1", "10.0.0.10", 5000, 1));
  CHECK_FALSE(rack.ping("b1", "10.0.0.11"));  // A's client: not on B's network
  CHECK_FALSE(rack.ping("acli", "10.0.0.20"));  // B's port: not on A's network
  // A forged destination MAC (A's target) does not leave B's network either.
  must("ip -n " + rack.ns("b1") + " neigh replace 10.0.0.10 lladdr " + target.mac_address() + " dev " + rack.inner("b1"));
  CHECK_FALSE(rack.ping("b1", "10.0.0.10"));
  CHECK_FALSE(rack.tcp_connects("b1", "10.0.0.10", 5000, 1));
}

TEST_CASE("a restarted agent keeps ports ACTIVE and established connections, and changes no flow", "[e2e]") {
  auto& cloud = ready_cloud();
  const auto& external = cloud.external_network();
  auto r = cloud.tenant("proj-restart");
  auto net = r.api.network("net");
  r.api.subnet(net.id(), "10.0.0.0/24");
  auto open = r.api.group("from-outside");
  r.api.rule(open.id(), "ingress", "tcp", 2001);
  std::vector<std::string> server_groups{"default", open.id()};
  auto server = r.api.port(net.id(), "server", cloud.host(), &server_groups);
  auto client = r.api.port(net.id(), "client", cloud.host());
  cloud::network::v1::CreateFloatingIpRequest create;
  create.set_floating_network(external.id());
  create.set_port(server.id());
  auto fip = must(r.api.call(&Stub::CreateFloatingIp, create), "create floating IP");

  Rack rack;
  rack.plug_vm("srv", server, kGateway);
  rack.plug_vm("cli", client, kGateway);
  rack.add_outside("out", cloud.external_gateway());
  REQUIRE(port_status_becomes(r.api, server.id(), "ACTIVE"));
  REQUIRE(port_status_becomes(r.api, client.id(), "ACTIVE"));
  REQUIRE(eventually([&] { return rack.ping("cli", ip_of(server)); }, 10s, 100ms));
  REQUIRE(eventually([&] { return any_contains(cloud.flows(cloud.external_bridge()), "arp_tpa=" + fip.floating_ip_address()); },
                     10s, 50ms));
  datapath_settles();

  // Two streams that write a line every 0.2 s while the flag file exists, then "end": one
  // inside the network, one from the outside through the floating IP (NAT).
  std::string dir = must("mktemp -d /tmp/stratus-e2e-restart-XXXXXX");
  dir.erase(dir.find_last_not_of("\n") + 1);
  std::string flag = dir + "/flag", inside = dir + "/inside", outside = dir + "/outside";
  must("touch " + flag);
  must("ip netns exec " + rack.ns("srv") + " sh -c 'nc -l -p 2000 > " + inside + "' >/dev/null 2>&1 </dev/null &");
  must("ip netns exec " + rack.ns("srv") + " sh -c 'nc -l -p 2001 > " + outside + "' >/dev/null 2>&1 </dev/null &");
  REQUIRE(eventually([&] { return run("ip netns exec " + rack.ns("srv") + " ss -ltnH").output.find(":2001") != std::string::npos; },
                     5s, 20ms));
  auto stream = [&](const std::string& from, const std::string& address, int port) {
    must("ip netns exec " + rack.ns(from) + " bash -c 'exec 3<>/dev/tcp/" + address + "/" + std::to_string(port) +
         "; i=0; while [ -e " + flag + " ]; do i=$((i+1)); echo line$i >&3; sleep 0.2; done; echo end >&3' "
         ">/dev/null 2>&1 </dev/null &");
  };
  stream("cli", ip_of(server), 2000);
  stream("out", fip.floating_ip_address(), 2001);
  REQUIRE(eventually([&] { return read_file(inside).find("line2") != std::string::npos &&
                                  read_file(outside).find("line2") != std::string::npos; }, 10s, 50ms));

  auto before_int = cloud.flows(cloud.integration_bridge());
  auto before_ext = cloud.flows(cloud.external_bridge());
  auto restarted = Clock::now();
  CHECK(cloud.agent().stop() == 0);  // SIGTERM: a clean exit
  // While no agent runs, someone leaves a stray flow under the agent's shared cookie: the
  // new agent's start-up resync must remove it, and that must be all it changes.
  const std::string stray = "cookie=0x1,table=99,priority=7,ip,nw_dst=192.0.2.99,actions=drop";
  must("ovs-ofctl -O OpenFlow15 add-flow " + cloud.integration_bridge() + " '" + stray + "'");
  cloud.agent().start();
  REQUIRE(eventually([&] { return !any_contains(cloud.flows(cloud.integration_bridge()), "nw_dst=192.0.2.99"); }, 20s,
                     50ms));
  std::cout << "[e2e] agent stopped, started again and resynced: " << ms_since(restarted) << " ms\n";
  size_t inside_lines = read_file(inside).size(), outside_lines = read_file(outside).size();
  std::this_thread::sleep_for(1s);
  CHECK(read_file(inside).size() > inside_lines);  // still flowing after the restart
  CHECK(read_file(outside).size() > outside_lines);
  must("rm -f " + flag);
  CHECK(eventually([&] { return read_file(inside).find("end") != std::string::npos; }, 5s, 50ms));
  CHECK(eventually([&] { return read_file(outside).find("end") != std::string::npos; }, 5s, 50ms));

  auto after_int = cloud.flows(cloud.integration_bridge());
  auto after_ext = cloud.flows(cloud.external_bridge());
  std::cout << "[e2e] flows before/after restart: " << before_int.size() << "+" << before_ext.size() << " / "
            << after_int.size() << "+" << after_ext.size() << "\n";
  CHECK(after_int == before_int);  // same flows, none twice
  CHECK(after_ext == before_ext);
  std::string log = cloud.agent().log_text();
  INFO("log of the restarted agent:\n" << log);
  auto first_change = log.find("flows applied");
  REQUIRE(first_change != std::string::npos);
  CHECK(log.substr(first_change, log.find('\n', first_change) - first_change).find("added=0 deleted=1") != std::string::npos);
  CHECK(log.find("flows applied", first_change + 1) == std::string::npos);  // the stray flow was its only change
  CHECK(log.find("port status reported") == std::string::npos);             // never DOWN in between
  CHECK(log.find("reconcile failed") == std::string::npos);
  for (const auto& p : {server, client}) CHECK(must(r.api.get_port(p.id()), "get port").status() == "ACTIVE");

  // The new agent is alive: it follows the next change.
  r.api.rule(open.id(), "ingress", "tcp", 2222);
  CHECK(eventually([&] { return any_contains(cloud.port_flows(server.id()), "tp_dst=2222"); }, 10s, 20ms));
  sh("rm -rf " + dir);
}
