#pragma once
// What a network event on stratus.events means for this host's agent: which ports to look
// at again. Events carry ids only; the desired state is read afterwards.
//
// The network service publishes host-scoped keys, "network.<kind>.changed.<host>", one
// message per affected host (a security group's port_ids are that host's ports; network and
// subnet changes go only to hosts with ports on them), so the agent binds
// kHostEventPattern + "." + host only. The bare "network.<kind>.changed" (unbound ports) is
// still understood for a port that names this host. Host names may contain dots.
#include <set>
#include <string>

namespace stratus::network_agent {

// The binding base: bus::host_routing_key(kHostEventPattern, host).
inline constexpr const char* kHostEventPattern = "network.*.changed";

struct EventEffect {
  std::set<std::string> ports;
  bool full_resync = false;  // a network or subnet changed: look at everything again
  bool unreadable = false;
};

EventEffect effect_of_event(const std::string& routing_key, const std::string& body, const std::string& host);

}  // namespace stratus::network_agent
