#include "agent/events.h"

#include "network/v1/network.pb.h"

namespace stratus::network_agent {

namespace v1 = cloud::network::v1;

EventEffect effect_of_event(const std::string& routing_key, const std::string& body, const std::string& host) {
  EventEffect effect;
  if (routing_key == "network.port.changed") {
    v1::PortChanged event;
    if (!event.ParseFromString(body)) return EventEffect{{}, false, true};
    // Bound here now (wire it), or moved away from here (unwire it).
    if (event.host() == host || event.previous_host() == host) effect.ports.insert(event.port_id());
  } else if (routing_key == "network.security_group.changed") {
    v1::SecurityGroupChanged event;
    if (!event.ParseFromString(body)) return EventEffect{{}, false, true};
    bool ours = false;
    for (const auto& h : event.hosts()) ours = ours || h == host;
    // Ports of other hosts are ignored when refreshed (bound elsewhere): harmless.
    if (ours) effect.ports.insert(event.port_ids().begin(), event.port_ids().end());
  } else if (routing_key == "network.floating_ip.changed") {
    v1::FloatingIpChanged event;
    if (!event.ParseFromString(body)) return EventEffect{{}, false, true};
    if (!event.port_id().empty() && event.host() == host) effect.ports.insert(event.port_id());
    if (!event.previous_port_id().empty() && event.previous_host() == host)
      effect.ports.insert(event.previous_port_id());
  } else if (routing_key == "network.network.changed" || routing_key == "network.subnet.changed") {
    effect.full_resync = true;
  }
  return effect;
}

}  // namespace stratus::network_agent
