#include "services/network/store/network_store.h"

#include <sstream>

#include "common/error/error.h"
#include "common/validate/validate.h"

namespace stratus::network {
namespace {

const char* const kEpoch = "extract(epoch from created_at)::bigint";

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator))
    if (!part.empty()) parts.push_back(part);
  return parts;
}

std::string join(const std::vector<std::string>& parts, char separator) {
  std::string text;
  for (const auto& p : parts) text += (text.empty() ? "" : std::string(1, separator)) + p;
  return text;
}

std::string encode_routes(const std::vector<HostRouteSpec>& routes) {
  std::vector<std::string> parts;
  for (const auto& r : routes) parts.push_back(r.destination + ">" + r.nexthop);
  return join(parts, ';');
}

std::vector<HostRouteSpec> decode_routes(const std::string& text) {
  std::vector<HostRouteSpec> routes;
  for (const auto& part : split(text, ';')) {
    auto arrow = part.find('>');
    routes.push_back({part.substr(0, arrow), part.substr(arrow + 1)});
  }
  return routes;
}

std::optional<int> optional_int(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<int>();
}

// pqxx 6 has no array parameters: lists travel as one comma-joined text.
std::string id_list(const std::vector<std::string>& ids) { return join(ids, ','); }

template <typename Write>
void insert_unique(const std::string& kind, const std::string& name, Write&& write) {
  try {
    write();
  } catch (const pqxx::unique_violation&) {
    throw already_exists(kind, name);
  }
}

// ---- row mapping ----
const std::string kNetworkColumns =
    std::string("id::text, project_id, name, shared, external, mtu, segmentation_id, ") + kEpoch;

NetworkRow network_from(const pqxx::row& r) {
  NetworkRow n;
  n.id = r[0].as<std::string>();
  n.project_id = r[1].as<std::string>();
  n.name = r[2].as<std::string>();
  n.shared = r[3].as<bool>();
  n.external = r[4].as<bool>();
  n.mtu = r[5].as<int>();
  n.segmentation_id = r[6].as<int>();
  n.created_at = r[7].as<int64_t>();
  return n;
}

const std::string kSubnetColumns =
    std::string("id::text, project_id, network_id::text, name, cidr, gateway_ip, gateway_mac, allocation_pools, "
                "dns_nameservers, host_routes, ") +
    kEpoch;

SubnetRow subnet_from(const pqxx::row& r) {
  SubnetRow s;
  s.id = r[0].as<std::string>();
  s.project_id = r[1].as<std::string>();
  s.network_id = r[2].as<std::string>();
  s.name = r[3].as<std::string>();
  s.cidr = r[4].as<std::string>();
  s.gateway_ip = r[5].as<std::string>();
  s.gateway_mac = r[6].as<std::string>();
  s.pools = decode_pools(r[7].as<std::string>());
  s.dns_nameservers = split(r[8].as<std::string>(), ',');
  s.host_routes = decode_routes(r[9].as<std::string>());
  s.created_at = r[10].as<int64_t>();
  return s;
}

const std::string kPortColumns =
    std::string("id::text, project_id, network_id::text, name, mac_address, device_owner, device_id, host, status, ") +
    kEpoch;

PortRow port_from(const pqxx::row& r) {
  PortRow p;
  p.id = r[0].as<std::string>();
  p.project_id = r[1].as<std::string>();
  p.network_id = r[2].as<std::string>();
  p.name = r[3].as<std::string>();
  p.mac_address = r[4].as<std::string>();
  p.device_owner = r[5].as<std::string>();
  p.device_id = r[6].as<std::string>();
  p.host = r[7].as<std::string>();
  p.status = r[8].as<std::string>();
  p.created_at = r[9].as<int64_t>();
  return p;
}

