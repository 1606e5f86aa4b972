#pragma once
// The agent's level-triggered core. Anything that happens (an event, an interface plugged
// or unplugged, the periodic resync) only queues a key on a WorkQueue (common/agent): a
// port id ("look at port X again"), the full resync, or the host's flows. One worker takes
// the ready keys in batches, refreshes those ports' desired state, compiles the flows of
// the whole host, applies the difference to what is installed (one bundle per bridge) and
// reports port status. A port whose refresh or status report fails is retried alone, with
// growing delay, while the others proceed; a failing flow sync or full resync retries its
// host key with back-off.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "agent/host_interfaces.h"
#include "common/agent/work_queue.h"
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
  // Keys of the work queue besides port ids (which are UUIDs, so never collide with these).
  static constexpr const char* kFullResyncKey = "host:full-resync";
  static constexpr const char* kHostFlowsKey = "host:flows";

  Reconciler(AgentSettings settings, DesiredStateSource& desired, HostInterfaces& interfaces,
             FlowProgrammer& programmer, log::Logger logger,
             agent::WorkQueue::Options queue_options = agent::WorkQueue::Options{});

  // Thread-safe, cheap: only queue work.
  void enqueue(const std::string& port_id);
  void enqueue_full_resync();  // re-read every port of the host and the installed flows
  void enqueue_recompile();    // the host's layout changed: compile again, fetch nothing

  // One round of the work ready now, on the calling thread (tests, benchmarks). Keys that
  // failed are queued again after their back-off, and false is returned.
  bool process_pending();
  // The worker loop: processes batches of ready keys as they come, until stop().
  void run();
  void stop();
  // True once no key is queued or being processed; keys waiting for their back-off do not
  // count (tests, benchmarks).
  bool wait_idle(std::chrono::milliseconds timeout);
  // The queue itself, to look at back-offs (tests).
  const agent::WorkQueue& queue() const { return queue_; }

  // The ports this agent knows are bound to its host (worker thread or idle only).
  std::set<std::string> known_ports() const;
  std::size_t installed_flow_count() const;

 private:
  static constexpr std::size_t kMaxBatch = 1000;

  // One batch of keys; true if every key succeeded.
  bool process(const std::vector<std::string>& keys);
  // Re-reads every port of the host; false (and retried with back-off) if it failed.
  bool full_resync();
  // Re-reads the named ports that the full resync did not just read; each failure is retried
  // alone. Returns the ports that were read.
  bool refresh_ports(const std::set<std::string>& ports, bool just_resynced, std::set<std::string>& refreshed);
  void disable_offloads(const std::map<std::string, PluggedInterface>& plugged);
  void sync_flows(const std::map<std::string, PluggedInterface>& plugged, bool full_resync);
  void probe_gateways(const std::set<ArpProbe>& wanted, bool all);
  void flush_conntrack_zones(const std::map<int, std::string>& wanted);
  void log_warnings(const std::set<std::string>& warnings);
  void sync_bridge(const std::string& bridge, const FlowSet& desired, FlowSet& installed);
  bool report_status(const std::set<std::string>& ports, const std::map<std::string, PluggedInterface>& plugged);

  AgentSettings settings_;
  DesiredStateSource& desired_;
  HostInterfaces& interfaces_;
  FlowProgrammer& programmer_;
  log::Logger logger_;

  agent::WorkQueue queue_;

  // Owned by the thread running process_pending or run.
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
