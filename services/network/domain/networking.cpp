// Networks, subnets, quotas, and the helpers every use case shares. Ports, security
// groups, floating IPs and the agent's view are in the files of those names.
#include "services/network/domain/networking.h"

#include "common/auth/token.h"
#include "common/error/error.h"
#include "common/validate/validate.h"
#include "services/network/domain/events.h"
#include "services/network/domain/mac_address.h"

namespace stratus::network {

using auth::Access;
using auth::Caller;

Networking::Networking(db::Pool& pool, Settings settings, log::Logger logger)
    : pool_(pool), settings_(std::move(settings)), logger_(std::move(logger)), random_(std::random_device{}()) {}

// ---------------------------------------------------------------- shared helpers

std::string Networking::acting_project(const Caller& caller, const std::string& requested) const {
  if (requested.empty()) return caller.project_id();
  // Ids are case-insensitive UUIDs, kept lower-case: an upper-case id must name the same project.
  std::string project_id = validate::normalized_uuid("project", requested);
  if (project_id == caller.project_id()) return project_id;
  auth::require_service(caller, "acting on behalf of another project");
  return project_id;
}

QuotaLimits Networking::limits_of(pqxx::work& tx, const std::string& project_id) {
  return store::quota(tx, project_id, settings_.default_quota);
}

namespace {

bool sees_project(const Caller& caller, const std::string& project_id) {
  return auth::allowed(caller, project_id, Access::Read);
}

bool sees_network(const Caller& caller, const NetworkRow& n) {
  return n.shared || n.external || sees_project(caller, n.project_id);
}

}  // namespace

NetworkRow Networking::require_network(pqxx::work& tx, const Caller& caller, const std::string& raw_ref) {
  if (raw_ref.empty()) throw invalid_argument("name the network (its name or id)");
  std::string ref = validate::reference("network", raw_ref);
  auto network = validate::is_uuid(ref) ? store::find_network_by_id(tx, ref)
                                        : store::find_network_by_name(tx, ref, caller.project_id());
  if (!network || !sees_network(caller, *network)) throw not_found("network", ref);
  return *network;
}

SubnetRow Networking::require_subnet(pqxx::work& tx, const Caller& caller, const std::string& raw_ref) {
  if (raw_ref.empty()) throw invalid_argument("name the subnet (its name or id)");
  std::string ref = validate::reference("subnet", raw_ref);
  auto subnet = store::find_subnet(tx, ref, caller.project_id());
  if (!subnet) throw not_found("subnet", ref);
  if (!sees_project(caller, subnet->project_id)) {
    auto network = store::find_network_by_id(tx, subnet->network_id);
    if (!network || !sees_network(caller, *network)) throw not_found("subnet", ref);
  }
  return *subnet;
}

std::string Networking::random_mac() {
  std::lock_guard<std::mutex> lock(random_mutex_);
  return generated_mac(static_cast<uint32_t>(random_()));
}

std::string Networking::fresh_mac(pqxx::work& tx, const std::string& network_id) {
  // 2^24 MACs per network: a handful of tries finds a free one unless it is nearly full.
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::string mac = random_mac();
    if (!store::mac_in_use(tx, network_id, mac)) return mac;
  }
  throw resource_exhausted("could not find a free MAC address on network " + network_id);
}

// ---------------------------------------------------------------- networks

namespace {

NetworkView view_of(pqxx::work& tx, const NetworkRow& network) {
  NetworkView view{network, {}};
  for (const auto& s : store::subnets_of_network(tx, network.id)) view.subnet_ids.push_back(s.id);
  return view;
}

}  // namespace

