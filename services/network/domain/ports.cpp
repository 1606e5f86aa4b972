// Ports: creation with MAC and fixed-IP allocation, updates, deletion, and the status the
// agents report.
#include <set>

#include "common/auth/token.h"
#include "common/error/error.h"
#include "common/validate/validate.h"
#include "services/network/domain/events.h"
#include "services/network/domain/mac_address.h"
#include "services/network/domain/networking.h"

namespace stratus::network {

using auth::Access;
using auth::Caller;

namespace {

const char* const kStatusDown = "DOWN";
const char* const kStatusActive = "ACTIVE";

void check_port_texts(const std::string& name, const std::string& device_owner, const std::string& device_id,
                      const std::string& host) {
  if (!name.empty()) validate::name("port name", name);
  validate::optional_text("device_owner", device_owner, 255);
  validate::optional_text("device_id", device_id, 255);
  validate::optional_text("host", host, 255);
}

// Addresses of the groups whose membership a port joined or left.
std::set<std::string> groups_changed(const std::vector<std::string>& before, const std::vector<std::string>& after) {
  std::set<std::string> a(before.begin(), before.end()), b(after.begin(), after.end()), changed;
  for (const auto& g : a)
    if (!b.count(g)) changed.insert(g);
  for (const auto& g : b)
    if (!a.count(g)) changed.insert(g);
  return changed;
}

}  // namespace

PortRow Networking::require_port(pqxx::work& tx, const Caller& caller, const std::string& ref) {
  if (ref.empty()) throw invalid_argument("name the port (its name or id)");
  auto port = store::find_port(tx, ref, caller.project_id());
  if (!port || !auth::allowed(caller, port->project_id, Access::Read)) throw not_found("port", ref);
  return *port;
}

std::vector<std::string> Networking::resolve_groups(pqxx::work& tx, const Caller& caller,
                                                    const std::string& project_id,
                                                    const std::optional<std::vector<std::string>>& refs) {
  if (!refs) {
    ensure_default_group(tx, project_id);
    return {require_group(tx, caller, kDefaultGroupName, project_id).id};
  }
  std::vector<std::string> ids;
  for (const auto& ref : *refs) {
    auto group = require_group(tx, caller, ref, project_id);
    if (group.project_id != project_id)
      throw invalid_argument("security group " + ref + " belongs to another project than the port");
    ids.push_back(group.id);
  }
  return ids;
}

void Networking::allocate_fixed_ips(pqxx::work& tx, const Caller& caller, PortRow& port,
                                    const std::vector<FixedIpSpec>& requested) {
  auto subnets = store::subnets_of_network(tx, port.network_id);
  auto subnet_for = [&](const FixedIpSpec& spec) -> SubnetRow {
    if (!spec.subnet.empty()) {
      auto s = require_subnet(tx, caller, spec.subnet);
      if (s.network_id != port.network_id)
        throw invalid_argument("subnet " + spec.subnet + " is not on the port's network");
      return s;
    }
    Ipv4 address = require_ipv4("fixed IP", spec.ip_address);
    for (const auto& s : subnets)
      if (s.layout().cidr.contains(address)) return s;
    throw invalid_argument("fixed IP " + spec.ip_address + " is not inside any subnet of the port's network");
  };
  auto take = [&](const SubnetRow& subnet, const std::string& address) {
    store::insert_port_allocation(tx, subnet.id, address, port.id);
    port.fixed_ips.push_back({subnet.id, address});
  };
  if (requested.empty()) {
    // One address from the first subnet that has one free.
    for (const auto& s : subnets) {
      store::lock_subnet(tx, s.id);
      if (auto free = next_free_address(s.pools, store::allocated_addresses(tx, s.id))) {
        take(s, format_ipv4(*free));
        return;
      }
    }
    if (subnets.empty()) throw failed_precondition("the network has no subnet to take an address from");
    throw resource_exhausted("no free IP address left on the network's subnets");
  }
  for (const auto& spec : requested) {
    if (spec.subnet.empty() && spec.ip_address.empty()) throw invalid_argument("a fixed IP needs a subnet or an address");
    SubnetRow s = subnet_for(spec);
    store::lock_subnet(tx, s.id);
    auto used = store::allocated_addresses(tx, s.id);
    if (spec.ip_address.empty()) {
      auto free = next_free_address(s.pools, used);
      if (!free) throw resource_exhausted("no free IP address left in subnet " + s.name + " (" + s.cidr + ")");
      take(s, format_ipv4(*free));
      continue;
    }
    Ipv4 address = require_ipv4("fixed IP", spec.ip_address);
    if (!assignable(s.layout(), address))
      throw invalid_argument("fixed IP " + spec.ip_address + " cannot be used in subnet " + s.name + " (" + s.cidr +
                             "): it is outside it, or its network, broadcast or gateway address");
    if (used.count(address))
      throw already_exists("IP address", spec.ip_address + " (in use on subnet " + s.name + ")");
    take(s, format_ipv4(address));
  }
}

namespace {

// Only compute binds a port to a host (OpenStack's binding:host_id): a user who could would
// steer traffic to a hypervisor of their choice.
void check_may_bind(const Caller& caller, const std::string& host) {
  if (!host.empty()) auth::require_service(caller, "binding a port to a host");
}

}  // namespace

PortRow Networking::create_port(const Caller& caller, const PortSpec& spec) {
  check_port_texts(spec.name, spec.device_owner, spec.device_id, spec.host);
  check_may_bind(caller, spec.host);
  std::string project_id = acting_project(caller, spec.project);
  auth::authorize(caller, project_id, Access::Write);
  std::string requested_mac = spec.mac_address.empty() ? "" : require_port_mac(spec.mac_address);
  return pool_.transact([&](pqxx::work& tx) {
    auto network = require_network(tx, caller, spec.network);
    if (network.project_id != project_id && !network.shared && !caller.acts_for_any_project())
      throw permission_denied("ports on network " + network.name +
                              " need the admin role (it is external: use a floating IP instead)");
    store::lock_project(tx, project_id);
    check_quota("ports", limits_of(tx, project_id).ports, store::usage(tx, project_id).ports);
    PortRow port;
    port.id = auth::random_uuid();
    port.project_id = project_id;
    port.network_id = network.id;
    port.name = spec.name;
    port.device_owner = spec.device_owner;
    port.device_id = spec.device_id;
    port.host = spec.host;
    port.created_at = auth::unix_now();
    if (!requested_mac.empty() && store::mac_in_use(tx, network.id, requested_mac))
      throw already_exists("MAC address", requested_mac + " (on network " + network.name + ")");
    port.mac_address = requested_mac.empty() ? fresh_mac(tx, network.id) : requested_mac;
    port.security_group_ids = resolve_groups(tx, caller, project_id, spec.security_groups);
    store::insert_port(tx, port);
    allocate_fixed_ips(tx, caller, port, spec.fixed_ips);
    store::set_port_security_groups(tx, port.id, port.security_group_ids);
    events::port_changed(tx, settings_.events_exchange, port);
    for (const auto& g : port.security_group_ids) events::security_group_changed(tx, settings_.events_exchange, g, project_id);
    return *store::find_port(tx, port.id, project_id);
  });
}

PortRow Networking::get_port(const Caller& caller, const std::string& port) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  return pool_.transact([&](pqxx::work& tx) { return require_port(tx, caller, port); });
}