// Fills the addresses and groups of ports read by one of the queries above.
void load_port_details(pqxx::work& tx, std::vector<PortRow>& ports) {
  if (ports.empty()) return;
  std::vector<std::string> ids;
  for (const auto& p : ports) ids.push_back(p.id);
  auto find = [&](const std::string& id) -> PortRow& {
    for (auto& p : ports)
      if (p.id == id) return p;
    throw std::logic_error("port not loaded");
  };
  for (const auto& r : tx.exec_params("SELECT port_id::text, subnet_id::text, host(address) FROM ip_allocations "
                                      "WHERE port_id = ANY(string_to_array($1, ',')::uuid[]) ORDER BY address",
                                      id_list(ids)))
    find(r[0].as<std::string>()).fixed_ips.push_back({r[1].as<std::string>(), r[2].as<std::string>()});
  for (const auto& r : tx.exec_params("SELECT port_id::text, security_group_id::text FROM port_security_groups "
                                      "WHERE port_id = ANY(string_to_array($1, ',')::uuid[]) "
                                      "ORDER BY security_group_id",
                                      id_list(ids)))
    find(r[0].as<std::string>()).security_group_ids.push_back(r[1].as<std::string>());
}

const std::string kGroupColumns = std::string("id::text, project_id, name, description, ") + kEpoch;

SecurityGroupRow group_from(const pqxx::row& r) {
  return {r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>(),
          r[4].as<int64_t>()};
}

const std::string kRuleColumns =
    std::string("id::text, security_group_id::text, project_id, description, direction, ethertype, protocol, "
                "ip_protocol, port_range_min, port_range_max, icmp_type, icmp_code, remote_ip_prefix, "
                "coalesce(remote_group_id::text, ''), ") +
    kEpoch;

RuleRow rule_from(const pqxx::row& r) {
  RuleRow row;
  row.id = r[0].as<std::string>();
  row.security_group_id = r[1].as<std::string>();
  row.project_id = r[2].as<std::string>();
  row.description = r[3].as<std::string>();
  row.rule.direction = r[4].as<std::string>();
  row.rule.ethertype = r[5].as<std::string>();
  row.rule.protocol = r[6].as<std::string>();
  row.rule.ip_protocol = r[7].as<int>();
  row.rule.port_range_min = optional_int(r[8]);
  row.rule.port_range_max = optional_int(r[9]);
  row.rule.icmp_type = optional_int(r[10]);
  row.rule.icmp_code = optional_int(r[11]);
  row.rule.remote_ip_prefix = r[12].as<std::string>();
  row.rule.remote_group_id = r[13].as<std::string>();
  row.created_at = r[14].as<int64_t>();
  return row;
}

const std::string kFloatingColumns =
    std::string("id::text, project_id, network_id::text, subnet_id::text, host(address), mac_address, "
                "coalesce(port_id::text, ''), fixed_ip_address, ") +
    kEpoch;

FloatingIpRow floating_from(const pqxx::row& r) {
  FloatingIpRow f;
  f.id = r[0].as<std::string>();
  f.project_id = r[1].as<std::string>();
  f.network_id = r[2].as<std::string>();
  f.subnet_id = r[3].as<std::string>();
  f.address = r[4].as<std::string>();
  f.mac_address = r[5].as<std::string>();
  f.port_id = r[6].as<std::string>();
  f.fixed_ip_address = r[7].as<std::string>();
  f.created_at = r[8].as<int64_t>();
  return f;
}

// A nullable integer parameter as text ("" -> NULL through NULLIF in the SQL).
std::string nullable(std::optional<int> value) { return value ? std::to_string(*value) : ""; }

}  // namespace

SubnetLayout SubnetRow::layout() const {
  SubnetLayout l;
  l.cidr = require_ipv4_cidr("cidr", cidr);
  if (!gateway_ip.empty()) l.gateway = require_ipv4("gateway_ip", gateway_ip);
  l.pools = pools;
  l.dns_nameservers = dns_nameservers;
  l.host_routes = host_routes;
  return l;
}

