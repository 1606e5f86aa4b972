#include "agent/bridges.h"

namespace stratus::network_agent {

void ensure_bridges(ovsdb::Vswitch& vswitch, const OvsdbHostInterfaces& host, const std::string& integration_bridge,
                    const std::string& external_bridge, const std::string& datapath_type) {
  for (const auto& name : {integration_bridge, external_bridge}) {
    ovsdb::BridgeSpec spec;
    spec.name = name;
    spec.datapath_type = datapath_type;
    spec.protocols = {"OpenFlow13", "OpenFlow15"};
    spec.external_ids = {{"stratus-owner", "network-agent"}};
    vswitch.ensure_bridge(spec);
  }
  vswitch.ensure_port(integration_bridge,
                      ovsdb::PortSpec{host.integration_patch(), "patch", {{"peer", host.external_patch()}}, {}});
  vswitch.ensure_port(external_bridge,
                      ovsdb::PortSpec{host.external_patch(), "patch", {{"peer", host.integration_patch()}}, {}});
}

}  // namespace stratus::network_agent
