#pragma once
// What a network.* event on stratus.events means for this host's agent: which ports to
// look at again. Events carry ids only; the desired state is read afterwards.
#include <set>
#include <string>

namespace stratus::network_agent {

struct EventEffect {
  std::set<std::string> ports;
  bool full_resync = false;  // a network or subnet changed: look at everything again
  bool unreadable = false;
};

EventEffect effect_of_event(const std::string& routing_key, const std::string& body, const std::string& host);

}  // namespace stratus::network_agent
