#pragma once
// What is plugged into this host's bridges, read from the OVSDB replica (never polled).
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "domain/flow_compiler.h"
#include "common/ovsdb/replica.h"

namespace stratus::network_agent {

struct PluggedInterface {
  std::string name;  // e.g. tap0a1b2c3d, vnet3
  int ofport = 0;
};

class HostInterfaces {
 public:
  virtual ~HostInterfaces() = default;
  // Port id (external_ids:iface-id) -> interface, for interfaces on the integration bridge
  // that ovs-vswitchd has attached (ofport > 0).
  virtual std::map<std::string, PluggedInterface> plugged_ports() const = 0;
  virtual BridgeLayout layout() const = 0;
};

// Keeps a Replica of Bridge, Port and Interface. `on_port_changed(port_id)` is told about
// each interface with an iface-id that appears, changes or goes; `on_layout_changed()`
// about anything else (a bridge or a patch port). Both run on the OVSDB reader thread and
// must only queue work.
class OvsdbHostInterfaces : public HostInterfaces {
 public:
  OvsdbHostInterfaces(std::string integration_bridge, std::string external_bridge,
                      std::function<void(const std::string&)> on_port_changed,
                      std::function<void()> on_layout_changed);

  ovsdb::Replica& replica() { return replica_; }
  std::map<std::string, PluggedInterface> plugged_ports() const override;
  BridgeLayout layout() const override;

  // The patch ports' names: patch-<external bridge> on the integration bridge and
  // patch-<integration bridge> on the external one.
  std::string integration_patch() const { return "patch-" + external_bridge_; }
  std::string external_patch() const { return "patch-" + integration_bridge_; }

 private:
  void on_change(const ovsdb::RowChange& change);
  // Interface uuid -> row, for the interfaces of the named bridge.
  std::map<std::string, ovsdb::Row> interfaces_of(const std::string& bridge) const;
  int ofport_of(const std::string& bridge, const std::string& interface_name) const;

  std::string integration_bridge_;
  std::string external_bridge_;
  std::function<void(const std::string&)> on_port_changed_;
  std::function<void()> on_layout_changed_;
  ovsdb::Replica replica_;
};

}  // namespace stratus::network_agent