std::vector<PortRow> Networking::list_ports(const Caller& caller, const PortQuery& query) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  std::string project_id =
      caller.acts_for_any_project() && query.project.empty() ? "" : acting_project(caller, query.project);
  return pool_.transact([&](pqxx::work& tx) {
    store::PortFilter filter{project_id, "", query.device_id, query.host};
    if (!query.network.empty()) filter.network_id = require_network(tx, caller, query.network).id;
    return store::list_ports(tx, filter);
  });
}

PortRow Networking::update_port(const Caller& caller, const std::string& ref, const PortChanges& changes) {
  check_port_texts(changes.name.value_or(""), changes.device_owner.value_or(""), changes.device_id.value_or(""),
                   changes.host.value_or(""));
  if (changes.host) auth::require_service(caller, "binding a port to a host");
  return pool_.transact([&](pqxx::work& tx) {
    auto port = require_port(tx, caller, ref);
    auth::authorize(caller, port.project_id, Access::Write);
    std::string previous_host = port.host;
    if (changes.name) port.name = *changes.name;
    if (changes.device_owner) port.device_owner = *changes.device_owner;
    if (changes.device_id) port.device_id = *changes.device_id;
    if (changes.host && *changes.host != port.host) {
      port.host = *changes.host;
      port.status = kStatusDown;  // until the new host's agent has wired it
    }
    store::update_port(tx, port);
    std::set<std::string> changed_groups;
    if (changes.security_groups) {
      auto groups = resolve_groups(tx, caller, port.project_id, changes.security_groups);
      changed_groups = groups_changed(port.security_group_ids, groups);
      store::set_port_security_groups(tx, port.id, groups);
    }
    events::port_changed(tx, settings_.events_exchange, port, previous_host);
    for (const auto& g : changed_groups) events::security_group_changed(tx, settings_.events_exchange, g, port.project_id);
    return *store::find_port(tx, port.id, port.project_id);
  });
}

void Networking::delete_port(const Caller& caller, const std::string& ref) {
  pool_.transact([&](pqxx::work& tx) {
    auto port = require_port(tx, caller, ref);
    auth::authorize(caller, port.project_id, Access::Write);
    for (auto fip : store::list_floating_ips(tx, "", port.id)) {
      FloatingIpRow before = fip;
      fip.port_id.clear();
      fip.fixed_ip_address.clear();
      store::update_floating_ip_association(tx, fip);
      events::floating_ip_changed(tx, settings_.events_exchange, fip, before);
    }
    // Membership goes with the port; tell the groups after it is gone so the affected
    // ports are computed without it, and the port's own agent by the port event.
    store::delete_port(tx, port.id);
    events::port_changed(tx, settings_.events_exchange, port);
    for (const auto& g : port.security_group_ids)
      events::security_group_changed(tx, settings_.events_exchange, g, port.project_id);
    logger_.info("port deleted", {{"port_id", port.id}});
  });
}

PortRow Networking::update_port_status(const Caller& caller, const std::string& port_id, const std::string& host,
                                       const std::string& status) {
  auth::require_agent_of(caller, host, "reporting a port's status");
  validate::uuid("port_id", port_id);
  if (status != kStatusActive && status != kStatusDown)
    throw invalid_argument("status must be ACTIVE or DOWN, got '" + status + "'");
  return pool_.transact([&](pqxx::work& tx) {
    auto found = store::find_port(tx, port_id, "");
    if (!found) throw not_found("port", port_id);
    auto port = *found;
    // An agent is told nothing about where a port of another host lives.
    if (port.host != host && !caller.acts_for_any_project()) throw not_found("port", port_id);
    if (port.host != host)
      throw failed_precondition("port " + port.id + " is bound to host '" + port.host + "', not '" + host + "'");
    if (port.status == status) return port;
    port.status = status;
    store::update_port(tx, port);
    events::port_changed(tx, settings_.events_exchange, port, port.host);
    logger_.info("port status", {{"port_id", port.id}, {"status", status}, {"host", host}});
    return port;
  });
}

}  // namespace stratus::network
