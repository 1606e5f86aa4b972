// The agent's view of a port: everything it needs to wire the port, in one answer.
#include <map>

#include "common/error/error.h"
#include "common/validate/validate.h"
#include "services/network/domain/networking.h"

namespace stratus::network {

using auth::Caller;

PortBindingView Networking::binding_of(pqxx::work& tx, const PortRow& port) {
  PortBindingView view;
  view.port = port;
  view.network = *store::find_network_by_id(tx, port.network_id);
  for (const auto& ip : port.fixed_ips) view.fixed_ips.push_back({ip, *store::find_subnet(tx, ip.subnet_id, "")});
  std::map<std::string, std::vector<std::string>> members_ipv4;  // remote group -> addresses
  for (const auto& rule : store::rules_of_groups(tx, port.security_group_ids)) {
    BoundRuleView bound{rule, {}};
    const std::string& remote = rule.rule.remote_group_id;
    // Only IPv4 subnets exist, so remote-group IPv6 rules match no member address yet.
    if (!remote.empty() && rule.rule.ethertype == kIPv4) {
      if (!members_ipv4.count(remote)) {
        auto& addresses = members_ipv4[remote];
        for (const auto& m : store::members_of_group(tx, remote, port.network_id))
          addresses.insert(addresses.end(), m.ip_addresses.begin(), m.ip_addresses.end());
      }
      bound.remote_ip_addresses = members_ipv4[remote];
    }
    view.rules.push_back(std::move(bound));
  }
  for (const auto& fip : store::list_floating_ips(tx, "", port.id))
    view.floating_ips.push_back(
        {fip, *store::find_network_by_id(tx, fip.network_id), *store::find_subnet(tx, fip.subnet_id, "")});
  return view;
}

namespace {

// An agent sees only the ports bound to its own host; to it, any other port does not exist.
bool visible_to(const Caller& caller, const PortRow& port) {
  return caller.acts_for_any_project() || (!caller.agent_host().empty() && port.host == caller.agent_host());
}

}  // namespace

PortBindingView Networking::port_binding(const Caller& caller, const std::string& port_id) {
  auth::require_agent(caller, "reading a port binding");
  validate::uuid("port_id", port_id);
  return pool_.transact([&](pqxx::work& tx) {
    auto port = store::find_port(tx, port_id, "");
    if (!port || !visible_to(caller, *port)) throw not_found("port", port_id);
    return binding_of(tx, *port);
  });
}

std::vector<PortBindingView> Networking::port_bindings(const Caller& caller, const std::vector<std::string>& port_ids) {
  auth::require_agent(caller, "reading port bindings");
  if (port_ids.size() > 1000) throw invalid_argument("ask for at most 1,000 ports at once");
  for (const auto& id : port_ids) validate::uuid("port_ids", id);
  return pool_.transact([&](pqxx::work& tx) {
    std::vector<PortBindingView> out;
    for (const auto& id : port_ids) {
      auto port = store::find_port(tx, id, "");
      if (port && visible_to(caller, *port)) out.push_back(binding_of(tx, *port));
    }
    return out;
  });
}

std::vector<PortBindingView> Networking::ports_on_host(const Caller& caller, const std::string& host) {
  if (host.empty()) throw invalid_argument("name the host");
  auth::require_agent_of(caller, host, "listing the ports of a host");
  return pool_.transact([&](pqxx::work& tx) {
    std::vector<PortBindingView> out;
    for (const auto& port : store::list_ports(tx, {"", "", "", host})) out.push_back(binding_of(tx, port));
    return out;
  });
}

std::vector<MemberRow> Networking::security_group_members(const Caller& caller, const std::string& group_id) {
  auth::require_service(caller, "listing the members of a security group");
  validate::uuid("security_group_id", group_id);
  return pool_.transact([&](pqxx::work& tx) {
    if (!store::find_security_group(tx, group_id, "")) throw not_found("security group", group_id);
    return store::members_of_group(tx, group_id);
  });
}

}  // namespace stratus::network
