#pragma once
// Where the agent learns what its ports should be, and where it says what they are. In
// production the network service over gRPC (NetworkServiceSource); in data-path tests a
// hand-built source, since what those tests prove is the switch's behaviour.
#include <optional>
#include <string>
#include <vector>

#include "network/v1/network.pb.h"

namespace stratus::network_agent {

class DesiredStateSource {
 public:
  virtual ~DesiredStateSource() = default;
  // The port's desired state; nullopt once the port is gone. Throws stratus::Error when the
  // answer cannot be had (the caller retries).
  virtual std::optional<cloud::network::v1::PortBinding> port_binding(const std::string& port_id) = 0;
  // Several ports at once: those gone (or bound elsewhere) are absent. One call in production.
  virtual std::vector<cloud::network::v1::PortBinding> port_bindings(const std::vector<std::string>& port_ids) {
    std::vector<cloud::network::v1::PortBinding> out;
    for (const auto& id : port_ids)
      if (auto binding = port_binding(id)) out.push_back(std::move(*binding));
    return out;
  }
  virtual std::vector<cloud::network::v1::PortBinding> ports_on_host(const std::string& host) = 0;
  // "ACTIVE" or "DOWN".
  virtual void report_status(const std::string& port_id, const std::string& host, const std::string& status) = 0;
};

}  // namespace stratus::network_agent