NetworkView Networking::create_network(const Caller& caller, const NetworkSpec& spec) {
  std::string name = validate::normalized_name("network name", spec.name);
  if (spec.shared) auth::require_admin(caller, "a shared network");
  if (spec.external) auth::require_admin(caller, "an external network");
  // Every network is an overlay segment: its frames travel inside the tunnel, so the
  // configured default_mtu (underlay MTU minus the tunnel header) is also its ceiling.
  if (spec.mtu != 0 && (spec.mtu < kMinMtu || spec.mtu > settings_.default_mtu))
    throw invalid_argument("mtu must be between " + std::to_string(kMinMtu) + " and " +
                           std::to_string(settings_.default_mtu) + " (the overlay's ceiling), got " +
                           std::to_string(spec.mtu));
  std::string project_id = acting_project(caller, spec.project);
  auth::authorize(caller, project_id, Access::Write);
  return pool_.transact([&](pqxx::work& tx) {
    store::lock_project(tx, project_id);
    check_quota("networks", limits_of(tx, project_id).networks, store::usage(tx, project_id).networks);
    tx.exec("SELECT pg_advisory_xact_lock(hashtext('stratus.network.segmentation'))");
    auto segment = next_free_segment(settings_.segmentation, store::used_segmentation_ids(tx));
    if (!segment)
      throw resource_exhausted("no free segmentation id left in " + std::to_string(settings_.segmentation.first) +
                               "-" + std::to_string(settings_.segmentation.last));
    NetworkRow n{auth::random_uuid(), project_id, name, spec.shared, spec.external,
                 spec.mtu ? spec.mtu : settings_.default_mtu, *segment, auth::unix_now()};
    store::insert_network(tx, n);
    events::network_changed(tx, settings_.events_exchange, n);
    logger_.info("network created", {{"network_id", n.id}, {"project_id", project_id}});
    return NetworkView{n, {}};
  });
}

NetworkView Networking::get_network(const Caller& caller, const std::string& network) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  return pool_.transact([&](pqxx::work& tx) { return view_of(tx, require_network(tx, caller, network)); });
}

std::vector<NetworkView> Networking::list_networks(const Caller& caller, const std::string& project,
                                                   bool external_only) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  // Admins see every network unless they ask for one project's view.
  std::string filter = caller.acts_for_any_project() && project.empty() ? "" : acting_project(caller, project);
  return pool_.transact([&](pqxx::work& tx) {
    std::vector<NetworkView> out;
    for (const auto& n : store::list_networks(tx, filter))
      if (!external_only || n.external) out.push_back(view_of(tx, n));
    return out;
  });
}

NetworkView Networking::update_network(const Caller& caller, const std::string& network,
                                       const NetworkChanges& changes) {
  std::optional<std::string> name;
  if (changes.name) name = validate::normalized_name("network name", *changes.name);
  if (changes.shared) auth::require_admin(caller, "sharing or unsharing a network");
  return pool_.transact([&](pqxx::work& tx) {
    auto n = require_network(tx, caller, network);
    auth::authorize(caller, n.project_id, Access::Write);
    if (changes.shared && !*changes.shared && n.shared && store::has_foreign_ports(tx, n.id, n.project_id))
      throw failed_precondition("network " + n.name +
                                " has ports of other projects: they must go before it can be unshared");
    if (name) n.name = *name;
    if (changes.shared) n.shared = *changes.shared;
    store::update_network(tx, n);
    events::network_changed(tx, settings_.events_exchange, n);
    return view_of(tx, n);
  });
}

void Networking::delete_network(const Caller& caller, const std::string& network) {
  pool_.transact([&](pqxx::work& tx) {
    auto n = require_network(tx, caller, network);
    auth::authorize(caller, n.project_id, Access::Write);
    int ports = store::count_ports_on_network(tx, n.id);
    if (ports > 0)
      throw failed_precondition("network " + n.name + " still has " + std::to_string(ports) +
                                " port(s); delete them first");
    for (const auto& s : store::subnets_of_network(tx, n.id)) {
      if (!store::allocated_addresses(tx, s.id).empty())
        throw failed_precondition("network " + n.name + " still has floating IPs allocated from subnet " + s.name +
                                  "; release them first");
      store::delete_subnet(tx, s.id);
      events::subnet_changed(tx, settings_.events_exchange, s);
    }
    store::delete_network(tx, n.id);
    events::network_changed(tx, settings_.events_exchange, n);
    logger_.info("network deleted", {{"network_id", n.id}});
  });
}

// ---------------------------------------------------------------- subnets

