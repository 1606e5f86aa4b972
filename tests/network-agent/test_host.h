#pragma once
// A throwaway "hypervisor host" for data-path tests: its own integration and external
// bridges (netdev) on the machine's Open vSwitch, network namespaces standing in for VMs
// (a veth end with the port's MAC/IP, the other end on the integration bridge with
// external_ids:iface-id) and for the outside (on the external bridge, holding the external
// gateway address). The agent's real core runs against it, with desired state built by hand.
// Everything is removed by the destructor.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/host_interfaces.h"
#include "agent/reconciler.h"
#include "drivers/desired_state.h"
#include "common/process/run.h"
#include "drivers/openflow.h"
#include "common/ovsdb/client.h"
#include "common/ovsdb/vswitch.h"

namespace stratus::network_agent::testing {

// What the network service would say, held in memory; records status reports.
class HandBuiltSource : public DesiredStateSource {
 public:
  void put(const cloud::network::v1::PortBinding& binding);
  void remove(const std::string& port_id);
  cloud::network::v1::PortBinding get(const std::string& port_id);
  std::optional<cloud::network::v1::PortBinding> port_binding(const std::string& port_id) override;
  std::vector<cloud::network::v1::PortBinding> ports_on_host(const std::string& host) override;
  void report_status(const std::string& port_id, const std::string& host, const std::string& status) override;
  std::string last_status(const std::string& port_id);

 private:
  std::mutex mutex_;
  std::map<std::string, cloud::network::v1::PortBinding> bindings_;
  std::map<std::string, std::string> statuses_;
};

// Counts what reaches the switch, to prove a restart changes nothing.
class CountingProgrammer : public FlowProgrammer {
 public:
  FlowSet dump(const std::string& bridge) override { return real_.dump(bridge); }
  void apply(const std::string& bridge, const FlowDiff& diff) override {
    changed += diff.to_add.size() + diff.to_delete.size();
    real_.apply(bridge, diff);
  }
  void send_arp_request(const std::string& bridge, const ArpProbe& probe) override {
    ++arp_requests;
    real_.send_arp_request(bridge, probe);
  }
  void flush_conntrack_zone(int zone) override {
    flushed_zones.push_back(zone);
    real_.flush_conntrack_zone(zone);
  }
  std::vector<int> flushed_zones;
  std::size_t arp_requests = 0;
  std::size_t changed = 0;

 private:
  OvsOfctlProgrammer real_;
};

class TestHost {
 public:
  TestHost();
  ~TestHost();

  // A namespace "VM" plugged into the integration bridge as port `binding`.
  void plug_vm(const std::string& name, const cloud::network::v1::PortBinding& binding, int prefix = 24);
  void unplug_vm(const std::string& name);
  // A namespace on the external bridge holding `address/prefix` (the external gateway).
  void add_outside(const std::string& name, const std::string& address, int prefix = 24);

  // Waits until every plugged VM has its ofport, then runs a full resync of the agent.
  void converge();
  // What an event about the port leads to; returns once the datapath follows the new flows.
  void reconcile(const std::string& port_id);
  // Throws the agent away and starts a new one on the same bridges (an agent restart).
  void restart_agent();

  bool ping(const std::string& from, const std::string& address);
  bool tcp_connects(const std::string& from, const std::string& address, int port);
  void listen_tcp(const std::string& name, int port);  // a server that accepts forever
  void wait_listening(const std::string& name, int port);
  std::string ns(const std::string& name) const { return prefix_ + name; }

  HandBuiltSource source;
  CountingProgrammer programmer;
  std::string integration_bridge;
  std::string external_bridge;
  Reconciler& agent() { return *agent_; }
  OvsdbHostInterfaces& interfaces() { return *interfaces_; }
  FlowSet flows_with_cookie(std::uint64_t cookie);

 private:
  void start_agent();
  void stop_agent();
  std::string veth(const std::string& name, char side) const;

  std::string prefix_;
  std::vector<std::string> vms_;
  std::map<std::string, std::string> port_of_vm_;
  std::vector<std::string> namespaces_;
  std::vector<std::string> devices_;  // root-namespace veth ends
  std::unique_ptr<ovsdb::Client> client_;
  std::unique_ptr<OvsdbHostInterfaces> interfaces_;
  std::unique_ptr<Reconciler> agent_;
  std::atomic<bool> stopping_{false};
  std::thread ovsdb_thread_;
};

// Runs a shell command; true when it exits 0.
bool sh(const std::string& command);
void must(const std::string& command);

// Polls `condition` every 100 ms for up to `seconds`: tests wait for conditions, never for
// fixed times, which a loaded machine outlasts.
template <typename Condition>
bool wait_until(Condition condition, int seconds = 15) {
  for (int i = 0; i < seconds * 10; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

}  // namespace stratus::network_agent::testing
