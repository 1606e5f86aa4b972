// Floating IPs: allocation from an external network's pools, association with a port of
// the same project (moving it when it was elsewhere), release.
#include "common/auth/token.h"
#include "common/error/error.h"
#include "common/validate/validate.h"
#include "services/network/domain/events.h"
#include "services/network/domain/networking.h"

namespace stratus::network {

using auth::Access;
using auth::Caller;

namespace {

// The only external network there is, for requests that name none.
NetworkRow the_external_network(pqxx::work& tx) {
  std::vector<NetworkRow> external;
  for (const auto& n : store::list_networks(tx, ""))
    if (n.external) external.push_back(n);
  if (external.empty()) throw failed_precondition("there is no external network to allocate floating IPs from");
  if (external.size() > 1) throw invalid_argument("there are several external networks: name the pool");
  return external[0];
}

}  // namespace

FloatingIpRow Networking::require_floating_ip(pqxx::work& tx, const Caller& caller, const std::string& raw_ref,
                                             bool for_update) {
  if (raw_ref.empty()) throw invalid_argument("name the floating IP (its id or address)");
  std::string ref = validate::reference("floating IP", raw_ref);
  auto fip = store::find_floating_ip(tx, ref, for_update);
  if (!fip || !auth::allowed(caller, fip->project_id, Access::Read)) throw not_found("floating IP", ref);
  return *fip;
}

FloatingIpRow Networking::create_floating_ip(const Caller& caller, const std::string& floating_network,
                                             const std::string& port, const std::string& fixed_ip_address) {
  std::string project_id = caller.project_id();
  auth::authorize(caller, project_id, Access::Write);
  return pool_.transact([&](pqxx::work& tx) {
    auto network = floating_network.empty() ? the_external_network(tx) : require_network(tx, caller, floating_network);
    if (!network.external) throw invalid_argument("network " + network.name + " is not external: it has no floating IPs");
    store::lock_project(tx, project_id);
    check_quota("floating IPs", limits_of(tx, project_id).floating_ips, store::usage(tx, project_id).floating_ips);
    FloatingIpRow fip;
    fip.id = auth::random_uuid();
    fip.project_id = project_id;
    fip.network_id = network.id;
    fip.mac_address = random_mac();
    fip.created_at = auth::unix_now();
    for (const auto& s : store::subnets_of_network(tx, network.id)) {
      store::lock_subnet(tx, s.id);
      if (auto free = next_free_address(s.pools, store::allocated_addresses(tx, s.id))) {
        fip.subnet_id = s.id;
        fip.address = format_ipv4(*free);
        break;
      }
    }
    if (fip.address.empty())
      throw resource_exhausted("no free floating IP left in pool " + network.name + " (external network " +
                               network.id + ")");
    store::insert_floating_ip(tx, fip);
    store::insert_floating_allocation(tx, fip.subnet_id, fip.address, fip.id);
    events::floating_ip_changed(tx, settings_.events_exchange, fip, fip);
    if (!port.empty()) fip = associate(tx, caller, fip, port, fixed_ip_address);
    logger_.info("floating IP allocated", {{"floating_ip_id", fip.id}, {"address", fip.address}});
    return fip;
  });
}

FloatingIpRow Networking::associate(pqxx::work& tx, const Caller& caller, FloatingIpRow fip, const std::string& ref,
                                    const std::string& fixed_ip_address) {
  auth::authorize(caller, fip.project_id, Access::Write);
  auto port = require_port(tx, caller, ref);
  if (port.project_id != fip.project_id) {
    // Only an admin gets this far with another project's port; a tenant got NOT_FOUND.
    throw failed_precondition("floating IP " + fip.address + " and port " + port.id +
                              " belong to different projects");
  }
  const FixedIpRow* target = nullptr;
  for (const auto& ip : port.fixed_ips)
    if (fixed_ip_address.empty() || ip.ip_address == fixed_ip_address) {
      target = &ip;
      break;
    }
  if (!target)
    throw invalid_argument(fixed_ip_address.empty() ? "port " + ref + " has no fixed IP to map the floating IP to"
                                                    : "port " + ref + " has no fixed IP " + fixed_ip_address);
  auto subnet = store::find_subnet(tx, target->subnet_id, "");
  auto network = store::find_network_by_id(tx, port.network_id);
  if (network->external) throw failed_precondition("port " + ref + " is on an external network itself");
  if (subnet->gateway_ip.empty())
    throw failed_precondition("subnet " + subnet->name + " of port " + ref +
                              " has no gateway, so its ports cannot reach the external network");
  FloatingIpRow before = fip;
  fip.port_id = port.id;
  fip.fixed_ip_address = target->ip_address;
  store::update_floating_ip_association(tx, fip);
  events::floating_ip_changed(tx, settings_.events_exchange, fip, before);
  return fip;
}

FloatingIpRow Networking::get_floating_ip(const Caller& caller, const std::string& ref) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  return pool_.transact([&](pqxx::work& tx) { return require_floating_ip(tx, caller, ref); });
}

std::vector<FloatingIpRow> Networking::list_floating_ips(const Caller& caller, const std::string& project,
                                                         const std::string& port) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  std::string project_id = caller.acts_for_any_project() && project.empty() ? "" : acting_project(caller, project);
  return pool_.transact([&](pqxx::work& tx) {
    std::string port_id = port.empty() ? "" : require_port(tx, caller, port).id;
    return store::list_floating_ips(tx, project_id, port_id);
  });
}

FloatingIpRow Networking::associate_floating_ip(const Caller& caller, const std::string& floating_ip,
                                                const std::string& port, const std::string& fixed_ip_address) {
  return pool_.transact([&](pqxx::work& tx) {
    return associate(tx, caller, require_floating_ip(tx, caller, floating_ip, true), port, fixed_ip_address);
  });
}

FloatingIpRow Networking::disassociate_floating_ip(const Caller& caller, const std::string& floating_ip) {
  return pool_.transact([&](pqxx::work& tx) {
    auto fip = require_floating_ip(tx, caller, floating_ip, true);
    auth::authorize(caller, fip.project_id, Access::Write);
    if (fip.port_id.empty()) return fip;
    FloatingIpRow before = fip;
    fip.port_id.clear();
    fip.fixed_ip_address.clear();
    store::update_floating_ip_association(tx, fip);
    events::floating_ip_changed(tx, settings_.events_exchange, fip, before);
    return fip;
  });
}

void Networking::delete_floating_ip(const Caller& caller, const std::string& floating_ip) {
  pool_.transact([&](pqxx::work& tx) {
    auto fip = require_floating_ip(tx, caller, floating_ip, true);
    auth::authorize(caller, fip.project_id, Access::Write);
    FloatingIpRow released = fip;
    released.port_id.clear();
    released.fixed_ip_address.clear();
    // The event names the port it was on, so that host's agent removes the NAT.
    events::floating_ip_changed(tx, settings_.events_exchange, released, fip);
    store::delete_floating_ip(tx, fip.id);
    logger_.info("floating IP released", {{"floating_ip_id", fip.id}, {"address", fip.address}});
  });
}

}  // namespace stratus::network