namespace store {

// ---- quotas ----
void lock_project(pqxx::work& tx, const std::string& project_id) {
  tx.exec_params("SELECT pg_advisory_xact_lock(hashtext('stratus.network.project:' || $1))", project_id);
}

QuotaLimits usage(pqxx::work& tx, const std::string& project_id) {
  auto r = tx.exec_params(
      "SELECT (SELECT count(*) FROM networks WHERE project_id = $1), "
      "(SELECT count(*) FROM subnets WHERE project_id = $1), "
      "(SELECT count(*) FROM ports WHERE project_id = $1), "
      "(SELECT count(*) FROM security_groups WHERE project_id = $1), "
      "(SELECT count(*) FROM security_group_rules WHERE project_id = $1), "
      "(SELECT count(*) FROM floating_ips WHERE project_id = $1)",
      project_id)[0];
  return {r[0].as<int>(), r[1].as<int>(), r[2].as<int>(), r[3].as<int>(), r[4].as<int>(), r[5].as<int>()};
}

QuotaLimits quota(pqxx::work& tx, const std::string& project_id, const QuotaLimits& defaults) {
  auto rows = tx.exec_params(
      "SELECT networks, subnets, ports, security_groups, security_group_rules, floating_ips FROM quotas "
      "WHERE project_id = $1",
      project_id);
  QuotaLimits q = defaults;
  if (rows.empty()) return q;
  const auto& r = rows[0];
  q.networks = optional_int(r[0]).value_or(q.networks);
  q.subnets = optional_int(r[1]).value_or(q.subnets);
  q.ports = optional_int(r[2]).value_or(q.ports);
  q.security_groups = optional_int(r[3]).value_or(q.security_groups);
  q.security_group_rules = optional_int(r[4]).value_or(q.security_group_rules);
  q.floating_ips = optional_int(r[5]).value_or(q.floating_ips);
  return q;
}

void set_quota(pqxx::work& tx, const std::string& project_id, const QuotaLimits& q) {
  tx.exec_params(
      "INSERT INTO quotas (project_id, networks, subnets, ports, security_groups, security_group_rules, floating_ips) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (project_id) DO UPDATE SET networks = $2, subnets = $3, "
      "ports = $4, security_groups = $5, security_group_rules = $6, floating_ips = $7",
      project_id, q.networks, q.subnets, q.ports, q.security_groups, q.security_group_rules, q.floating_ips);
}

// ---- networks ----
void insert_network(pqxx::work& tx, const NetworkRow& n) {
  insert_unique("network", n.name, [&] {
    tx.exec_params("INSERT INTO networks (id, project_id, name, shared, external, mtu, segmentation_id) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                   n.id, n.project_id, n.name, n.shared, n.external, n.mtu, n.segmentation_id);
  });
}

std::optional<NetworkRow> find_network_by_id(pqxx::work& tx, const std::string& id) {
  if (!validate::is_uuid(id)) return std::nullopt;
  auto rows = tx.exec_params("SELECT " + kNetworkColumns + " FROM networks WHERE id = $1::uuid", id);
  if (rows.empty()) return std::nullopt;
  return network_from(rows[0]);
}

std::optional<NetworkRow> find_network_by_name(pqxx::work& tx, const std::string& name,
                                               const std::string& project_id) {
  auto rows = tx.exec_params("SELECT " + kNetworkColumns +
                                 " FROM networks WHERE name = $1 AND (project_id = $2 OR shared OR external) "
                                 "ORDER BY (project_id = $2) DESC, created_at LIMIT 1",
                             name, project_id);
  if (rows.empty()) return std::nullopt;
  return network_from(rows[0]);
}

std::vector<NetworkRow> list_networks(pqxx::work& tx, const std::string& project_id) {
  std::vector<NetworkRow> out;
  auto rows = project_id.empty()
                  ? tx.exec("SELECT " + kNetworkColumns + " FROM networks ORDER BY name, id")
                  : tx.exec_params("SELECT " + kNetworkColumns +
                                       " FROM networks WHERE project_id = $1 OR shared OR external ORDER BY name, id",
                                   project_id);
  for (const auto& r : rows) out.push_back(network_from(r));
  return out;
}

std::set<int> used_segmentation_ids(pqxx::work& tx) {
  std::set<int> used;
  for (const auto& r : tx.exec("SELECT segmentation_id FROM networks")) used.insert(r[0].as<int>());
  return used;
}

void update_network(pqxx::work& tx, const NetworkRow& n) {
  insert_unique("network", n.name, [&] {
    tx.exec_params("UPDATE networks SET name = $2, shared = $3 WHERE id = $1::uuid", n.id, n.name, n.shared);
  });
}

void delete_network(pqxx::work& tx, const std::string& id) {
  tx.exec_params("DELETE FROM networks WHERE id = $1::uuid", id);
}

int count_ports_on_network(pqxx::work& tx, const std::string& network_id) {
  return tx.exec_params("SELECT count(*) FROM ports WHERE network_id = $1::uuid", network_id)[0][0].as<int>();
}

// ---- subnets ----
void insert_subnet(pqxx::work& tx, const SubnetRow& s) {
  insert_unique("subnet", s.name, [&] {
    tx.exec_params(
        "INSERT INTO subnets (id, project_id, network_id, name, cidr, gateway_ip, gateway_mac, allocation_pools, "
        "dns_nameservers, host_routes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        s.id, s.project_id, s.network_id, s.name, s.cidr, s.gateway_ip, s.gateway_mac, encode_pools(s.pools),
        join(s.dns_nameservers, ','), encode_routes(s.host_routes));
  });
}

std::optional<SubnetRow> find_subnet(pqxx::work& tx, const std::string& id_or_name, const std::string& project_id) {
  auto rows = validate::is_uuid(id_or_name)
                  ? tx.exec_params("SELECT " + kSubnetColumns + " FROM subnets WHERE id = $1::uuid", id_or_name)
                  : tx.exec_params("SELECT " + kSubnetColumns + " FROM subnets WHERE name = $1 AND project_id = $2",
                                   id_or_name, project_id);
  if (rows.empty()) return std::nullopt;
  return subnet_from(rows[0]);
}

std::vector<SubnetRow> subnets_of_network(pqxx::work& tx, const std::string& network_id) {
  std::vector<SubnetRow> out;
  for (const auto& r : tx.exec_params(
           "SELECT " + kSubnetColumns + " FROM subnets WHERE network_id = $1::uuid ORDER BY created_at, id", network_id))
    out.push_back(subnet_from(r));
  return out;
}

std::vector<SubnetRow> list_subnets(pqxx::work& tx, const std::string& project_id) {
  std::vector<SubnetRow> out;
  auto rows = project_id.empty()
                  ? tx.exec("SELECT " + kSubnetColumns + " FROM subnets ORDER BY name, id")
                  : tx.exec_params("SELECT " + kSubnetColumns +
                                       " FROM subnets s WHERE project_id = $1 OR EXISTS (SELECT 1 FROM networks n "
                                       "WHERE n.id = s.network_id AND (n.shared OR n.external)) ORDER BY name, id",
                                   project_id);
  for (const auto& r : rows) out.push_back(subnet_from(r));
  return out;
}

void delete_subnet(pqxx::work& tx, const std::string& id) {
  tx.exec_params("DELETE FROM subnets WHERE id = $1::uuid", id);
}

void lock_subnet(pqxx::work& tx, const std::string& subnet_id) {
  tx.exec_params("SELECT 1 FROM subnets WHERE id = $1::uuid FOR UPDATE", subnet_id);
}

std::set<Ipv4> allocated_addresses(pqxx::work& tx, const std::string& subnet_id) {
  std::set<Ipv4> used;
  for (const auto& r : tx.exec_params("SELECT host(address) FROM ip_allocations WHERE subnet_id = $1::uuid", subnet_id))
    if (auto a = parse_ipv4(r[0].as<std::string>())) used.insert(*a);
  return used;
}

void insert_port_allocation(pqxx::work& tx, const std::string& subnet_id, const std::string& address,
                            const std::string& port_id) {
  insert_unique("IP address", address, [&] {
    tx.exec_params("INSERT INTO ip_allocations (subnet_id, address, port_id) VALUES ($1, $2::inet, $3)", subnet_id,
                   address, port_id);
  });
}

void insert_floating_allocation(pqxx::work& tx, const std::string& subnet_id, const std::string& address,
                                const std::string& floating_ip_id) {
  insert_unique("IP address", address, [&] {
    tx.exec_params("INSERT INTO ip_allocations (subnet_id, address, floating_ip_id) VALUES ($1, $2::inet, $3)",
                   subnet_id, address, floating_ip_id);
  });
}

// ---- ports ----
void insert_port(pqxx::work& tx, const PortRow& p) {
  insert_unique("port", p.name, [&] {
    tx.exec_params("INSERT INTO ports (id, project_id, network_id, name, mac_address, device_owner, device_id, host, "
                   "status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                   p.id, p.project_id, p.network_id, p.name, p.mac_address, p.device_owner, p.device_id, p.host,
                   p.status);
  });
}

std::optional<PortRow> find_port(pqxx::work& tx, const std::string& id_or_name, const std::string& project_id) {
  auto rows = validate::is_uuid(id_or_name)
                  ? tx.exec_params("SELECT " + kPortColumns + " FROM ports WHERE id = $1::uuid", id_or_name)
                  : tx.exec_params("SELECT " + kPortColumns + " FROM ports WHERE name = $1 AND project_id = $2",
                                   id_or_name, project_id);
  if (rows.empty()) return std::nullopt;
  std::vector<PortRow> ports{port_from(rows[0])};
  load_port_details(tx, ports);
  return ports[0];
}

std::vector<PortRow> list_ports(pqxx::work& tx, const PortFilter& f) {
  std::vector<PortRow> out;
  for (const auto& r : tx.exec_params("SELECT " + kPortColumns +
                                          " FROM ports WHERE ($1 = '' OR project_id = $1) AND "
                                          "($2 = '' OR network_id::text = $2) AND ($3 = '' OR device_id = $3) AND "
                                          "($4 = '' OR host = $4) ORDER BY created_at, id",
                                      f.project_id, f.network_id, f.device_id, f.host))
    out.push_back(port_from(r));
  load_port_details(tx, out);
  return out;
}

void update_port(pqxx::work& tx, const PortRow& p) {
  insert_unique("port", p.name, [&] {
    tx.exec_params("UPDATE ports SET name = $2, device_owner = $3, device_id = $4, host = $5, status = $6 "
                   "WHERE id = $1::uuid",
                   p.id, p.name, p.device_owner, p.device_id, p.host, p.status);
  });
}

void set_port_security_groups(pqxx::work& tx, const std::string& port_id, const std::vector<std::string>& groups) {
  tx.exec_params("DELETE FROM port_security_groups WHERE port_id = $1::uuid", port_id);
  for (const auto& g : groups)
    tx.exec_params("INSERT INTO port_security_groups (port_id, security_group_id) VALUES ($1, $2) "
                   "ON CONFLICT DO NOTHING",
                   port_id, g);
}

void delete_port(pqxx::work& tx, const std::string& id) { tx.exec_params("DELETE FROM ports WHERE id = $1::uuid", id); }

bool mac_in_use(pqxx::work& tx, const std::string& network_id, const std::string& mac) {
  // A subnet's gateway MAC counts: a port holding it would receive the network's routed traffic.
  return !tx.exec_params(
                "SELECT 1 FROM ports WHERE network_id = $1::uuid AND mac_address = $2 "
                "UNION ALL SELECT 1 FROM subnets WHERE network_id = $1::uuid AND gateway_mac = $2 LIMIT 1",
                network_id, mac)
              .empty();
}

bool has_foreign_ports(pqxx::work& tx, const std::string& network_id, const std::string& owner_project_id) {
  tx.exec_params("SELECT 1 FROM networks WHERE id = $1::uuid FOR UPDATE", network_id);
  return !tx.exec_params("SELECT 1 FROM ports WHERE network_id = $1::uuid AND project_id <> $2 LIMIT 1", network_id,
                         owner_project_id)
              .empty();
}

// ---- security groups ----
void insert_security_group(pqxx::work& tx, const SecurityGroupRow& g) {
  insert_unique("security group", g.name, [&] {
    tx.exec_params("INSERT INTO security_groups (id, project_id, name, description) VALUES ($1, $2, $3, $4)", g.id,
                   g.project_id, g.name, g.description);
  });
}

bool insert_default_group_if_absent(pqxx::work& tx, const SecurityGroupRow& g) {
  return !tx.exec_params("INSERT INTO security_groups (id, project_id, name, description) VALUES ($1, $2, $3, $4) "
                         "ON CONFLICT (project_id, name) DO NOTHING RETURNING id",
                         g.id, g.project_id, g.name, g.description)
              .empty();
}

std::optional<SecurityGroupRow> find_security_group(pqxx::work& tx, const std::string& id_or_name,
                                                    const std::string& project_id) {
  auto rows =
      validate::is_uuid(id_or_name)
          ? tx.exec_params("SELECT " + kGroupColumns + " FROM security_groups WHERE id = $1::uuid", id_or_name)
          : tx.exec_params("SELECT " + kGroupColumns + " FROM security_groups WHERE name = $1 AND project_id = $2",
                           id_or_name, project_id);
  if (rows.empty()) return std::nullopt;
  return group_from(rows[0]);
}

std::vector<SecurityGroupRow> list_security_groups(pqxx::work& tx, const std::string& project_id) {
  std::vector<SecurityGroupRow> out;
  for (const auto& r : tx.exec_params(
           "SELECT " + kGroupColumns + " FROM security_groups WHERE $1 = '' OR project_id = $1 ORDER BY name, id",
           project_id))
    out.push_back(group_from(r));
  return out;
}

void update_security_group(pqxx::work& tx, const SecurityGroupRow& g) {
  insert_unique("security group", g.name, [&] {
    tx.exec_params("UPDATE security_groups SET name = $2, description = $3 WHERE id = $1::uuid", g.id, g.name,
                   g.description);
  });
}

void delete_security_group(pqxx::work& tx, const std::string& id) {
  tx.exec_params("DELETE FROM security_groups WHERE id = $1::uuid", id);
}

int count_ports_in_group(pqxx::work& tx, const std::string& group_id) {
  return tx.exec_params("SELECT count(*) FROM port_security_groups WHERE security_group_id = $1::uuid", group_id)[0][0]
      .as<int>();
}

int count_rules_naming_remote_group(pqxx::work& tx, const std::string& group_id) {
  return tx.exec_params("SELECT count(*) FROM security_group_rules WHERE remote_group_id = $1::uuid "
                        "AND security_group_id <> $1::uuid",
                        group_id)[0][0]
      .as<int>();
}

void insert_rule(pqxx::work& tx, const RuleRow& row) {
  const Rule& r = row.rule;
  tx.exec_params(
      "INSERT INTO security_group_rules (id, security_group_id, project_id, description, direction, ethertype, "
      "protocol, ip_protocol, port_range_min, port_range_max, icmp_type, icmp_code, remote_ip_prefix, "
      "remote_group_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULLIF($9, '')::integer, NULLIF($10, '')::integer, "
      "NULLIF($11, '')::integer, NULLIF($12, '')::integer, $13, NULLIF($14, '')::uuid)",
      row.id, row.security_group_id, row.project_id, row.description, r.direction, r.ethertype, r.protocol,
      r.ip_protocol, nullable(r.port_range_min), nullable(r.port_range_max), nullable(r.icmp_type),
      nullable(r.icmp_code), r.remote_ip_prefix, r.remote_group_id);
}

std::optional<RuleRow> find_rule(pqxx::work& tx, const std::string& id) {
  if (!validate::is_uuid(id)) return std::nullopt;
  auto rows = tx.exec_params("SELECT " + kRuleColumns + " FROM security_group_rules WHERE id = $1::uuid", id);
  if (rows.empty()) return std::nullopt;
  return rule_from(rows[0]);
}

std::vector<RuleRow> rules_of_groups(pqxx::work& tx, const std::vector<std::string>& group_ids) {
  std::vector<RuleRow> out;
  if (group_ids.empty()) return out;
  for (const auto& r : tx.exec_params("SELECT " + kRuleColumns +
                                          " FROM security_group_rules WHERE security_group_id = "
                                          "ANY(string_to_array($1, ',')::uuid[]) ORDER BY created_at, id",
                                      id_list(group_ids)))
    out.push_back(rule_from(r));
  return out;
}

void delete_rule(pqxx::work& tx, const std::string& id) {
  tx.exec_params("DELETE FROM security_group_rules WHERE id = $1::uuid", id);
}

std::vector<MemberRow> members_of_group(pqxx::work& tx, const std::string& group_id, const std::string& network_id) {
  std::vector<MemberRow> out;
  for (const auto& r : tx.exec_params(
           "SELECT p.id::text, p.mac_address, p.host, coalesce(string_agg(host(a.address), ',' ORDER BY a.address), '') "
           "FROM ports p JOIN port_security_groups g ON g.port_id = p.id "
           "LEFT JOIN ip_allocations a ON a.port_id = p.id "
           "WHERE g.security_group_id = $1::uuid AND ($2 = '' OR p.network_id = nullif($2, '')::uuid) "
           "GROUP BY p.id ORDER BY p.id",
           group_id, network_id))
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                   split(r[3].as<std::string>(), ',')});
  return out;
}

