#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/ovsdb/replica.h"
#include "common/ovsdb/value.h"

namespace stratus::ovsdb {

class Client;

// Desired state of a bridge. The maps are the whole desired value of their columns.
struct BridgeSpec {
  std::string name;
  std::string datapath_type = "system";  // "netdev" for the userspace datapath
  std::string fail_mode = "secure";      // no normal-switching fallback without a controller
  std::vector<std::string> protocols = {"OpenFlow13"};
  std::map<std::string, std::string> other_config;  // e.g. {"hwaddr", "fa:16:3e:..."}
  std::map<std::string, std::string> external_ids;
};

// Desired state of a port with its single interface of the same name.
struct PortSpec {
  std::string name;
  std::string type;  // "" (a system device), "internal", "patch", ...
  std::map<std::string, std::string> options;       // e.g. {"peer", "patch-ex"} for patch
  std::map<std::string, std::string> external_ids;  // e.g. {"iface-id", port id}
};

// What the agent needs to know about an Interface row.
struct InterfaceInfo {
  std::string uuid;
  std::string name;
  std::string type;
  std::optional<std::int64_t> ofport;  // absent until ovs-vswitchd has attached it
  std::map<std::string, std::string> external_ids;
  std::optional<std::string> mac_in_use;
};

// Reads the columns of InterfaceInfo from a row as select or a Replica returns it; columns
// that are missing are left empty.
InterfaceInfo interface_from_row(const std::string& uuid, const Row& row);

// The few Open_vSwitch database writes the network agent makes, as OVSDB transactions
// (no ovs-vsctl). Every write is idempotent and guarded by "wait" preconditions, and lists
// of references are changed with "mutate" so concurrent writers do not undo each other; a
// precondition lost to a concurrent writer is retried a few times from a fresh read.
// Thread-safety: that of the Client.
class Vswitch {
 public:
  static constexpr const char* kDatabase = "Open_vSwitch";

  explicit Vswitch(Client& client) : client_(client) {}

  // Creates the bridge (with its internal port) or brings its settings to the spec.
  void ensure_bridge(const BridgeSpec& spec);
  // Deletes the bridge with its ports and interfaces; nothing to do if it does not exist.
  void delete_bridge(const std::string& name);
  // Adds the port to the bridge, or brings the existing port's interface to the spec.
  // Throws OvsdbError if the bridge does not exist.
  void ensure_port(const std::string& bridge, const PortSpec& spec);
  // Removes the port and its interface; nothing to do if it does not exist.
  void remove_port(const std::string& bridge, const std::string& port);

  std::vector<std::string> bridge_names();
  std::vector<InterfaceInfo> interfaces();
  std::optional<InterfaceInfo> find_interface(const std::string& name);

 private:
  std::string root_uuid();
  std::optional<std::string> find_uuid(const std::string& table, const std::string& name);
  bool try_create_bridge(const BridgeSpec& spec, const std::string& root);
  bool try_update_bridge(const BridgeSpec& spec, const std::string& root,
                         const std::string& bridge);
  bool try_create_port(const std::string& bridge, const PortSpec& spec);
  bool try_update_port(const std::string& bridge, const PortSpec& spec, const std::string& port);

  Client& client_;
};

}  // namespace stratus::ovsdb
