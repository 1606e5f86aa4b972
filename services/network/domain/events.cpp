#include "services/network/domain/events.h"

#include <set>

#include "common/outbox/outbox.h"
#include "network/v1/network.pb.h"

namespace stratus::network::events {

namespace v1 = cloud::network::v1;

void network_changed(pqxx::work& tx, const std::string& exchange, const NetworkRow& network) {
  v1::NetworkChanged event;
  event.set_network_id(network.id);
  event.set_project_id(network.project_id);
  outbox::enqueue(tx, exchange, kNetworkChanged, event);
}

void subnet_changed(pqxx::work& tx, const std::string& exchange, const SubnetRow& subnet) {
  v1::SubnetChanged event;
  event.set_subnet_id(subnet.id);
  event.set_network_id(subnet.network_id);
  event.set_project_id(subnet.project_id);
  outbox::enqueue(tx, exchange, kSubnetChanged, event);
}

void port_changed(pqxx::work& tx, const std::string& exchange, const PortRow& port, const std::string& previous_host) {
  v1::PortChanged event;
  event.set_port_id(port.id);
  event.set_network_id(port.network_id);
  event.set_project_id(port.project_id);
  event.set_host(port.host);
  if (previous_host != port.host) event.set_previous_host(previous_host);
  event.set_device_id(port.device_id);
  outbox::enqueue(tx, exchange, kPortChanged, event);
}

void security_group_changed(pqxx::work& tx, const std::string& exchange, const std::string& group_id,
                            const std::string& project_id) {
  v1::SecurityGroupChanged event;
  event.set_security_group_id(group_id);
  event.set_project_id(project_id);
  std::set<std::string> hosts;
  for (const auto& p : store::ports_affected_by_group(tx, group_id)) {
    event.add_port_ids(p.port_id);
    if (!p.host.empty()) hosts.insert(p.host);
  }
  for (const auto& h : hosts) event.add_hosts(h);
  outbox::enqueue(tx, exchange, kSecurityGroupChanged, event);
}

namespace {
std::string host_of(pqxx::work& tx, const std::string& port_id) {
  if (port_id.empty()) return "";
  auto port = store::find_port(tx, port_id, "");
  return port ? port->host : "";
}
}  // namespace

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
  outbox::enqueue(tx, exchange, kFloatingIpChanged, event);
}

}  // namespace stratus::network::events
