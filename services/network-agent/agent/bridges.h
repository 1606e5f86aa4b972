#pragma once
#include <string>

#include "agent/host_interfaces.h"
#include "common/ovsdb/vswitch.h"

namespace stratus::network_agent {

// Creates (or brings to spec) the integration and external bridges with the datapath type
// of this host ("netdev": userspace, "system": kernel), fail_mode secure (no flows: no
// traffic) and OpenFlow 1.5 for bundles, joined by a pair of patch ports.
void ensure_bridges(ovsdb::Vswitch& vswitch, const OvsdbHostInterfaces& host, const std::string& integration_bridge,
                    const std::string& external_bridge, const std::string& datapath_type);

}  // namespace stratus::network_agent
