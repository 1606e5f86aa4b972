#include "test_host.h"

#include <chrono>
#include <iostream>
#include <stdexcept>
#include <unistd.h>

#include "agent/bridges.h"

namespace stratus::network_agent::testing {

using cloud::network::v1::PortBinding;
using namespace std::chrono_literals;

bool sh(const std::string& command) { return process::run_command(command).status == 0; }

void must(const std::string& command) {
  auto result = process::run_command(command);
  if (result.status != 0) throw std::runtime_error(command + " failed: " + result.output);
}

void HandBuiltSource::put(const PortBinding& binding) {
  std::lock_guard lock(mutex_);
  bindings_[binding.port_id()] = binding;
}

void HandBuiltSource::remove(const std::string& port_id) {
  std::lock_guard lock(mutex_);
  bindings_.erase(port_id);
}

PortBinding HandBuiltSource::get(const std::string& port_id) {
  std::lock_guard lock(mutex_);
  return bindings_.at(port_id);
}

std::optional<PortBinding> HandBuiltSource::port_binding(const std::string& port_id) {
  std::lock_guard lock(mutex_);
  auto it = bindings_.find(port_id);
  if (it == bindings_.end()) return std::nullopt;
  return it->second;
}

std::vector<PortBinding> HandBuiltSource::ports_on_host(const std::string& host) {
  std::lock_guard lock(mutex_);
  std::vector<PortBinding> found;
  for (const auto& [id, b] : bindings_)
    if (b.host() == host) found.push_back(b);
  return found;
}

void HandBuiltSource::report_status(const std::string& port_id, const std::string&, const std::string& status) {
  std::lock_guard lock(mutex_);
  statuses_[port_id] = status;
  auto it = bindings_.find(port_id);
  if (it != bindings_.end()) it->second.set_status(status);
}

std::string HandBuiltSource::last_status(const std::string& port_id) {
  std::lock_guard lock(mutex_);
  auto it = statuses_.find(port_id);
  return it == statuses_.end() ? "" : it->second;
}

// Short unique names: Linux device names stop at 15 characters.
TestHost::TestHost() {
  static int counter = 0;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%04x%x", static_cast<unsigned>(getpid()) & 0xffff, counter++ & 0xf);
  prefix_ = std::string("sna") + suffix;
  integration_bridge = "bi" + std::string(suffix);
  external_bridge = "be" + std::string(suffix);
  client_ = std::make_unique<ovsdb::Client>("unix:/var/run/openvswitch/db.sock");
  client_->connect();
  start_agent();
  ovsdb::Vswitch vswitch(*client_);
  ensure_bridges(vswitch, *interfaces_, integration_bridge, external_bridge, "netdev");
}

TestHost::~TestHost() {
  stop_agent();
  for (const auto& name : namespaces_) {
    sh("ip netns pids " + name + " | xargs -r kill 2>/dev/null");
    sh("ip netns del " + name);
  }
  // A namespace lingers while a process holds it; its veth pair must go regardless.
  for (const auto& name : devices_) sh("ip link del " + name + " 2>/dev/null");
  ovsdb::Vswitch vswitch(*client_);
  try {
    vswitch.delete_bridge(integration_bridge);
    vswitch.delete_bridge(external_bridge);
  } catch (const std::exception& e) {
    std::cerr << "cleanup: " << e.what() << "\n";
  }
  client_->close();
}

void TestHost::start_agent() {
  interfaces_ = std::make_unique<OvsdbHostInterfaces>(
      integration_bridge, external_bridge, [this](const std::string& id) { if (agent_) agent_->enqueue(id); },
      [this] { if (agent_) agent_->enqueue_recompile(); });
  AgentSettings settings;
  settings.host = "host-1";
  settings.integration_bridge = integration_bridge;
  settings.external_bridge = external_bridge;
  log::Logger logger("network-agent-test", log::Level::Warn, log::Format::Text, std::make_shared<log::Sink>(std::cerr));
  agent_ = std::make_unique<Reconciler>(settings, source, *interfaces_, programmer, logger);
  interfaces_->replica().start(*client_);
}

void TestHost::stop_agent() {
  if (interfaces_) client_->monitor_cancel(interfaces_->replica().monitor_id());
  agent_.reset();
  interfaces_.reset();
}

void TestHost::restart_agent() {
  stop_agent();
  client_->close();
  client_->connect();
  start_agent();
  converge();
}

std::string TestHost::veth(const std::string& name, char side) const { return "v" + prefix_.substr(3) + name.substr(0, 6) + side; }

void TestHost::plug_vm(const std::string& name, const PortBinding& binding, int prefix) {
  std::string space = ns(name), outer = veth(name, 'o'), inner = veth(name, 'i');
  must("ip netns add " + space);
  namespaces_.push_back(space);
  must("ip link add " + outer + " type veth peer name " + inner + " netns " + space);
  devices_.push_back(outer);
  must("ip -n " + space + " link set " + inner + " address " + binding.mac_address());
  must("ip -n " + space + " addr add " + binding.fixed_ips(0).ip_address() + "/" + std::to_string(prefix) + " dev " + inner);
  must("ip -n " + space + " link set " + inner + " up");
  must("ip -n " + space + " link set lo up");
  if (!binding.fixed_ips(0).gateway_ip().empty())
    must("ip -n " + space + " route add default via " + binding.fixed_ips(0).gateway_ip());
  must("ip link set " + outer + " up");
  // Userspace conntrack drops TCP with offloaded (partial) checksums: off on both ends.
  must("ip netns exec " + space + " ethtool -K " + inner + " tx off >/dev/null");
  must("ethtool -K " + outer + " tx off >/dev/null");
  ovsdb::Vswitch(*client_).ensure_port(integration_bridge,
                                       ovsdb::PortSpec{outer, "", {}, {{"iface-id", binding.port_id()}}});
  port_of_vm_[name] = binding.port_id();
  vms_.push_back(name);
}

void TestHost::unplug_vm(const std::string& name) {
  ovsdb::Vswitch(*client_).remove_port(integration_bridge, veth(name, 'o'));
  vms_.erase(std::remove(vms_.begin(), vms_.end(), name), vms_.end());
}

void TestHost::add_outside(const std::string& name, const std::string& address, int prefix) {
  std::string space = ns(name), outer = veth(name, 'o'), inner = veth(name, 'i');
  must("ip netns add " + space);
  namespaces_.push_back(space);
  must("ip link add " + outer + " type veth peer name " + inner + " netns " + space);
  devices_.push_back(outer);
  must("ip -n " + space + " addr add " + address + "/" + std::to_string(prefix) + " dev " + inner);
  must("ip -n " + space + " link set " + inner + " up");
  must("ip link set " + outer + " up");
  must("ip netns exec " + space + " ethtool -K " + inner + " tx off >/dev/null");
  must("ethtool -K " + outer + " tx off >/dev/null");
  ovsdb::Vswitch(*client_).ensure_port(external_bridge, ovsdb::PortSpec{outer, "", {}, {}});
}

void TestHost::converge() {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    auto plugged = interfaces_->plugged_ports();
    auto layout = interfaces_->layout();
    bool all = layout.integration_patch_ofport > 0 && layout.external_patch_ofport > 0;
    for (const auto& vm : vms_) all = all && plugged.count(port_of_vm_[vm]);
    if (all) break;
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("interfaces did not get their ofports");
    std::this_thread::sleep_for(20ms);
  }
  agent_->enqueue_full_resync();
  if (!agent_->process_pending()) throw std::runtime_error("the agent's resync failed");
  must("ovs-appctl revalidator/wait");
}

