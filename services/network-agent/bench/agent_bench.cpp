// Benchmark (prints figures, asserts nothing): the agent's core against a real OVS bridge
// (netdev), with desired state held in memory and ports given ofports without devices
// (OVS accepts flows naming ports that do not exist, so only the flow work is measured).
//
//   network_agent_bench [ports_for_latency=200] [ports_for_resync=1000] [rules=20] [samples=50]
//
// 1. rule-create latency: with N ports in one group, a rule is added to the group; time from
//    the change until the agent's bundle is committed to OVS (p50/p99).
// 2. full resync from nothing: M ports x R rules, empty bridges to all flows installed.
// 3. flow count as ports, rules and remote-group members grow.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "agent/reconciler.h"
#include "domain/flow_compiler.h"
#include "common/process/run.h"
#include "drivers/openflow.h"

using namespace stratus;
using namespace stratus::network_agent;
using cloud::network::v1::PortBinding;
using Clock = std::chrono::steady_clock;

namespace {

class MemorySource : public DesiredStateSource {
 public:
  std::map<std::string, PortBinding> bindings;
  std::optional<PortBinding> port_binding(const std::string& id) override {
    auto it = bindings.find(id);
    if (it == bindings.end()) return std::nullopt;
    return it->second;
  }
  std::vector<PortBinding> ports_on_host(const std::string&) override {
    std::vector<PortBinding> all;
    for (auto& [id, b] : bindings) all.push_back(b);
    return all;
  }
  void report_status(const std::string& id, const std::string&, const std::string& status) override {
    bindings[id].set_status(status);
  }
};

class NumberedInterfaces : public HostInterfaces {
 public:
  std::map<std::string, PluggedInterface> plugged;
  std::map<std::string, PluggedInterface> plugged_ports() const override { return plugged; }
  BridgeLayout layout() const override { return {}; }
};

std::string ip_of(int n) { return "10." + std::to_string(n / 62500) + "." + std::to_string(n / 250 % 250) + "." + std::to_string(n % 250 + 1); }

PortBinding make_port(int n, int rules, int members) {
  PortBinding b;
  char id[64];
  std::snprintf(id, sizeof id, "%08x-0000-4000-8000-%012x", n, n);
  b.set_port_id(id);
  b.set_host("bench");
  b.set_segmentation_id(100 + n % 10);
  char mac[32];
  std::snprintf(mac, sizeof mac, "fa:16:3e:%02x:%02x:%02x", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  b.set_mac_address(mac);
  auto* ip = b.add_fixed_ips();
  ip->set_ip_address(ip_of(n));
  ip->set_gateway_ip("10.0.0.1");
  ip->set_gateway_mac("fa:16:3e:00:00:fe");
  b.set_status("ACTIVE");
  for (int r = 0; r < rules; ++r) {
    auto* rule = b.add_security_group_rules();
    rule->set_id("rule-" + std::to_string(r));
    rule->set_direction(r % 2 ? "egress" : "ingress");
    rule->set_ethertype("IPv4");
    if (r == 0) {  // ingress from the members of the port's own group
      rule->set_remote_group_id("web");
      for (int m = 0; m < members; ++m) rule->add_remote_ip_addresses(ip_of(m));
    } else {
      rule->set_ip_protocol(6);
      rule->set_port_range_min(1000 + r * 10);
      rule->set_port_range_max(1000 + r * 10 + (r % 3 == 0 ? 9 : 0));
      rule->set_remote_ip_prefix("192.168." + std::to_string(r) + ".0/24");
    }
  }
  return b;
}

struct Bench {
  std::string integration = "bnchi";
  std::string external = "bnche";
  Bench() {
    for (const auto& br : {integration, external})
      process::run_command("ovs-vsctl --may-exist add-br " + br + " -- set bridge " + br +
                  " datapath_type=netdev fail_mode=secure protocols=OpenFlow13,OpenFlow15");
  }
  ~Bench() {
    for (const auto& br : {integration, external}) process::run_command("ovs-vsctl --if-exists del-br " + br);
  }
  void clear() {
    for (const auto& br : {integration, external}) process::run_command("ovs-ofctl -O OpenFlow15 del-flows " + br);
  }
};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void fill(MemorySource& source, NumberedInterfaces& host, int ports, int rules) {
  source.bindings.clear();
  host.plugged.clear();
  for (int n = 0; n < ports; ++n) {
    auto b = make_port(n, rules, ports);
    host.plugged[b.port_id()] = PluggedInterface{"p" + std::to_string(n), 10 + n};
    source.bindings[b.port_id()] = std::move(b);
  }
}

void rule_create_latency(Bench& bench, Reconciler& agent, MemorySource& source, NumberedInterfaces& host,
                         int ports, int rules, int samples) {
  fill(source, host, ports, rules);
  agent.enqueue_full_resync();
  agent.process_pending();
  std::vector<double> latencies;
  for (int s = 0; s < samples; ++s) {
    auto start = Clock::now();
    // The service adds the rule to every member's binding and names them in one event.
    for (auto& [id, b] : source.bindings) {
      auto* rule = b.add_security_group_rules();
      rule->set_id("new-" + std::to_string(s));
      rule->set_direction("ingress");
      rule->set_ethertype("IPv4");
      rule->set_ip_protocol(6);
      rule->set_port_range_min(20000 + s);
      rule->set_port_range_max(20000 + s);
      agent.enqueue(id);
    }
    agent.process_pending();
    latencies.push_back(ms(Clock::now() - start));
  }
  std::sort(latencies.begin(), latencies.end());
  std::printf("rule create -> flows in OVS (%d ports, %d rules each, %d samples): p50 %.1f ms, p99 %.1f ms\n",
              ports, rules, samples, latencies[latencies.size() / 2],
              latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)]);
  (void)bench;
}

