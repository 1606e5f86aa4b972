#include "agent/events.h"

#include "network/v1/network.pb.h"

namespace stratus::network_agent {

namespace v1 = cloud::network::v1;

namespace {

// "network.<kind>.changed[.<host>]" -> kind and host suffix (empty for the bare key);
// false for any other key.
bool parse_key(const std::string& routing_key, std::string& kind, std::string& host_suffix) {
  const std::string prefix = "network.";
  const std::string changed = ".changed";
  if (routing_key.compare(0, prefix.size(), prefix) != 0) return false;
  auto kind_end = routing_key.find('.', prefix.size());
  if (kind_end == std::string::npos) return false;
  kind = routing_key.substr(prefix.size(), kind_end - prefix.size());
  if (kind.empty() || routing_key.compare(kind_end, changed.size(), changed) != 0) return false;
  auto rest = kind_end + changed.size();
  if (rest == routing_key.size()) {
    host_suffix.clear();
    return true;
  }
  if (routing_key[rest] != '.' || rest + 1 == routing_key.size()) return false;
  host_suffix = routing_key.substr(rest + 1);
  return true;
}

}  // namespace

EventEffect effect_of_event(const std::string& routing_key, const std::string& body, const std::string& host) {
  EventEffect effect;
  std::string kind, key_host;
  if (!parse_key(routing_key, kind, key_host)) return effect;
  if (!key_host.empty() && key_host != host) return effect;  // another host's copy
  bool scoped_here = key_host == host;
  if (kind == "port") {
    v1::PortChanged event;
    if (!event.ParseFromString(body)) return EventEffect{{}, false, true};
    // Bound here now (wire it), or moved away from here (unwire it).
    if (event.host() == host || event.previous_host() == host) effect.ports.insert(event.port_id());
  } else if (kind == "security_group") {
    v1::SecurityGroupChanged event;
    if (!event.ParseFromString(body)) return EventEffect{{}, false, true};
    bool ours = scoped_here;
    for (const auto& h : event.hosts()) ours = ours || h == host;
    // Ports of other hosts are ignored when refreshed (bound elsewhere): harmless.
    if (ours) effect.ports.insert(event.port_ids().begin(), event.port_ids().end());
  } else if (kind == "floating_ip") {
    v1::FloatingIpChanged event;
    if (!event.ParseFromString(body)) return EventEffect{{}, false, true};
    if (!event.port_id().empty() && event.host() == host) effect.ports.insert(event.port_id());
    if (!event.previous_port_id().empty() && event.previous_host() == host)
      effect.ports.insert(event.previous_port_id());
  } else if (kind == "network" || kind == "subnet") {
    // Sent only to hosts with ports on it; the bare key (no host) concerns nobody's ports.
    effect.full_resync = scoped_here;
  }
  return effect;
}

}  // namespace stratus::network_agent