// Datapath flows cached before a change are revalidated a moment after the bundle commits.
void TestHost::reconcile(const std::string& port_id) {
  agent_->enqueue(port_id);
  if (!agent_->process_pending()) throw std::runtime_error("the agent's reconcile failed");
  must("ovs-appctl revalidator/wait");
}

bool TestHost::ping(const std::string& from, const std::string& address) {
  return sh("ip netns exec " + ns(from) + " ping -c1 -W1 " + address + " >/dev/null");
}

bool TestHost::tcp_connects(const std::string& from, const std::string& address, int port) {
  return sh("ip netns exec " + ns(from) + " nc -z -w 2 " + address + " " + std::to_string(port));
}

void TestHost::listen_tcp(const std::string& name, int port) {
  must("ip netns exec " + ns(name) + " nc -l -k -p " + std::to_string(port) + " >/dev/null 2>&1 </dev/null &");
  wait_listening(name, port);
}

void TestHost::wait_listening(const std::string& name, int port) {
  bool up = wait_until([&] {
    return sh("ip netns exec " + ns(name) + " ss -ltn | grep -q ':" + std::to_string(port) + " '");
  });
  if (!up) throw std::runtime_error("nothing listens on port " + std::to_string(port) + " in " + ns(name));
}

FlowSet TestHost::flows_with_cookie(std::uint64_t cookie) {
  FlowSet found;
  for (const auto& flow : programmer.dump(integration_bridge))
    if (flow.cookie == cookie) found.insert(flow);
  return found;
}

}  // namespace stratus::network_agent::testing
