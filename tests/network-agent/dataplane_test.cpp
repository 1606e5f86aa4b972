// The agent's flows on real traffic: namespaces as VMs and as the outside, real OVS
// (userspace datapath), the agent's real core with desired state built by hand.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "domain/test_bindings.h"
#include "test_host.h"


using namespace stratus::network_agent;
using namespace stratus::network_agent::testing;

namespace {

const std::vector<std::string> kDefaultMembers{"10.0.0.5", "10.0.0.6"};

// A member of the project's "default" group: ingress from members, all egress.
PortBinding default_group_port(const std::string& id, const std::string& mac, const std::string& ip,
                               int segment = 100) {
  auto b = port_binding(id, segment, mac, ip);
  add_remote_group_rule(b, id + "-in", "ingress", "default", kDefaultMembers);
  add_rule(b, id + "-out", "egress");
  return b;
}

PortBinding open_port(const std::string& id, const std::string& mac, const std::string& ip, int segment = 100) {
  auto b = port_binding(id, segment, mac, ip);
  add_rule(b, id + "-in", "ingress");
  add_rule(b, id + "-out", "egress");
  return b;
}

}  // namespace

TEST_CASE("the default group lets its members in and keeps other ports out", "[dataplane]") {
  TestHost host;
  auto member1 = default_group_port("port-1", "fa:16:3e:00:00:01", "10.0.0.5");
  auto member2 = default_group_port("port-2", "fa:16:3e:00:00:02", "10.0.0.6");
  auto outsider = port_binding("port-3", 100, "fa:16:3e:00:00:03", "10.0.0.7");
  add_rule(outsider, "port-3-out", "egress");
  for (auto* b : {&member1, &member2, &outsider}) host.source.put(*b);
  host.plug_vm("vm1", member1);
  host.plug_vm("vm2", member2);
  host.plug_vm("vm3", outsider);
  host.converge();

  CHECK(host.ping("vm1", "10.0.0.6"));
  CHECK(host.ping("vm2", "10.0.0.5"));
  CHECK_FALSE(host.ping("vm3", "10.0.0.5"));
  CHECK(host.source.last_status("port-1") == "ACTIVE");
}

TEST_CASE("a tcp/22 rule from one CIDR lets that CIDR in and not another", "[dataplane]") {
  TestHost host;
  auto server = port_binding("port-1", 100, "fa:16:3e:00:00:01", "10.0.0.5");
  add_tcp_rule(server, "ssh", "ingress", 22, "10.0.0.32/27");
  add_rule(server, "out", "egress");
  auto inside = open_port("port-2", "fa:16:3e:00:00:02", "10.0.0.40");
  auto other = open_port("port-3", "fa:16:3e:00:00:03", "10.0.0.10");
  for (auto* b : {&server, &inside, &other}) host.source.put(*b);
  host.plug_vm("vm1", server);
  host.plug_vm("vm2", inside);
  host.plug_vm("vm3", other);
  host.converge();
  host.listen_tcp("vm1", 22);

  CHECK(host.tcp_connects("vm2", "10.0.0.5", 22));
  CHECK_FALSE(host.tcp_connects("vm3", "10.0.0.5", 22));
  CHECK_FALSE(host.ping("vm2", "10.0.0.5"));  // only tcp/22 was opened
}

TEST_CASE("removing the egress rule blocks egress", "[dataplane]") {
  TestHost host;
  auto client = open_port("port-1", "fa:16:3e:00:00:01", "10.0.0.5");
  auto server = open_port("port-2", "fa:16:3e:00:00:02", "10.0.0.6");
  host.source.put(client);
  host.source.put(server);
  host.plug_vm("vm1", client);
  host.plug_vm("vm2", server);
  host.converge();
  REQUIRE(host.ping("vm1", "10.0.0.6"));

  auto without_egress = port_binding("port-1", 100, "fa:16:3e:00:00:01", "10.0.0.5");
  add_rule(without_egress, "port-1-in", "ingress");
  host.source.put(without_egress);
  host.reconcile("port-1");

  CHECK_FALSE(host.ping("vm1", "10.0.0.6"));
  CHECK(host.ping("vm2", "10.0.0.5"));  // replies to vm2's pings are not egress by rule
}