SubnetRow Networking::create_subnet(const Caller& caller, const SubnetSpec& spec) {
  std::string name = validate::normalized_name("subnet name", spec.name);
  SubnetLayout layout = plan_subnet(spec.layout);
  return pool_.transact([&](pqxx::work& tx) {
    auto network = require_network(tx, caller, spec.network);
    auth::authorize(caller, network.project_id, Access::Write);
    for (const auto& other : store::subnets_of_network(tx, network.id))
      if (require_ipv4_cidr("cidr", other.cidr).overlaps(layout.cidr))
        throw invalid_argument("cidr " + layout.cidr.str() + " overlaps subnet " + other.name + " (" + other.cidr +
                               ") of network " + network.name);
    store::lock_project(tx, network.project_id);
    check_quota("subnets", limits_of(tx, network.project_id).subnets, store::usage(tx, network.project_id).subnets);
    SubnetRow s;
    s.id = auth::random_uuid();
    s.project_id = network.project_id;
    s.network_id = network.id;
    s.name = name;
    s.cidr = layout.cidr.str();
    s.gateway_ip = layout.gateway ? format_ipv4(*layout.gateway) : "";
    s.gateway_mac = fresh_mac(tx, network.id);  // never a port's MAC
    s.pools = layout.pools;
    s.dns_nameservers = layout.dns_nameservers;
    s.host_routes = layout.host_routes;
    s.created_at = auth::unix_now();
    store::insert_subnet(tx, s);
    events::subnet_changed(tx, settings_.events_exchange, s);
    events::network_changed(tx, settings_.events_exchange, network);
    return s;
  });
}

SubnetRow Networking::get_subnet(const Caller& caller, const std::string& subnet) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  return pool_.transact([&](pqxx::work& tx) { return require_subnet(tx, caller, subnet); });
}

std::vector<SubnetRow> Networking::list_subnets(const Caller& caller, const std::string& network) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  return pool_.transact([&](pqxx::work& tx) {
    if (!network.empty()) return store::subnets_of_network(tx, require_network(tx, caller, network).id);
    return store::list_subnets(tx, caller.acts_for_any_project() ? "" : caller.project_id());
  });
}

void Networking::delete_subnet(const Caller& caller, const std::string& subnet) {
  pool_.transact([&](pqxx::work& tx) {
    auto s = require_subnet(tx, caller, subnet);
    auth::authorize(caller, s.project_id, Access::Write);
    store::lock_subnet(tx, s.id);
    auto used = store::allocated_addresses(tx, s.id).size();
    if (used > 0)
      throw failed_precondition("subnet " + s.name + " still has " + std::to_string(used) +
                                " address(es) in use by ports or floating IPs");
    store::delete_subnet(tx, s.id);
    events::subnet_changed(tx, settings_.events_exchange, s);
  });
}

// ---------------------------------------------------------------- quotas

QuotaView Networking::get_quota(const Caller& caller, const std::string& project) {
  std::string project_id = acting_project(caller, project);
  auth::authorize(caller, project_id, Access::Read);
  return pool_.transact([&](pqxx::work& tx) {
    return QuotaView{project_id, limits_of(tx, project_id), store::usage(tx, project_id)};
  });
}

QuotaView Networking::set_quota(const Caller& caller, const std::string& project, const QuotaChanges& changes) {
  auth::require_admin(caller, "setting quotas");
  if (project.empty()) throw invalid_argument("name the project (its id) whose quota to set");
  // Lower-cased, so an upper-case id sets the real project's quota instead of an orphan row.
  // Whether the project exists is identity's to say; see docs/network.md.
  std::string project_id = validate::normalized_uuid("project", project);
  for (auto value : {changes.networks, changes.subnets, changes.ports, changes.security_groups,
                     changes.security_group_rules, changes.floating_ips})
    if (value && *value < -1) throw invalid_argument("a quota is a count, or -1 for unlimited");
  return pool_.transact([&](pqxx::work& tx) {
    QuotaLimits q = limits_of(tx, project_id);
    q.networks = changes.networks.value_or(q.networks);
    q.subnets = changes.subnets.value_or(q.subnets);
    q.ports = changes.ports.value_or(q.ports);
    q.security_groups = changes.security_groups.value_or(q.security_groups);
    q.security_group_rules = changes.security_group_rules.value_or(q.security_group_rules);
    q.floating_ips = changes.floating_ips.value_or(q.floating_ips);
    store::set_quota(tx, project_id, q);
    return QuotaView{project_id, q, store::usage(tx, project_id)};
  });
}

}  // namespace stratus::network
