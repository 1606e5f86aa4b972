#include "common/ovsdb/vswitch.h"

#include "common/ovsdb/client.h"
#include "common/ovsdb/error.h"
#include "common/ovsdb/operations.h"

namespace stratus::ovsdb {

namespace {

constexpr int kAttempts = 5;

json where_name(const std::string& name) {
  return json::array({op::condition("name", "==", name)});
}

json where_uuid(const std::string& id) {
  return json::array({op::condition("_uuid", "==", uuid(id))});
}

// A "wait" precondition that failed, or a unique index that caught a concurrent insert:
// another writer got there first, so read again and retry.
bool lost_race(const OvsdbError& e) {
  return e.error() == "timed out" || e.error() == "constraint violation";
}

json bridge_settings(const BridgeSpec& spec) {
  return {{"datapath_type", spec.datapath_type},
          {"fail_mode", spec.fail_mode},
          {"protocols", set_of_strings(spec.protocols)},
          {"other_config", map_of(spec.other_config)},
          {"external_ids", map_of(spec.external_ids)}};
}

json interface_settings(const PortSpec& spec) {
  return {{"type", spec.type},
          {"options", map_of(spec.options)},
          {"external_ids", map_of(spec.external_ids)}};
}

template <typename Attempt>
void retry_on_race(const std::string& what, Attempt attempt) {
  for (int i = 0; i < kAttempts; ++i) {
    try {
      if (attempt()) return;
    } catch (const OvsdbError& e) {
      if (!lost_race(e)) throw;
    }
  }
  throw OvsdbError(what, "gave up", "lost to concurrent writers " +
                                        std::to_string(kAttempts) + " times");
}

}  // namespace

InterfaceInfo interface_from_row(const std::string& uuid, const Row& row) {
  InterfaceInfo info;
  info.uuid = uuid;
  info.name = row.value("name", "");
  info.type = row.value("type", "");
  if (row.contains("ofport")) info.ofport = optional_integer(row["ofport"]);
  if (row.contains("external_ids")) info.external_ids = string_map(row["external_ids"]);
  if (row.contains("mac_in_use")) info.mac_in_use = optional_string(row["mac_in_use"]);
  return info;
}

// A fresh database has no Open_vSwitch row; like ovs-vsctl, create it on first use.
std::string Vswitch::root_uuid() {
  for (int i = 0; i < kAttempts; ++i) {
    const json found = client_.transact(
        kDatabase, json::array({op::select("Open_vSwitch", json::array(), {"_uuid"})}));
    const json& rows = found[0]["rows"];
    if (!rows.empty()) return uuid_string(rows[0]["_uuid"]);
    try {
      const json ops = json::array(
          {op::wait("Open_vSwitch", json::array(), {"bridges"}, "==", json::array()),
           op::insert("Open_vSwitch", json::object())});
      return uuid_string(client_.transact(kDatabase, ops)[1]["uuid"]);
    } catch (const OvsdbError& e) {
      if (!lost_race(e)) throw;
    }
  }
  throw OvsdbError("Open_vSwitch root row", "gave up", "lost to concurrent writers");
}

std::optional<std::string> Vswitch::find_uuid(const std::string& table, const std::string& name) {
  const json found =
      client_.transact(kDatabase, json::array({op::select(table, where_name(name), {"_uuid"})}));
  const json& rows = found[0]["rows"];
  if (rows.empty()) return std::nullopt;
  return uuid_string(rows[0]["_uuid"]);
}

void Vswitch::ensure_bridge(const BridgeSpec& spec) {
  retry_on_race("ensure_bridge " + spec.name, [&] {
    const std::string root = root_uuid();
    const auto bridge = find_uuid("Bridge", spec.name);
    return bridge ? try_update_bridge(spec, root, *bridge) : try_create_bridge(spec, root);
  });
}

bool Vswitch::try_create_bridge(const BridgeSpec& spec, const std::string& root) {
  json bridge = bridge_settings(spec);
  bridge["name"] = spec.name;
  bridge["ports"] = named_uuid("port");
  const json ops = json::array(
      {op::wait("Bridge", where_name(spec.name), {"name"}, "==", json::array()),
       op::insert("Interface", {{"name", spec.name}, {"type", "internal"}}, "iface"),
       op::insert("Port", {{"name", spec.name}, {"interfaces", named_uuid("iface")}}, "port"),
       op::insert("Bridge", bridge, "bridge"),
       op::mutate("Open_vSwitch", where_uuid(root),
                  json::array({op::mutation("bridges", "insert", set_of({named_uuid("bridge")}))}))});
  client_.transact(kDatabase, ops);
  return true;
}

bool Vswitch::try_update_bridge(const BridgeSpec& spec, const std::string& root,
                                const std::string& bridge) {
  // "insert" into the root's set is a no-op when present and never drops other bridges.
  const json ops = json::array(
      {op::update("Bridge", where_uuid(bridge), bridge_settings(spec)),
       op::mutate("Open_vSwitch", where_uuid(root),
                  json::array({op::mutation("bridges", "insert", set_of({uuid(bridge)}))}))});
  const json results = client_.transact(kDatabase, ops);
  return results[0].value("count", 0) == 1;  // 0: deleted meanwhile, so create it again
}

void Vswitch::delete_bridge(const std::string& name) {
  retry_on_race("delete_bridge " + name, [&] {
    const auto bridge = find_uuid("Bridge", name);
    if (!bridge) return true;
    // Ports and interfaces are not root rows: the database drops them with the bridge.
    const json ops = json::array(
        {op::mutate("Open_vSwitch", json::array(),
                    json::array({op::mutation("bridges", "delete", set_of({uuid(*bridge)}))})),
         op::delete_rows("Bridge", where_uuid(*bridge))});
    client_.transact(kDatabase, ops);
    return true;
  });
}

void Vswitch::ensure_port(const std::string& bridge, const PortSpec& spec) {
  retry_on_race("ensure_port " + bridge + "/" + spec.name, [&] {
    if (!find_uuid("Bridge", bridge)) {
      throw OvsdbError("ensure_port " + bridge + "/" + spec.name, "no such bridge", bridge);
    }
    const auto port = find_uuid("Port", spec.name);
    return port ? try_update_port(bridge, spec, *port) : try_create_port(bridge, spec);
  });
}

bool Vswitch::try_create_port(const std::string& bridge, const PortSpec& spec) {
  json interface = interface_settings(spec);
  interface["name"] = spec.name;
  const json ops = json::array(
      {op::wait("Bridge", where_name(bridge), {"name"}, "!=", json::array()),
       op::wait("Port", where_name(spec.name), {"name"}, "==", json::array()),
       op::insert("Interface", interface, "iface"),
       op::insert("Port", {{"name", spec.name}, {"interfaces", named_uuid("iface")}}, "port"),
       op::mutate("Bridge", where_name(bridge),
                  json::array({op::mutation("ports", "insert", set_of({named_uuid("port")}))}))});
  client_.transact(kDatabase, ops);
  return true;
}

bool Vswitch::try_update_port(const std::string& bridge, const PortSpec& spec,
                              const std::string& port) {
  const json ops = json::array(
      {op::wait("Port", where_uuid(port), {"name"}, "==", json::array({{{"name", spec.name}}})),
       op::update("Interface", where_name(spec.name), interface_settings(spec)),
       op::mutate("Bridge", where_name(bridge),
                  json::array({op::mutation("ports", "insert", set_of({uuid(port)}))}))});
  const json results = client_.transact(kDatabase, ops);
  return results[2].value("count", 0) == 1;
}

void Vswitch::remove_port(const std::string& bridge, const std::string& port) {
  retry_on_race("remove_port " + bridge + "/" + port, [&] {
    const auto found = find_uuid("Port", port);
    if (!found) return true;
    const json ops = json::array(
        {op::mutate("Bridge", where_name(bridge),
                    json::array({op::mutation("ports", "delete", set_of({uuid(*found)}))})),
         op::delete_rows("Port", where_uuid(*found))});
    client_.transact(kDatabase, ops);
    return true;
  });
}

std::vector<std::string> Vswitch::bridge_names() {
  const json found =
      client_.transact(kDatabase, json::array({op::select("Bridge", json::array(), {"name"})}));
  std::vector<std::string> names;
  for (const json& row : found[0]["rows"]) names.push_back(row["name"].get<std::string>());
  return names;
}

std::vector<InterfaceInfo> Vswitch::interfaces() {
  const json found = client_.transact(
      kDatabase, json::array({op::select("Interface", json::array(),
                                         {"_uuid", "name", "type", "ofport", "external_ids",
                                          "mac_in_use"})}));
  std::vector<InterfaceInfo> out;
  for (const json& row : found[0]["rows"]) {
    out.push_back(interface_from_row(uuid_string(row["_uuid"]), row));
  }
  return out;
}

std::optional<InterfaceInfo> Vswitch::find_interface(const std::string& name) {
  for (InterfaceInfo& info : interfaces()) {
    if (info.name == name) return std::move(info);
  }
  return std::nullopt;
}

}  // namespace stratus::ovsdb