std::vector<PortHost> ports_affected_by_group(pqxx::work& tx, const std::string& group_id) {
  std::vector<PortHost> out;
  for (const auto& r : tx.exec_params(
           "SELECT DISTINCT p.id::text, p.host FROM ports p JOIN port_security_groups g ON g.port_id = p.id "
           "WHERE g.security_group_id = $1::uuid OR g.security_group_id IN "
           "(SELECT security_group_id FROM security_group_rules WHERE remote_group_id = $1::uuid) ORDER BY 1",
           group_id))
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>()});
  return out;
}

// ---- floating IPs ----
void insert_floating_ip(pqxx::work& tx, const FloatingIpRow& f) {
  tx.exec_params("INSERT INTO floating_ips (id, project_id, network_id, subnet_id, address, mac_address) "
                 "VALUES ($1, $2, $3, $4, $5::inet, $6)",
                 f.id, f.project_id, f.network_id, f.subnet_id, f.address, f.mac_address);
}

std::optional<FloatingIpRow> find_floating_ip(pqxx::work& tx, const std::string& id_or_address, bool for_update) {
  pqxx::result rows;
  std::string lock = for_update ? " FOR UPDATE" : "";
  if (validate::is_uuid(id_or_address))
    rows = tx.exec_params("SELECT " + kFloatingColumns + " FROM floating_ips WHERE id = $1::uuid" + lock, id_or_address);
  else if (parse_ipv4(id_or_address))
    rows = tx.exec_params("SELECT " + kFloatingColumns + " FROM floating_ips WHERE address = $1::inet" + lock,
                          id_or_address);
  if (rows.empty()) return std::nullopt;
  return floating_from(rows[0]);
}

std::vector<FloatingIpRow> list_floating_ips(pqxx::work& tx, const std::string& project_id,
                                             const std::string& port_id) {
  std::vector<FloatingIpRow> out;
  for (const auto& r : tx.exec_params("SELECT " + kFloatingColumns +
                                          " FROM floating_ips WHERE ($1 = '' OR project_id = $1) AND "
                                          "($2 = '' OR port_id::text = $2) ORDER BY address",
                                      project_id, port_id))
    out.push_back(floating_from(r));
  return out;
}

void update_floating_ip_association(pqxx::work& tx, const FloatingIpRow& f) {
  insert_unique("floating IP for address", f.fixed_ip_address, [&] {
    tx.exec_params("UPDATE floating_ips SET port_id = NULLIF($2, '')::uuid, fixed_ip_address = $3 WHERE id = $1::uuid",
                   f.id, f.port_id, f.fixed_ip_address);
  });
}

void delete_floating_ip(pqxx::work& tx, const std::string& id) {
  tx.exec_params("DELETE FROM floating_ips WHERE id = $1::uuid", id);
}

}  // namespace store
}  // namespace stratus::network
