#pragma once
// The agent's level-triggered core. Anything that happens (an event, an interface plugged
// or unplugged, the periodic resync) only queues "look at port X again"; one worker
// refreshes those ports' desired state, compiles the flows of the whole host, applies the
// difference to what is installed (one bundle per bridge) and reports port status.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "agent/host_interfaces.h"
#include "common/log/log.h"
#include "domain/flow_compiler.h"
#include "drivers/desired_state.h"
#include "drivers/openflow.h"

namespace stratus::network_agent {

struct AgentSettings {
  std::string host;
  std::string integration_bridge = "br-int";
  std::string external_bridge = "br-ex";
  // Userspace datapath: checksum offload breaks conntrack (see docs/network-agent.md).
  bool disable_offloads = true;
};

class Reconciler {
 public:
  Reconciler(AgentSettings settings, DesiredStateSource& desired, HostInterfaces& interfaces,
             FlowProgrammer& programmer, log::Logger logger);

  // Thread-safe, cheap: only queue work.
  void enqueue(const std::string& port_id);
  void enqueue_full_resync();  // re-read every port of the host and the installed flows
  void enqueue_recompile();    // the host's layout changed: compile again, fetch nothing

  // One round of the queued work on the calling thread. Work that failed is queued again
  // and false returned.
  bool process_pending();
  // The worker loop: processes work as it comes until stop(); retries failures after
  // `retry_delay`.
  void run(std::chrono::milliseconds retry_delay = std::chrono::seconds(1));
  void stop();
  // True once the queue is empty and no round is running (tests, benchmarks).
  bool wait_idle(std::chrono::milliseconds timeout);

  // The ports this agent knows are bound to its host (worker thread or idle only).
  std::set<std::string> known_ports() const;
  std::size_t installed_flow_count() const;

 private:
  struct Work {
    std::set<std::string> ports;
    bool full_resync = false;
    bool recompile = false;
    bool empty() const { return ports.empty() && !full_resync && !recompile; }
  };

  Work take_work();
  void requeue(const Work& work);
  void refresh_bindings(const Work& work);
  void disable_offloads(const std::map<std::string, PluggedInterface>& plugged);
  void sync_flows(const std::map<std::string, PluggedInterface>& plugged, bool full_resync);
  void probe_gateways(const std::set<ArpProbe>& wanted, bool all);
  void flush_conntrack_zones(const std::map<int, std::string>& wanted);
  void log_warnings(const std::set<std::string>& warnings);
  void sync_bridge(const std::string& bridge, const FlowSet& desired, FlowSet& installed);
  void report_status(const std::set<std::string>& ports, const std::map<std::string, PluggedInterface>& plugged);

  AgentSettings settings_;
  DesiredStateSource& desired_;
  HostInterfaces& interfaces_;
  FlowProgrammer& programmer_;
  log::Logger logger_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Work queued_;
  bool busy_ = false;
  bool stopping_ = false;

  // Owned by the thread running process_pending.
  std::map<std::string, cloud::network::v1::PortBinding> bindings_;  // ports bound to this host
  HostFlows installed_;
  bool installed_known_ = false;  // false: dump the bridges before the next diff
  std::set<std::string> offloads_disabled_;
  std::set<ArpProbe> probed_;  // gateway ARP requests sent (again on every full resync)
  // The conntrack zones in use and their owners (HostFlows::conntrack_zones), once known:
  // what an agent (re)starting finds in the datapath is kept, so a restart cuts nothing.
  std::map<int, std::string> zones_;
  bool zones_known_ = false;
  std::set<int> zones_to_flush_;  // owners gone; retried until the datapath took it
  std::set<std::string> warned_;
};

}  // namespace stratus::network_agent
