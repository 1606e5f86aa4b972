#pragma once
// The events of the network service, enqueued in the outbox in the caller's transaction.
// Payloads carry ids only (cloud.network.v1.*Changed): consumers look again over gRPC.
// Each goes out under its bare key (services) and under "<key>.<host>" for every host whose
// agent must look again (host-scoped delivery; docs/network.md).
#include <string>

#include <pqxx/pqxx>

#include "services/network/store/network_store.h"

namespace stratus::network::events {

inline constexpr const char* kNetworkChanged = "network.network.changed";
inline constexpr const char* kSubnetChanged = "network.subnet.changed";
inline constexpr const char* kPortChanged = "network.port.changed";
inline constexpr const char* kSecurityGroupChanged = "network.security_group.changed";
inline constexpr const char* kFloatingIpChanged = "network.floating_ip.changed";

// "network.port.changed.node-3": what the agent of `host` binds to.
std::string host_routing_key(const std::string& key, const std::string& host);

void network_changed(pqxx::work& tx, const std::string& exchange, const NetworkRow& network);
void subnet_changed(pqxx::work& tx, const std::string& exchange, const SubnetRow& subnet);
void port_changed(pqxx::work& tx, const std::string& exchange, const PortRow& port,
                  const std::string& previous_host = "");
// Reads the affected ports (members, and members of groups naming it as remote) itself.
void security_group_changed(pqxx::work& tx, const std::string& exchange, const std::string& group_id,
                            const std::string& project_id);
// `previous` is the floating IP before the change (the same row when nothing moved).
void floating_ip_changed(pqxx::work& tx, const std::string& exchange, const FloatingIpRow& now,
                         const FloatingIpRow& previous);

}  // namespace stratus::network::events