void full_resync(Bench& bench, Reconciler& agent, MemorySource& source, NumberedInterfaces& host, int ports, int rules) {
  fill(source, host, ports, rules);
  bench.clear();
  auto start = Clock::now();
  agent.enqueue_full_resync();
  agent.process_pending();
  double first = ms(Clock::now() - start);
  start = Clock::now();
  agent.enqueue_full_resync();
  agent.process_pending();
  double again = ms(Clock::now() - start);
  std::printf("full resync from nothing (%d ports x %d rules, remote group of %d): %.0f ms, %zu flows; "
              "resync with nothing to change: %.0f ms\n",
              ports, rules, ports, first, agent.installed_flow_count(), again);
}

std::size_t compiled_flows(int ports, int rules, int members) {
  std::vector<LocalPort> local;
  for (int n = 0; n < ports; ++n) local.push_back({make_port(n, rules, members), 10 + n});
  return compile_host(local, {}).integration.size();
}

void flow_growth() {
  std::printf("flow count (ports, rules per port, remote-group members -> flows):\n");
  for (int ports : {100, 200, 400})
    for (int rules : {5, 20})
      for (int members : {50, 200, 800})
        std::printf("  %4d ports %3d rules %4d members -> %7zu flows\n", ports, rules, members,
                    compiled_flows(ports, rules, members));
}

}  // namespace

int main(int argc, char** argv) {
  int latency_ports = argc > 1 ? std::atoi(argv[1]) : 200;
  int resync_ports = argc > 2 ? std::atoi(argv[2]) : 1000;
  int rules = argc > 3 ? std::atoi(argv[3]) : 20;
  int samples = argc > 4 ? std::atoi(argv[4]) : 50;
  Bench bench;
  MemorySource source;
  NumberedInterfaces host;
  OvsOfctlProgrammer programmer;
  AgentSettings settings;
  settings.host = "bench";
  settings.integration_bridge = bench.integration;
  settings.external_bridge = bench.external;
  settings.disable_offloads = false;
  log::Logger logger("bench", log::Level::Warn, log::Format::Text, std::make_shared<log::Sink>(std::cerr));
  Reconciler agent(settings, source, host, programmer, logger);
  rule_create_latency(bench, agent, source, host, latency_ports, rules, samples);
  full_resync(bench, agent, source, host, resync_ports, rules);
  flow_growth();
  return 0;
}
