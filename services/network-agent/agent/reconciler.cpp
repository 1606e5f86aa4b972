#include "agent/reconciler.h"

#include "common/error/error.h"
#include "common/process/run.h"

namespace stratus::network_agent {

using cloud::network::v1::PortBinding;

Reconciler::Reconciler(AgentSettings settings, DesiredStateSource& desired, HostInterfaces& interfaces,
                       FlowProgrammer& programmer, log::Logger logger, agent::WorkQueue::Options queue_options)
    : settings_(std::move(settings)),
      desired_(desired),
      interfaces_(interfaces),
      programmer_(programmer),
      logger_(std::move(logger)),
      queue_(std::move(queue_options)) {}

void Reconciler::enqueue(const std::string& port_id) { queue_.add(port_id); }
void Reconciler::enqueue_full_resync() { queue_.add(kFullResyncKey); }
void Reconciler::enqueue_recompile() { queue_.add(kHostFlowsKey); }

bool Reconciler::process_pending() {
  auto keys = queue_.try_get_batch(kMaxBatch);
  if (keys.empty()) return true;
  bool ok = process(keys);
  queue_.done(keys);
  return ok;
}

void Reconciler::run() {
  for (;;) {
    auto keys = queue_.get_batch(kMaxBatch);
    if (keys.empty()) return;  // shut down
    process(keys);
    queue_.done(keys);
  }
}

void Reconciler::stop() { queue_.shut_down(); }

bool Reconciler::wait_idle(std::chrono::milliseconds timeout) { return queue_.wait_idle(timeout); }

bool Reconciler::process(const std::vector<std::string>& keys) {
  bool resync = false;
  std::set<std::string> ports;
  for (const auto& key : keys) {
    if (key == kFullResyncKey) resync = true;
    else if (key != kHostFlowsKey) ports.insert(key);
  }
  bool ok = true;
  bool resynced = false;
  if (resync) {
    resynced = full_resync();
    // Compiling now would rest on an older view of the host (at start: on none, deleting
    // every flow); the resync comes back after its back-off and compiles then.
    if (!resynced) return false;
  }
  std::set<std::string> refreshed;
  ok = refresh_ports(ports, resynced, refreshed);

  std::map<std::string, PluggedInterface> plugged;
  try {
    plugged = interfaces_.plugged_ports();
    disable_offloads(plugged);
    sync_flows(plugged, resynced);
    queue_.forget(kHostFlowsKey);
  } catch (const std::exception& e) {
    auto delay = queue_.add_rate_limited(kHostFlowsKey);
    logger_.warn("flow sync failed, will retry", {{"error", e.what()}, {"retry_in_ms", delay.count()}});
    return false;  // statuses are reported once the flows are in
  }
  // Every port known here: only those whose status the service does not have yet cost a call,
  // which also covers ports refreshed in an earlier round whose flows failed then.
  std::set<std::string> known;
  for (const auto& [id, binding] : bindings_) known.insert(id);
  return report_status(known, plugged) && ok;
}

bool Reconciler::full_resync() {
  try {
    std::map<std::string, PortBinding> fresh;
    for (auto& binding : desired_.ports_on_host(settings_.host)) fresh[binding.port_id()] = std::move(binding);
    bindings_ = std::move(fresh);
    installed_known_ = false;  // and look at the switch again: someone may have touched it
    queue_.forget(kFullResyncKey);
    return true;
  } catch (const std::exception& e) {
    auto delay = queue_.add_rate_limited(kFullResyncKey);
    logger_.warn("full resync failed, will retry", {{"error", e.what()}, {"retry_in_ms", delay.count()}});
    return false;
  }
}

bool Reconciler::refresh_ports(const std::set<std::string>& ports, bool just_resynced,
                               std::set<std::string>& refreshed) {
  bool ok = true;
  for (const auto& port_id : ports) {
    if (just_resynced && bindings_.count(port_id)) {
      queue_.forget(port_id);
      refreshed.insert(port_id);
      continue;
    }
    try {
      auto binding = desired_.port_binding(port_id);
      if (binding && binding->host() == settings_.host) bindings_[port_id] = std::move(*binding);
      else bindings_.erase(port_id);  // gone, or bound elsewhere now: its flows go
      queue_.forget(port_id);
      refreshed.insert(port_id);
    } catch (const std::exception& e) {
      // What we knew of it stays in force meanwhile; the other ports go on.
      auto delay = queue_.add_rate_limited(port_id);
      logger_.warn("port refresh failed, will retry",
                   {{"port_id", port_id}, {"error", e.what()}, {"retry_in_ms", delay.count()},
                    {"failures", queue_.failures(port_id)}});
      ok = false;
    }
  }
  return ok;
}

void Reconciler::disable_offloads(const std::map<std::string, PluggedInterface>& plugged) {
  if (!settings_.disable_offloads) return;
  for (const auto& [port_id, interface] : plugged) {
    if (offloads_disabled_.count(interface.name)) continue;
    bool safe_name = !interface.name.empty() && interface.name.find_first_not_of(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == std::string::npos;
    if (!safe_name) continue;
    // tx (checksum) for veths, gso for taps; either may be unsupported by a device.
    auto result = process::run_command("ethtool -K " + interface.name + " tx off gso off");
    if (result.status != 0) logger_.debug("ethtool -K failed", {{"interface", interface.name}, {"output", result.output}});
    offloads_disabled_.insert(interface.name);
  }
}

void Reconciler::sync_flows(const std::map<std::string, PluggedInterface>& plugged, bool full_resync) {
  std::vector<LocalPort> ports;
  for (const auto& [port_id, binding] : bindings_) {
    auto it = plugged.find(port_id);
    if (it != plugged.end()) ports.push_back(LocalPort{binding, it->second.ofport});
  }
  HostFlows desired = compile_host(ports, interfaces_.layout());
  if (!installed_known_) {
    installed_.integration = programmer_.dump(settings_.integration_bridge);
    installed_.external = programmer_.dump(settings_.external_bridge);
    installed_known_ = true;
  }
  sync_bridge(settings_.integration_bridge, desired.integration, installed_.integration);
  sync_bridge(settings_.external_bridge, desired.external, installed_.external);
  probe_gateways(desired.gateway_probes, full_resync);
  flush_conntrack_zones(desired.conntrack_zones);
  log_warnings(desired.warnings);
}

// After the flows changed, so no packet can still create an entry for the old owner: a zone
// whose port left, or whose ofport or floating IPs now belong to something else, is flushed.
// A failed flush is retried next round and never fails the round.
void Reconciler::flush_conntrack_zones(const std::map<int, std::string>& wanted) {
  if (zones_known_)
    for (const auto& [zone, owner] : zones_) {
      auto it = wanted.find(zone);
      if (it == wanted.end() || it->second != owner) zones_to_flush_.insert(zone);
    }
  zones_ = wanted;
  zones_known_ = true;
  for (auto it = zones_to_flush_.begin(); it != zones_to_flush_.end();) {
    try {
      programmer_.flush_conntrack_zone(*it);
      logger_.info("conntrack zone flushed", {{"zone", *it}});
      it = zones_to_flush_.erase(it);
    } catch (const std::exception& e) {
      logger_.warn("conntrack flush failed, will retry", {{"zone", *it}, {"error", e.what()}});
      ++it;
    }
  }
}

void Reconciler::log_warnings(const std::set<std::string>& warnings) {
  for (const auto& warning : warnings)
    if (!warned_.count(warning)) logger_.warn("not wired", {{"reason", warning}});
  warned_ = warnings;
}

// Asks each floating IP's external gateway for its MAC once the flows that learn the answer
// are in: new floating IPs at once, all of them again on every full resync (which renews the
// learned next hop before its idle timeout and follows a gateway whose MAC changed). A lost
// request or reply is asked again at the next resync; failures never fail the round.
void Reconciler::probe_gateways(const std::set<ArpProbe>& wanted, bool all) {
  std::set<ArpProbe> sent;
  for (const auto& probe : wanted) {
    if (!all && probed_.count(probe)) {
      sent.insert(probe);
      continue;
    }
    try {
      programmer_.send_arp_request(settings_.external_bridge, probe);
      sent.insert(probe);
    } catch (const std::exception& e) {
      logger_.warn("gateway ARP request failed", {{"floating_ip", probe.sender_ip}, {"gateway", probe.target_ip},
                                                   {"error", e.what()}});
    }
  }
  probed_ = std::move(sent);
}

void Reconciler::sync_bridge(const std::string& bridge, const FlowSet& desired, FlowSet& installed) {
  FlowDiff diff = diff_flows(installed, desired);
  if (diff.empty()) return;
  try {
    programmer_.apply(bridge, diff);
  } catch (...) {
    installed_known_ = false;  // unsure what the switch holds now: dump before the next diff
    throw;
  }
  installed = desired;
  logger_.debug("flows applied", {{"bridge", bridge}, {"added", diff.to_add.size()}, {"deleted", diff.to_delete.size()}});
}

// ACTIVE once wired, DOWN when its interface went; told only when the service thinks otherwise.
// A report that cannot be made is retried for that port alone.
bool Reconciler::report_status(const std::set<std::string>& ports,
                               const std::map<std::string, PluggedInterface>& plugged) {
  bool ok = true;
  for (const auto& port_id : ports) {
    auto it = bindings_.find(port_id);
    if (it == bindings_.end()) continue;
    std::string status = plugged.count(port_id) ? "ACTIVE" : "DOWN";
    if (it->second.status() == status) continue;
    try {
      desired_.report_status(port_id, settings_.host, status);
    } catch (const Error& e) {
      // Bound elsewhere meanwhile, or deleted: the next event about it sets things right.
      if (e.code() == ErrorCode::FailedPrecondition || e.code() == ErrorCode::NotFound) {
        logger_.warn("port status not taken", {{"port_id", port_id}, {"error", e.what()}});
        continue;
      }
      auto delay = queue_.add_rate_limited(port_id);
      logger_.warn("port status report failed, will retry",
                   {{"port_id", port_id}, {"error", e.what()}, {"retry_in_ms", delay.count()}});
      ok = false;
      continue;
    } catch (const std::exception& e) {
      auto delay = queue_.add_rate_limited(port_id);
      logger_.warn("port status report failed, will retry",
                   {{"port_id", port_id}, {"error", e.what()}, {"retry_in_ms", delay.count()}});
      ok = false;
      continue;
    }
    it->second.set_status(status);
    logger_.info("port status reported", {{"port_id", port_id}, {"status", status}});
  }
  return ok;
}

std::set<std::string> Reconciler::known_ports() const {
  std::set<std::string> ids;
  for (const auto& [id, binding] : bindings_) ids.insert(id);
  return ids;
}

std::size_t Reconciler::installed_flow_count() const {
  return installed_.integration.size() + installed_.external.size();
}

}  // namespace stratus::network_agent
