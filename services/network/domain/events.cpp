#include "services/network/domain/events.h"

#include <map>
#include <set>

#include "common/outbox/outbox.h"
#include "network/v1/network.pb.h"

namespace stratus::network::events {

namespace v1 = cloud::network::v1;

namespace {

// Every event goes out once under its bare key, for services (compute binds
// "network.port.changed"), and once per affected host under "<key>.<host>", for that host's
// agent alone: an agent binds "network.*.changed.<its host>", so its work grows with its own
// host, not with the cloud.
void publish(pqxx::work& tx, const std::string& exchange, const std::string& key, const std::set<std::string>& hosts,
             const google::protobuf::Message& event) {
  outbox::enqueue(tx, exchange, key, event);
  for (const auto& host : hosts)
    if (!host.empty()) outbox::enqueue(tx, exchange, host_routing_key(key, host), event);
}

// Hosts with ports on the network: only their agents care about its changes.
std::set<std::string> hosts_on_network(pqxx::work& tx, const std::string& network_id) {
  std::set<std::string> hosts;
  for (const auto& row :
       tx.exec_params("SELECT DISTINCT host FROM ports WHERE network_id = $1::uuid AND host <> ''", network_id))
    hosts.insert(row[0].as<std::string>());
  return hosts;
}

std::string host_of(pqxx::work& tx, const std::string& port_id) {
  if (port_id.empty()) return "";
  auto port = store::find_port(tx, port_id, "");
  return port ? port->host : "";
}

}  // namespace

std::string host_routing_key(const std::string& key, const std::string& host) { return key + "." + host; }

void network_changed(pqxx::work& tx, const std::string& exchange, const NetworkRow& network) {
  v1::NetworkChanged event;
  event.set_network_id(network.id);
  event.set_project_id(network.project_id);
  publish(tx, exchange, kNetworkChanged, hosts_on_network(tx, network.id), event);
}

void subnet_changed(pqxx::work& tx, const std::string& exchange, const SubnetRow& subnet) {
  v1::SubnetChanged event;
  event.set_subnet_id(subnet.id);
  event.set_network_id(subnet.network_id);
  event.set_project_id(subnet.project_id);
  publish(tx, exchange, kSubnetChanged, hosts_on_network(tx, subnet.network_id), event);
}

void port_changed(pqxx::work& tx, const std::string& exchange, const PortRow& port, const std::string& previous_host) {
  v1::PortChanged event;
  event.set_port_id(port.id);
  event.set_network_id(port.network_id);
  event.set_project_id(port.project_id);
  event.set_host(port.host);
  if (previous_host != port.host) event.set_previous_host(previous_host);
  event.set_device_id(port.device_id);
  publish(tx, exchange, kPortChanged, {port.host, previous_host}, event);
}

void security_group_changed(pqxx::work& tx, const std::string& exchange, const std::string& group_id,
                            const std::string& project_id) {
  v1::SecurityGroupChanged all;
  all.set_security_group_id(group_id);
  all.set_project_id(project_id);
  std::map<std::string, v1::SecurityGroupChanged> per_host;  // each host hears of its own ports only
  for (const auto& p : store::ports_affected_by_group(tx, group_id)) {
    all.add_port_ids(p.port_id);
    if (p.host.empty()) continue;
    auto [it, fresh] = per_host.try_emplace(p.host);
    if (fresh) {
      it->second.set_security_group_id(group_id);
      it->second.set_project_id(project_id);
      it->second.add_hosts(p.host);
      all.add_hosts(p.host);
    }
    it->second.add_port_ids(p.port_id);
  }
  outbox::enqueue(tx, exchange, kSecurityGroupChanged, all);
  for (const auto& [host, event] : per_host)
    outbox::enqueue(tx, exchange, host_routing_key(kSecurityGroupChanged, host), event);
}

void floating_ip_changed(pqxx::work& tx, const std::string& exchange, const FloatingIpRow& now,
                         const FloatingIpRow& previous) {
  v1::FloatingIpChanged event;
  event.set_floating_ip_id(now.id);
  event.set_project_id(now.project_id);
  event.set_port_id(now.port_id);
  event.set_host(host_of(tx, now.port_id));
  if (previous.port_id != now.port_id) {
    event.set_previous_port_id(previous.port_id);
    event.set_previous_host(host_of(tx, previous.port_id));
  }
  publish(tx, exchange, kFloatingIpChanged, {event.host(), event.previous_host()}, event);
}

}  // namespace stratus::network::events