TEST_CASE("removing a rule ends the connections it let in", "[dataplane]") {
  TestHost host;
  auto server = open_port("port-1", "fa:16:3e:00:00:01", "10.0.0.5");
  auto client = open_port("port-2", "fa:16:3e:00:00:02", "10.0.0.6");
  host.source.put(server);
  host.source.put(client);
  host.plug_vm("vm1", server);
  host.plug_vm("vm2", client);
  host.converge();
  // A connection that sends a line every half second for a few seconds; the server keeps them.
  std::string received = "/tmp/" + host.ns("rcv");
  std::string sender_done = received + ".done";
  auto received_text = [&] {
    std::ifstream in(received);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  must("ip netns exec " + host.ns("vm1") + " sh -c 'nc -l -p 2000 > " + received + "' >/dev/null 2>&1 &");
  host.wait_listening("vm1", 2000);
  must("ip netns exec " + host.ns("vm2") +
       " bash -c 'exec 3<>/dev/tcp/10.0.0.5/2000; for i in 1 2 3 4 5 6; do echo line$i >&3; sleep 0.5; done; touch " +
       sender_done + "' >/dev/null 2>&1 &");
  REQUIRE(wait_until([&] { return received_text().find("line1") != std::string::npos; }));

  auto closed = port_binding("port-1", 100, "fa:16:3e:00:00:01", "10.0.0.5");
  add_rule(closed, "port-1-out", "egress");
  host.source.put(closed);
  host.reconcile("port-1");
  REQUIRE(wait_until([&] { return access(sender_done.c_str(), F_OK) == 0; }));
  std::string text = received_text();
  std::remove(received.c_str());
  std::remove(sender_done.c_str());
  CHECK(text.find("line6") == std::string::npos);  // the rest never arrived
}

TEST_CASE("a port may not send from an address or MAC that is not its own", "[dataplane]") {
  TestHost host;
  auto a = open_port("port-1", "fa:16:3e:00:00:01", "10.0.0.5");
  auto b = open_port("port-2", "fa:16:3e:00:00:02", "10.0.0.6");
  host.source.put(a);
  host.source.put(b);
  host.plug_vm("vm1", a);
  host.plug_vm("vm2", b);
  host.converge();
  REQUIRE(host.ping("vm1", "10.0.0.6"));
  must("ip -n " + host.ns("vm1") + " addr add 10.0.0.99/24 dev " + std::string("v") + host.ns("").substr(3) + "vm1i");
  CHECK_FALSE(sh("ip netns exec " + host.ns("vm1") + " ping -c1 -W1 -I 10.0.0.99 10.0.0.6 >/dev/null"));
  must("ip -n " + host.ns("vm1") + " link set dev v" + host.ns("").substr(3) + "vm1i address fa:16:3e:00:00:66");
  CHECK_FALSE(host.ping("vm1", "10.0.0.6"));
}

TEST_CASE("two projects with overlapping CIDRs cannot reach each other", "[dataplane]") {
  TestHost host;
  auto a = open_port("port-a", "fa:16:3e:00:00:0a", "10.0.0.5", 100);
  auto a2 = open_port("port-c", "fa:16:3e:00:00:0c", "10.0.0.7", 100);
  auto b = open_port("port-b", "fa:16:3e:00:00:0b", "10.0.0.6", 200);
  for (auto* p : {&a, &a2, &b}) host.source.put(*p);
  host.plug_vm("vma", a);
  host.plug_vm("vmc", a2);
  host.plug_vm("vmb", b);
  host.converge();
  CHECK(host.ping("vma", "10.0.0.7"));
  CHECK_FALSE(host.ping("vma", "10.0.0.6"));
  CHECK_FALSE(host.ping("vmb", "10.0.0.5"));
  // Even a forged destination MAC stays in its own network.
  must("ip -n " + host.ns("vmb") + " neigh replace 10.0.0.5 lladdr fa:16:3e:00:00:0a dev v" + host.ns("").substr(3) + "vmbi");
  CHECK_FALSE(host.ping("vmb", "10.0.0.5"));
}

TEST_CASE("the outside reaches a port by its floating IP, loses it on disassociate and follows a move",
          "[dataplane]") {
  TestHost host;
  auto a = open_port("port-1", "fa:16:3e:00:00:01", "10.0.0.5");
  auto b = open_port("port-2", "fa:16:3e:00:00:02", "10.0.0.6");
  add_floating_ip(a, "172.24.4.10", "fa:16:3e:00:0f:10");
  host.source.put(a);
  host.source.put(b);
  host.plug_vm("vm1", a);
  host.plug_vm("vm2", b);
  host.add_outside("out", "172.24.4.1");
  host.converge();
  host.listen_tcp("vm2", 22);  // only vm2 serves tcp/22: tells the two apart

  CHECK(host.ping("out", "172.24.4.10"));
  CHECK_FALSE(host.tcp_connects("out", "172.24.4.10", 22));

  a.clear_floating_ips();
  host.source.put(a);
  host.reconcile("port-1");
  CHECK_FALSE(host.ping("out", "172.24.4.10"));

  add_floating_ip(b, "172.24.4.10", "fa:16:3e:00:0f:10");
  host.source.put(b);
  host.reconcile("port-2");
  CHECK(host.ping("out", "172.24.4.10"));
  CHECK(host.tcp_connects("out", "172.24.4.10", 22));
}

TEST_CASE("a restarted agent changes no flow and keeps established connections", "[dataplane]") {
  TestHost host;
  auto server = open_port("port-1", "fa:16:3e:00:00:01", "10.0.0.5");
  auto client = open_port("port-2", "fa:16:3e:00:00:02", "10.0.0.6");
  add_floating_ip(server, "172.24.4.10", "fa:16:3e:00:0f:10");
  add_remote_group_rule(server, "rg", "ingress", "default", kDefaultMembers);
  add_tcp_rule(server, "ssh", "ingress", 22, "10.0.0.0/24");
  host.source.put(server);
  host.source.put(client);
  host.plug_vm("vm1", server);
  host.plug_vm("vm2", client);
  host.add_outside("out", "172.24.4.1");
  host.converge();
  std::string received = "/tmp/" + host.ns("rcv");
  auto received_text = [&] {
    std::ifstream in(received);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  // Conditions, not fixed sleeps: on a loaded machine the listener may take a while to start.
  must("ip netns exec " + host.ns("vm1") + " sh -c 'nc -l -p 2000 > " + received + "' >/dev/null 2>&1 &");
  host.wait_listening("vm1", 2000);
  must("ip netns exec " + host.ns("vm2") +
       " bash -c 'exec 3<>/dev/tcp/10.0.0.5/2000; for i in 1 2 3 4 5 6; do echo line$i >&3; sleep 0.5; done' "
       ">/dev/null 2>&1 &");
  REQUIRE(wait_until([&] { return received_text().find("line1") != std::string::npos; }));

  std::size_t before = host.programmer.changed;
  host.restart_agent();
  CHECK(host.programmer.changed == before);  // the dump equals the compiled flows
  bool all_lines = wait_until([&] { return received_text().find("line6") != std::string::npos; });
  std::remove(received.c_str());
  CHECK(all_lines);  // the connection opened before the restart carried on
}

TEST_CASE("an unplugged port loses its flows and is reported DOWN", "[dataplane]") {
  TestHost host;
  auto a = open_port("aaaaaaaa-0000-4000-8000-000000000001", "fa:16:3e:00:00:01", "10.0.0.5");
  host.source.put(a);
  host.plug_vm("vm1", a);
  host.converge();
  REQUIRE(host.source.last_status(a.port_id()) == "ACTIVE");
  REQUIRE_FALSE(host.flows_with_cookie(port_cookie(a.port_id())).empty());

  host.unplug_vm("vm1");
  for (int i = 0; i < 100 && host.interfaces().plugged_ports().count(a.port_id()); ++i) usleep(20000);
  host.agent().enqueue(a.port_id());
  REQUIRE(host.agent().process_pending());
  CHECK(host.flows_with_cookie(port_cookie(a.port_id())).empty());
  CHECK(host.source.last_status(a.port_id()) == "DOWN");
  // Its firewall zone is flushed: the next port given its ofport starts with no entries.
  CHECK(host.programmer.flushed_zones.size() == 1);
}

namespace {

// Learned next hops (cookie 0x2) in table 48 of the integration bridge other than the
// gateway's (which its ARP reply teaches): what inbound floating-IP traffic taught OVS.
int learned_next_hops(TestHost& host) {
  auto result = stratus::process::run_command("ovs-ofctl -O OpenFlow15 dump-flows " + host.integration_bridge +
                            " table=48,cookie=0x2/-1 | grep 'table=48' | grep -vc 'nw_dst=172.24.4.1 '");
  return std::atoi(result.output.c_str());
}

// One TCP connection from `from` to `address:port` carrying "hello"; returns what a
// one-shot listener in `server` printed: the peer address it saw, and the data.
std::string tcp_peer_seen(TestHost& host, const std::string& server, const std::string& from,
                          const std::string& address, int port, int source_port = 0) {
  std::string file = "/tmp/" + host.ns("peer") + std::to_string(port);
  std::remove(file.c_str());
  must("ip netns exec " + host.ns(server) + " sh -c 'nc -l -n -v -p " + std::to_string(port) + " > " + file +
       " 2>&1' >/dev/null 2>&1 </dev/null &");
  host.wait_listening(server, port);
  std::string source = source_port ? "-p " + std::to_string(source_port) + " " : "";
  sh("ip netns exec " + host.ns(from) + " sh -c 'echo hello | nc -N -w 3 " + source + address + " " + std::to_string(port) +
     "' >/dev/null 2>&1");
  std::string text;
  wait_until([&] {
    std::ifstream in(file);
    std::stringstream content;
    content << in.rdbuf();
    text = content.str();
    return text.find("hello") != std::string::npos;
  }, 5);
  std::remove(file.c_str());
  return text;
}

}  // namespace

TEST_CASE("a VM with a floating IP reaches the outside first", "[dataplane]") {
  TestHost host;
  auto a = open_port("port-1", "fa:16:3e:00:00:01", "10.0.0.5");
  add_floating_ip(a, "172.24.4.10", "fa:16:3e:00:0f:10");
  host.source.put(a);
  host.plug_vm("vm1", a);
  // The outside: the external gateway (a router, which also holds an address beyond it) and
  // another host on the external subnet.
  host.add_outside("out", "172.24.4.1");
  host.add_outside("far", "172.24.4.20");
  must("ip -n " + host.ns("out") + " addr add 198.51.100.7/32 dev lo");
  must("ip -n " + host.ns("out") + " link set lo up");
  must("ip netns exec " + host.ns("out") + " sysctl -qw net.ipv4.ip_forward=1");
  must("ip -n " + host.ns("far") + " route add default via 172.24.4.1");
  host.converge();
  CHECK(host.programmer.arp_requests >= 1);  // the agent asked for the gateway's MAC
  REQUIRE(learned_next_hops(host) == 0);     // nothing outside has spoken to the floating IP

  // TCP first (no ping before it): the outside sees the floating address as the source.
  std::string seen;
  REQUIRE(wait_until([&] {
    seen = tcp_peer_seen(host, "out", "vm1", "172.24.4.1", 8080);
    return seen.find("hello") != std::string::npos;
  }, 10));
  CHECK(seen.find("Connection received on 172.24.4.10 ") != std::string::npos);
  CHECK(host.ping("vm1", "172.24.4.1"));
  // Beyond the gateway, and another host on the external subnet (first packet through the
  // gateway, then direct once its reply taught table 48 its MAC).
  CHECK(host.ping("vm1", "198.51.100.7"));
  CHECK(tcp_peer_seen(host, "out", "vm1", "198.51.100.7", 8081).find("Connection received on 172.24.4.10 ") !=
        std::string::npos);
  CHECK(tcp_peer_seen(host, "far", "vm1", "172.24.4.20", 8082).find("Connection received on 172.24.4.10 ") !=
        std::string::npos);
  CHECK(host.ping("vm1", "172.24.4.20"));

  // Disassociated: the VM no longer gets out through that address (it has no other way out).
  a.clear_floating_ips();
  host.source.put(a);
  host.reconcile("port-1");
  CHECK_FALSE(host.ping("vm1", "172.24.4.1"));
  CHECK_FALSE(host.ping("vm1", "198.51.100.7"));
  CHECK(tcp_peer_seen(host, "out", "vm1", "172.24.4.1", 8083).find("hello") == std::string::npos);
}

TEST_CASE("two tenants with the same fixed address and source port leave as their own floating IPs",
          "[dataplane]") {
  TestHost host;
  // Two projects' networks, both 10.0.0.0/24, each VM at 10.0.0.5 with a floating IP.
  auto a = open_port("port-1", "fa:16:3e:00:00:01", "10.0.0.5", 100);
  auto b = open_port("port-2", "fa:16:3e:00:00:02", "10.0.0.5", 200);
  add_floating_ip(a, "172.24.4.10", "fa:16:3e:00:0f:10");
  add_floating_ip(b, "172.24.4.11", "fa:16:3e:00:0f:11");
  host.source.put(a);
  host.source.put(b);
  host.plug_vm("vm1", a);
  host.plug_vm("vm2", b);
  host.add_outside("out", "172.24.4.1");
  host.converge();
  // The same 5-tuple from both (source port 40123): each keeps its own NAT zone, so the
  // second is not mistaken for the first's connection, and each reply reaches its sender.
  // (Userspace conntrack may pick another source port when it NATs: only the address counts.)
  std::string seen;
  REQUIRE(wait_until([&] {
    seen = tcp_peer_seen(host, "out", "vm1", "172.24.4.1", 8090, 40123);
    return seen.find("hello") != std::string::npos;
  }, 10));
  CHECK(seen.find("Connection received on 172.24.4.10 ") != std::string::npos);
  seen = tcp_peer_seen(host, "out", "vm2", "172.24.4.1", 8090, 40123);
  INFO(seen);
  CHECK(seen.find("Connection received on 172.24.4.11 ") != std::string::npos);

  // The floating IP leaves port-1: its NAT zone is flushed (and its firewall zone kept).
  a.clear_floating_ips();
  host.source.put(a);
  host.programmer.flushed_zones.clear();
  host.reconcile("port-1");
  REQUIRE(host.programmer.flushed_zones.size() == 1);
  CHECK(host.programmer.flushed_zones[0] >= kNatZoneBase);
  seen = tcp_peer_seen(host, "out", "vm2", "172.24.4.1", 8091, 40124);
  INFO(seen);
  CHECK(seen.find("Connection received on 172.24.4.11 ") != std::string::npos);
}

TEST_CASE("the outside sending from a group member's address through a floating IP is not a member",
          "[dataplane]") {
  TestHost host;
  // vm1 lets in its group's members (10.0.0.5, 10.0.0.6) only, and has a floating IP.
  auto a = default_group_port("port-1", "fa:16:3e:00:00:01", "10.0.0.5");
  add_floating_ip(a, "172.24.4.10", "fa:16:3e:00:0f:10");
  host.source.put(a);
  host.plug_vm("vm1", a);
  host.add_outside("out", "172.24.4.1");
  // The outside holds the member address 10.0.0.6 and sends from it to the floating IP.
  must("ip -n " + host.ns("out") + " addr add 10.0.0.6/32 dev lo");
  must("ip -n " + host.ns("out") + " link set lo up");
  host.converge();
  int ofport = host.interfaces().plugged_ports().at("port-1").ofport;
  auto firewall_entries_from = [&](const std::string& source) {
    auto result = stratus::process::run_command("ovs-appctl dpctl/dump-conntrack zone=" + std::to_string(ofport) +
                              " | grep -c 'src=" + source + ",'");
    return std::atoi(result.output.c_str());
  };
  // Earlier cases' ports had this ofport (and a new agent adopts what it finds): start empty.
  must("ovs-appctl dpctl/flush-conntrack zone=" + std::to_string(ofport));
  REQUIRE(host.ping("out", "172.24.4.10") == false);  // nothing but members may come in
  for (int i = 0; i < 3; ++i)
    sh("ip netns exec " + host.ns("out") + " nc -z -w 1 -s 10.0.0.6 172.24.4.10 22");
  // Had the member clause matched, the ingress firewall would have committed the SYN in the
  // port's zone (the reply cannot get back, so only conntrack tells).
  CHECK(firewall_entries_from("10.0.0.6") == 0);
  CHECK(firewall_entries_from("172.24.4.1") == 0);
}
