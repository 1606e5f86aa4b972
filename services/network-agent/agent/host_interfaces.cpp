#include "agent/host_interfaces.h"

#include "common/ovsdb/value.h"
#include "common/ovsdb/vswitch.h"

namespace stratus::network_agent {

OvsdbHostInterfaces::OvsdbHostInterfaces(std::string integration_bridge, std::string external_bridge,
                                         std::function<void(const std::string&)> on_port_changed,
                                         std::function<void()> on_layout_changed)
    : integration_bridge_(std::move(integration_bridge)),
      external_bridge_(std::move(external_bridge)),
      on_port_changed_(std::move(on_port_changed)),
      on_layout_changed_(std::move(on_layout_changed)),
      replica_("Open_vSwitch",
               {{"Bridge", {"name", "ports"}},
                {"Port", {"name", "interfaces"}},
                {"Interface", {"name", "type", "external_ids", "ofport"}}},
               [this](const ovsdb::RowChange& change) { on_change(change); }) {}

void OvsdbHostInterfaces::on_change(const ovsdb::RowChange& change) {
  if (change.table != "Interface") {
    on_layout_changed_();
    return;
  }
  bool named_a_port = false;
  for (const auto* row : {change.old_row ? &*change.old_row : nullptr, change.new_row ? &*change.new_row : nullptr}) {
    if (!row || !row->contains("external_ids")) continue;
    auto ids = ovsdb::string_map((*row)["external_ids"]);
    auto it = ids.find("iface-id");
    if (it == ids.end()) continue;
    named_a_port = true;
    on_port_changed_(it->second);
  }
  if (!named_a_port) on_layout_changed_();  // a patch port got its ofport, say
}

std::map<std::string, ovsdb::Row> OvsdbHostInterfaces::interfaces_of(const std::string& bridge) const {
  std::map<std::string, ovsdb::Row> found;
  auto ports = replica_.rows("Port");
  auto interfaces = replica_.rows("Interface");
  for (const auto& [uuid, row] : replica_.rows("Bridge")) {
    if (!row.contains("name") || row["name"] != bridge || !row.contains("ports")) continue;
    for (const auto& port_ref : ovsdb::set_elements(row["ports"])) {
      auto port = ports.find(ovsdb::uuid_string(port_ref));
      if (port == ports.end() || !port->second.contains("interfaces")) continue;
      for (const auto& interface_ref : ovsdb::set_elements(port->second["interfaces"])) {
        auto interface = interfaces.find(ovsdb::uuid_string(interface_ref));
        if (interface != interfaces.end()) found.insert(*interface);
      }
    }
  }
  return found;
}

std::map<std::string, PluggedInterface> OvsdbHostInterfaces::plugged_ports() const {
  std::map<std::string, PluggedInterface> plugged;
  for (const auto& [uuid, row] : interfaces_of(integration_bridge_)) {
    auto info = ovsdb::interface_from_row(uuid, row);
    auto id = info.external_ids.find("iface-id");
    if (id == info.external_ids.end() || !info.ofport || *info.ofport <= 0) continue;
    plugged[id->second] = PluggedInterface{info.name, static_cast<int>(*info.ofport)};
  }
  return plugged;
}

int OvsdbHostInterfaces::ofport_of(const std::string& bridge, const std::string& interface_name) const {
  for (const auto& [uuid, row] : interfaces_of(bridge)) {
    auto info = ovsdb::interface_from_row(uuid, row);
    if (info.name == interface_name && info.ofport && *info.ofport > 0) return static_cast<int>(*info.ofport);
  }
  return 0;
}

BridgeLayout OvsdbHostInterfaces::layout() const {
  return BridgeLayout{ofport_of(integration_bridge_, integration_patch()),
                      ofport_of(external_bridge_, external_patch())};
}

}  // namespace stratus::network_agent
