#include "services/compute/store/compute_store.h"

#include <nlohmann/json.hpp>

#include "common/error/error.h"
#include "common/validate/validate.h"

namespace stratus::compute::store {

using nlohmann::json;

namespace {

int64_t epoch_of(const pqxx::field& f) { return f.is_null() ? 0 : f.as<int64_t>(); }
std::optional<int64_t> optional_epoch(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<int64_t>();
}
std::string bytes_of(const pqxx::field& f) {
  pqxx::binarystring b(f);
  return b.str();
}
// Seconds since the epoch, as the rows carry times.
std::string epoch(const std::string& column) { return "extract(epoch from " + column + ")::bigint"; }

// Unique violations become ALREADY_EXISTS naming the resource.
template <typename Body>
void unique_or(const std::string& kind, const std::string& name, Body&& body) {
  try {
    body();
  } catch (const pqxx::unique_violation&) {
    throw already_exists(kind, name);
  }
}

bool is_uuid(const std::string& s) { return validate::is_uuid(s); }

// ---------------------------------------------------------------- flavors

const std::string kFlavorColumns =
    "id::text, name, vcpus, ram_mib, disk_gib, ephemeral_gib, swap_mib, is_public, description, " +
    epoch("created_at");

FlavorRow flavor_from(const pqxx::row& r) {
  FlavorRow f;
  f.id = r[0].as<std::string>();
  f.name = r[1].as<std::string>();
  f.vcpus = r[2].as<int>();
  f.ram_mib = r[3].as<int>();
  f.disk_gib = r[4].as<int>();
  f.ephemeral_gib = r[5].as<int>();
  f.swap_mib = r[6].as<int>();
  f.is_public = r[7].as<bool>();
  f.description = r[8].as<std::string>();
  f.created_at = epoch_of(r[9]);
  return f;
}

void load_access(pqxx::work& tx, FlavorRow& f) {
  f.access_project_ids.clear();
  for (const auto& r : tx.exec_params("SELECT project_id FROM flavor_access WHERE flavor_id = $1::uuid ORDER BY 1",
                                      f.id))
    f.access_project_ids.push_back(r[0].as<std::string>());
}

// ---------------------------------------------------------------- key pairs

const std::string kKeyColumns =
    "id::text, user_id, project_id, name, type, public_key, fingerprint_md5, fingerprint_sha256, bits, request_id, " +
    epoch("created_at");

KeyPairRow key_from(const pqxx::row& r) {
  KeyPairRow k;
  k.id = r[0].as<std::string>();
  k.user_id = r[1].as<std::string>();
  k.project_id = r[2].as<std::string>();
  k.name = r[3].as<std::string>();
  k.type = r[4].as<std::string>();
  k.public_key = r[5].as<std::string>();
  k.fingerprint_md5 = r[6].as<std::string>();
  k.fingerprint_sha256 = r[7].as<std::string>();
  k.bits = r[8].as<int>();
  k.request_id = r[9].as<std::string>();
  k.created_at = epoch_of(r[10]);
  return k;
}

// ---------------------------------------------------------------- server groups

const std::string kGroupColumns = "id::text, project_id, user_id, name, policy, request_id, " + epoch("created_at");

ServerGroupRow group_from(pqxx::work& tx, const pqxx::row& r) {
  ServerGroupRow g;
  g.id = r[0].as<std::string>();
  g.project_id = r[1].as<std::string>();
  g.user_id = r[2].as<std::string>();
  g.name = r[3].as<std::string>();
  g.policy = r[4].as<std::string>();
  g.request_id = r[5].as<std::string>();
  g.created_at = epoch_of(r[6]);
  g.member_ids = group_members(tx, g.id);
  return g;
}

// ---------------------------------------------------------------- hosts

const std::string kHostColumns =
    "h.name, h.availability_zone, h.hypervisor_type, h.architecture, h.agent_version, h.vcpus, h.ram_mib, "
    "h.disk_gib, h.enabled, h.disabled_reason, " +
    epoch("h.last_heartbeat_at") + ", " + epoch("h.created_at");

HostRow host_from(const pqxx::row& r) {
  HostRow h;
  h.name = r[0].as<std::string>();
  h.availability_zone = r[1].as<std::string>();
  h.hypervisor_type = r[2].as<std::string>();
  h.architecture = r[3].as<std::string>();
  h.agent_version = r[4].as<std::string>();
  h.vcpus = r[5].as<int>();
  h.ram_mib = r[6].as<int64_t>();
  h.disk_gib = r[7].as<int64_t>();
  h.enabled = r[8].as<bool>();
  h.disabled_reason = r[9].as<std::string>();
  h.last_heartbeat_at = epoch_of(r[10]);
  h.created_at = epoch_of(r[11]);
  return h;
}

// The claims summed per host; for one host only that host's claims (index claims_host), so
// showing a server costs the same in a cloud of ten instances and of ten thousand.
void load_usage(pqxx::work& tx, std::vector<HostRow>& hosts) {
  std::map<std::string, HostRow*> by_name;
  for (auto& h : hosts) by_name[h.name] = &h;
  const std::string sums = "SELECT host, sum(vcpus)::bigint, sum(ram_mib)::bigint, sum(disk_gib)::bigint, "
                           "count(*)::bigint FROM claims ";
  const pqxx::result rows = hosts.size() == 1 ? tx.exec_params(sums + "WHERE host = $1 GROUP BY host", hosts[0].name)
                                              : tx.exec(sums + "GROUP BY host");
  for (const auto& r : rows) {
    auto it = by_name.find(r[0].as<std::string>());
    if (it == by_name.end()) continue;
    it->second->vcpus_used = static_cast<int>(r[1].as<int64_t>());
    it->second->ram_mib_used = r[2].as<int64_t>();
    it->second->disk_gib_used = r[3].as<int64_t>();
    it->second->instances = static_cast<int>(r[4].as<int64_t>());
  }
}

// ---------------------------------------------------------------- instances

const std::string kInstanceColumns =
    "id::text, project_id, user_id, name, hostname, vm_state, task_state, power_state, host, availability_zone, "
    "flavor_id, flavor_name, vcpus, ram_mib, disk_gib, ephemeral_gib, swap_mib, image_id, image_json, key_name, "
    "public_key, has_user_data, user_data, metadata_json, security_groups_json, nics_json, server_group_id, "
    "reservation_id, request_id, desired_power, reboot_generation, reboot_hard, spawned, cleanup, agent_cleaned, " +
    epoch("spawn_started_at") + ", snapshot_image_id, snapshot_generation, fault_message, fault_code, " +
    epoch("fault_at") + ", " + epoch("created_at") + ", " + epoch("updated_at") + ", " + epoch("launched_at") + ", " +
    epoch("deleted_at");

InstanceRow instance_from(const pqxx::row& r) {
  InstanceRow i;
  int c = 0;
  i.id = r[c++].as<std::string>();
  i.project_id = r[c++].as<std::string>();
  i.user_id = r[c++].as<std::string>();
  i.name = r[c++].as<std::string>();
  i.hostname = r[c++].as<std::string>();
  i.status.vm = vm_state_from_string(r[c++].as<std::string>()).value_or(VmState::Error);
  i.status.task = task_state_from_string(r[c++].as<std::string>()).value_or(TaskState::None);
  i.power_state = power_state_from_string(r[c++].as<std::string>()).value_or(PowerState::NoState);
  i.host = r[c++].as<std::string>();
  i.availability_zone = r[c++].as<std::string>();
  i.flavor_id = r[c++].as<std::string>();
  i.flavor_name = r[c++].as<std::string>();
  i.vcpus = r[c++].as<int>();
  i.ram_mib = r[c++].as<int>();
  i.disk_gib = r[c++].as<int>();
  i.ephemeral_gib = r[c++].as<int>();
  i.swap_mib = r[c++].as<int>();
  i.image_id = r[c++].as<std::string>();
  i.image_json = r[c++].as<std::string>();
  i.key_name = r[c++].as<std::string>();
  i.public_key = r[c++].as<std::string>();
  i.has_user_data = r[c++].as<bool>();
  i.user_data = bytes_of(r[c++]);
  i.metadata = json::parse(r[c++].as<std::string>()).get<std::map<std::string, std::string>>();
  const json groups = json::parse(r[c++].as<std::string>());
  for (size_t g = 0; g < groups.size(); ++g)
    i.security_groups.push_back({groups[g].at("id").get<std::string>(), groups[g].at("name").get<std::string>()});
  const json nics = json::parse(r[c++].as<std::string>());
  for (size_t n = 0; n < nics.size(); ++n)
    i.nics.push_back({nics[n].value("network_id", ""), nics[n].value("port_id", ""), nics[n].value("fixed_ip", "")});
  i.server_group_id = r[c++].as<std::string>();
  i.reservation_id = r[c++].as<std::string>();
  i.request_id = r[c++].as<std::string>();
  i.desired_power = r[c++].as<std::string>();
  i.reboot_generation = r[c++].as<int64_t>();
  i.reboot_hard = r[c++].as<bool>();
  i.spawned = r[c++].as<bool>();
  i.cleanup = r[c++].as<bool>();
  i.agent_cleaned = r[c++].as<bool>();
  i.spawn_started_at = optional_epoch(r[c++]);
  i.snapshot_image_id = r[c++].as<std::string>();
  i.snapshot_generation = r[c++].as<int64_t>();
  i.fault_message = r[c++].as<std::string>();
  i.fault_code = r[c++].as<int>();
  i.fault_at = optional_epoch(r[c++]);
  i.created_at = epoch_of(r[c++]);
  i.updated_at = epoch_of(r[c++]);
  i.launched_at = optional_epoch(r[c++]);
  i.deleted_at = optional_epoch(r[c++]);
  return i;
}

std::string metadata_json(const std::map<std::string, std::string>& m) { return json(m).dump(); }
std::string groups_json(const std::vector<SecurityGroupRef>& groups) {
  json a = json::array();
  for (const auto& g : groups) a.push_back({{"id", g.id}, {"name", g.name}});
  return a.dump();
}
std::string nics_json(const std::vector<NicRequest>& nics) {
  json a = json::array();
  for (const auto& n : nics) a.push_back({{"network_id", n.network_id}, {"port_id", n.port_id}, {"fixed_ip", n.fixed_ip}});
  return a.dump();
}

// to_timestamp($n) of an optional epoch: NULL when absent.
std::optional<double> ts(const std::optional<int64_t>& v) {
  if (!v) return std::nullopt;
  return static_cast<double>(*v);
}

InstancePortRow port_from(const pqxx::row& r) {
  InstancePortRow p;
  p.instance_id = r[0].as<std::string>();
  p.position = r[1].as<int>();
  p.port_id = r[2].as<std::string>();
  p.created_by_compute = r[3].as<bool>();
  p.network_id = r[4].as<std::string>();
  p.network_name = r[5].as<std::string>();
  p.mac_address = r[6].as<std::string>();
  p.mtu = r[7].as<int>();
  const json ips = json::parse(r[8].as<std::string>());
  for (size_t n = 0; n < ips.size(); ++n) {
    const json& f = ips[n];
    FixedIpInfo ip;
    ip.ip_address = f.value("ip_address", "");
    ip.subnet_id = f.value("subnet_id", "");
    ip.cidr = f.value("cidr", "");
    ip.gateway_ip = f.value("gateway_ip", "");
    if (f.contains("dns_nameservers")) ip.dns_nameservers = f["dns_nameservers"].get<std::vector<std::string>>();
    p.fixed_ips.push_back(ip);
  }
  p.status = r[9].as<std::string>();
  return p;
}

}  // namespace

void lock_project(pqxx::work& tx, const std::string& project_id) {
  tx.exec_params("SELECT pg_advisory_xact_lock(hashtext('stratus.compute.project:' || $1))", project_id);
}

// ---------------------------------------------------------------- flavors

void insert_flavor(pqxx::work& tx, const FlavorRow& f) {
  unique_or("flavor", f.name, [&] {
    tx.exec_params("INSERT INTO flavors (id, name, vcpus, ram_mib, disk_gib, ephemeral_gib, swap_mib, is_public, "
                   "description) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9)",
                   f.id, f.name, f.vcpus, f.ram_mib, f.disk_gib, f.ephemeral_gib, f.swap_mib, f.is_public,
                   f.description);
  });
}

std::optional<FlavorRow> find_flavor(pqxx::work& tx, const std::string& id_or_name) {
  pqxx::result rows =
      is_uuid(id_or_name)
          ? tx.exec_params("SELECT " + kFlavorColumns + " FROM flavors WHERE id = $1::uuid AND NOT deleted", id_or_name)
          : tx.exec_params("SELECT " + kFlavorColumns + " FROM flavors WHERE name = $1 AND NOT deleted", id_or_name);
  if (rows.empty()) return std::nullopt;
  auto f = flavor_from(rows[0]);
  load_access(tx, f);
  return f;
}

std::vector<FlavorRow> list_flavors(pqxx::work& tx) {
  std::vector<FlavorRow> out;
  for (const auto& r : tx.exec("SELECT " + kFlavorColumns + " FROM flavors WHERE NOT deleted ORDER BY ram_mib, name"))
    out.push_back(flavor_from(r));
  for (auto& f : out) load_access(tx, f);
  return out;
}

void mark_flavor_deleted(pqxx::work& tx, const std::string& id) {
  tx.exec_params("UPDATE flavors SET deleted = true WHERE id = $1::uuid", id);
  tx.exec_params("DELETE FROM flavor_access WHERE flavor_id = $1::uuid", id);
}

void add_flavor_access(pqxx::work& tx, const std::string& flavor_id, const std::string& project_id) {
  tx.exec_params("INSERT INTO flavor_access (flavor_id, project_id) VALUES ($1::uuid, $2) ON CONFLICT DO NOTHING",
                 flavor_id, project_id);
}

void remove_flavor_access(pqxx::work& tx, const std::string& flavor_id, const std::string& project_id) {
  tx.exec_params("DELETE FROM flavor_access WHERE flavor_id = $1::uuid AND project_id = $2", flavor_id, project_id);
}

// ---------------------------------------------------------------- key pairs

void insert_key_pair(pqxx::work& tx, const KeyPairRow& k) {
  unique_or("key pair", k.name, [&] {
    tx.exec_params("INSERT INTO key_pairs (id, user_id, project_id, name, type, public_key, fingerprint_md5, "
                   "fingerprint_sha256, bits, request_id) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                   k.id, k.user_id, k.project_id, k.name, k.type, k.public_key, k.fingerprint_md5,
                   k.fingerprint_sha256, k.bits, k.request_id);
  });
}

std::optional<KeyPairRow> find_key_pair(pqxx::work& tx, const std::string& user_id, const std::string& id_or_name) {
  pqxx::result rows =
      is_uuid(id_or_name)
          ? tx.exec_params("SELECT " + kKeyColumns + " FROM key_pairs WHERE user_id = $1 AND id = $2::uuid", user_id,
                           id_or_name)
          : tx.exec_params("SELECT " + kKeyColumns + " FROM key_pairs WHERE user_id = $1 AND name = $2", user_id,
                           id_or_name);
  if (rows.empty()) return std::nullopt;
  return key_from(rows[0]);
}

std::optional<KeyPairRow> find_key_pair_by_request(pqxx::work& tx, const std::string& user_id,
                                                   const std::string& request_id) {
  auto rows = tx.exec_params("SELECT " + kKeyColumns + " FROM key_pairs WHERE user_id = $1 AND request_id = $2",
                             user_id, request_id);
  if (rows.empty()) return std::nullopt;
  return key_from(rows[0]);
}

std::vector<KeyPairRow> list_key_pairs(pqxx::work& tx, const std::string& user_id) {
  std::vector<KeyPairRow> out;
  for (const auto& r :
       tx.exec_params("SELECT " + kKeyColumns + " FROM key_pairs WHERE user_id = $1 ORDER BY name", user_id))
    out.push_back(key_from(r));
  return out;
}

void delete_key_pair(pqxx::work& tx, const std::string& id) {
  tx.exec_params("DELETE FROM key_pairs WHERE id = $1::uuid", id);
}

int count_key_pairs(pqxx::work& tx, const std::string& user_id) {
  return tx.exec_params("SELECT count(*) FROM key_pairs WHERE user_id = $1", user_id)[0][0].as<int>();
}

// ---------------------------------------------------------------- server groups

void insert_server_group(pqxx::work& tx, const ServerGroupRow& g) {
  unique_or("server group", g.name, [&] {
    tx.exec_params("INSERT INTO server_groups (id, project_id, user_id, name, policy, request_id) "
                   "VALUES ($1::uuid, $2, $3, $4, $5, $6)",
                   g.id, g.project_id, g.user_id, g.name, g.policy, g.request_id);
  });
}

std::optional<ServerGroupRow> find_server_group(pqxx::work& tx, const std::string& project_id,
                                                const std::string& id_or_name) {
  pqxx::result rows =
      is_uuid(id_or_name)
          ? tx.exec_params("SELECT " + kGroupColumns + " FROM server_groups WHERE id = $1::uuid", id_or_name)
          : tx.exec_params("SELECT " + kGroupColumns + " FROM server_groups WHERE project_id = $1 AND name = $2",
                           project_id, id_or_name);
  if (rows.empty()) return std::nullopt;
  return group_from(tx, rows[0]);
}

std::optional<ServerGroupRow> find_server_group_by_request(pqxx::work& tx, const std::string& project_id,
                                                           const std::string& request_id) {
  auto rows = tx.exec_params("SELECT " + kGroupColumns + " FROM server_groups WHERE project_id = $1 AND request_id = $2",
                             project_id, request_id);
  if (rows.empty()) return std::nullopt;
  return group_from(tx, rows[0]);
}

std::vector<ServerGroupRow> list_server_groups(pqxx::work& tx, const std::string& project_id) {
  std::vector<ServerGroupRow> out;
  pqxx::result rows =
      project_id.empty()
          ? tx.exec("SELECT " + kGroupColumns + " FROM server_groups ORDER BY name, id")
          : tx.exec_params("SELECT " + kGroupColumns + " FROM server_groups WHERE project_id = $1 ORDER BY name",
                           project_id);
  for (const auto& r : rows) out.push_back(group_from(tx, r));
  return out;
}

void delete_server_group(pqxx::work& tx, const std::string& id) {
  tx.exec_params("DELETE FROM server_groups WHERE id = $1::uuid", id);
}

int count_server_groups(pqxx::work& tx, const std::string& project_id) {
  return tx.exec_params("SELECT count(*) FROM server_groups WHERE project_id = $1", project_id)[0][0].as<int>();
}

// ---------------------------------------------------------------- hosts

void upsert_host(pqxx::work& tx, const HostRow& h) {
  tx.exec_params(
      "INSERT INTO hosts (name, availability_zone, hypervisor_type, architecture, agent_version, vcpus, ram_mib, "
      "disk_gib) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
      "ON CONFLICT (name) DO UPDATE SET availability_zone = EXCLUDED.availability_zone, "
      "hypervisor_type = EXCLUDED.hypervisor_type, architecture = EXCLUDED.architecture, "
      "agent_version = EXCLUDED.agent_version, vcpus = EXCLUDED.vcpus, ram_mib = EXCLUDED.ram_mib, "
      "disk_gib = EXCLUDED.disk_gib, last_heartbeat_at = now()",
      h.name, h.availability_zone, h.hypervisor_type, h.architecture, h.agent_version, h.vcpus, h.ram_mib,
      h.disk_gib);
}

bool touch_host(pqxx::work& tx, const std::string& name) {
  return tx.exec_params("UPDATE hosts SET last_heartbeat_at = now() WHERE name = $1", name).affected_rows() > 0;
}

std::optional<HostRow> find_host(pqxx::work& tx, const std::string& name) {
  auto rows = tx.exec_params("SELECT " + kHostColumns + " FROM hosts h WHERE h.name = $1", name);
  if (rows.empty()) return std::nullopt;
  std::vector<HostRow> hosts{host_from(rows[0])};
  load_usage(tx, hosts);
  return hosts[0];
}

std::vector<HostRow> list_hosts(pqxx::work& tx) {
  std::vector<HostRow> hosts;
  for (const auto& r : tx.exec("SELECT " + kHostColumns + " FROM hosts h ORDER BY h.name")) hosts.push_back(host_from(r));
  load_usage(tx, hosts);
  return hosts;
}

std::vector<HostRow> lock_hosts(pqxx::work& tx) {
  std::vector<HostRow> hosts;
  for (const auto& r : tx.exec("SELECT " + kHostColumns + " FROM hosts h ORDER BY h.name FOR UPDATE"))
    hosts.push_back(host_from(r));
  load_usage(tx, hosts);
  return hosts;
}

void set_host_enabled(pqxx::work& tx, const std::string& name, bool enabled, const std::string& reason) {
  tx.exec_params("UPDATE hosts SET enabled = $2, disabled_reason = $3 WHERE name = $1", name, enabled,
                 enabled ? std::string() : reason);
}

int64_t now_seconds(pqxx::work& tx) { return tx.exec("SELECT extract(epoch from now())::bigint")[0][0].as<int64_t>(); }

// ---------------------------------------------------------------- instances

void insert_instance(pqxx::work& tx, const InstanceRow& i) {
  unique_or("server", i.name, [&] {
    tx.exec_params(
        "INSERT INTO instances (id, project_id, user_id, name, hostname, vm_state, task_state, power_state, host, "
        "availability_zone, flavor_id, flavor_name, vcpus, ram_mib, disk_gib, ephemeral_gib, swap_mib, image_id, "
        "image_json, key_name, public_key, has_user_data, user_data, metadata_json, security_groups_json, nics_json, "
        "server_group_id, reservation_id, request_id) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
        "$12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29)",
        i.id, i.project_id, i.user_id, i.name, i.hostname, to_string(i.status.vm), to_string(i.status.task),
        to_string(i.power_state), i.host, i.availability_zone, i.flavor_id, i.flavor_name, i.vcpus, i.ram_mib,
        i.disk_gib, i.ephemeral_gib, i.swap_mib, i.image_id, i.image_json, i.key_name, i.public_key, i.has_user_data,
        pqxx::binarystring(i.user_data), metadata_json(i.metadata), groups_json(i.security_groups), nics_json(i.nics),
        i.server_group_id, i.reservation_id, i.request_id);
  });
}

std::optional<InstanceRow> find_instance(pqxx::work& tx, const std::string& id) {
  if (!is_uuid(id)) return std::nullopt;
  auto rows = tx.exec_params("SELECT " + kInstanceColumns + " FROM instances WHERE id = $1::uuid", id);
  if (rows.empty()) return std::nullopt;
  return instance_from(rows[0]);
}

std::optional<InstanceRow> find_instance_in_project(pqxx::work& tx, const std::string& project_id,
                                                    const std::string& id_or_name) {
  pqxx::result rows =
      is_uuid(id_or_name)
          ? tx.exec_params("SELECT " + kInstanceColumns + " FROM instances WHERE id = $1::uuid AND project_id = $2",
                           id_or_name, project_id)
          : tx.exec_params("SELECT " + kInstanceColumns +
                               " FROM instances WHERE project_id = $1 AND name = $2 AND vm_state <> 'DELETED'",
                           project_id, id_or_name);
  if (rows.empty()) return std::nullopt;
  return instance_from(rows[0]);
}

std::optional<InstanceRow> lock_instance(pqxx::work& tx, const std::string& id) {
  auto rows = tx.exec_params("SELECT " + kInstanceColumns + " FROM instances WHERE id = $1::uuid FOR UPDATE", id);
  if (rows.empty()) return std::nullopt;
  return instance_from(rows[0]);
}

std::optional<InstanceRow> try_lock_instance(pqxx::work& tx, const std::string& id) {
  auto rows = tx.exec_params(
      "SELECT " + kInstanceColumns + " FROM instances WHERE id = $1::uuid FOR UPDATE SKIP LOCKED", id);
  if (rows.empty()) return std::nullopt;
  return instance_from(rows[0]);
}

std::vector<InstanceRow> list_instances(pqxx::work& tx, const InstanceQuery& q) {
  std::string sql = "SELECT " + kInstanceColumns + " FROM instances WHERE ($1 = '' OR project_id = $1) "
                    "AND ($2 = '' OR name = $2 OR (right($2, 1) = '*' AND left(name, length(rtrim($2, '*'))) = rtrim($2, '*'))) "
                    "AND ($3 = '' OR image_id = $3) AND ($4 = '' OR host = $4) AND ($5 = '' OR vm_state = $5) "
                    "AND ($6 OR $5 = 'DELETED' OR vm_state <> 'DELETED') "
                    "AND ($7 = '' OR id > $7::uuid) ORDER BY id LIMIT $8";
  std::vector<InstanceRow> out;
  for (const auto& r : tx.exec_params(sql, q.project_id, q.name, q.image_id, q.host,
                                      q.vm_state ? std::string(to_string(*q.vm_state)) : std::string(),
                                      q.include_deleted, q.after_id, q.limit))
    out.push_back(instance_from(r));
  return out;
}

std::vector<InstanceRow> instances_by_request(pqxx::work& tx, const std::string& project_id,
                                              const std::string& request_id) {
  std::vector<InstanceRow> out;
  for (const auto& r : tx.exec_params("SELECT " + kInstanceColumns +
                                          " FROM instances WHERE project_id = $1 AND request_id = $2 ORDER BY name",
                                      project_id, request_id))
    out.push_back(instance_from(r));
  return out;
}

std::vector<InstanceRow> instances_on_host(pqxx::work& tx, const std::string& host) {
  std::vector<InstanceRow> out;
  for (const auto& r : tx.exec_params("SELECT " + kInstanceColumns +
                                          " FROM instances WHERE host = $1 AND NOT agent_cleaned "
                                          "AND (vm_state <> 'DELETED' OR cleanup) ORDER BY id",
                                      host))
    out.push_back(instance_from(r));
  return out;
}

std::vector<std::string> busy_instance_ids(pqxx::work& tx) {
  std::vector<std::string> ids;
  for (const auto& r : tx.exec("SELECT id::text FROM instances WHERE task_state <> 'none' ORDER BY updated_at"))
    ids.push_back(r[0].as<std::string>());
  return ids;
}

bool name_in_use(pqxx::work& tx, const std::string& project_id, const std::string& name) {
  return !tx.exec_params("SELECT 1 FROM instances WHERE project_id = $1 AND name = $2 AND vm_state <> 'DELETED'",
                         project_id, name)
              .empty();
}

void update_instance(pqxx::work& tx, const InstanceRow& i) {
  tx.exec_params(
      "UPDATE instances SET vm_state = $2, task_state = $3, power_state = $4, host = $5, security_groups_json = $6, "
      "desired_power = $7, reboot_generation = $8, reboot_hard = $9, spawned = $10, cleanup = $11, "
      "agent_cleaned = $12, spawn_started_at = to_timestamp($13), snapshot_image_id = $14, "
      "snapshot_generation = $15, fault_message = $16, fault_code = $17, fault_at = to_timestamp($18), "
      "launched_at = to_timestamp($19), deleted_at = to_timestamp($20), updated_at = now() WHERE id = $1::uuid",
      i.id, to_string(i.status.vm), to_string(i.status.task), to_string(i.power_state), i.host,
      groups_json(i.security_groups), i.desired_power, i.reboot_generation, i.reboot_hard, i.spawned, i.cleanup,
      i.agent_cleaned, ts(i.spawn_started_at), i.snapshot_image_id, i.snapshot_generation, i.fault_message,
      i.fault_code, ts(i.fault_at), ts(i.launched_at), ts(i.deleted_at));
}

std::vector<std::string> hosts_of_group(pqxx::work& tx, const std::string& server_group_id) {
  std::vector<std::string> hosts;
  for (const auto& r : tx.exec_params("SELECT DISTINCT host FROM instances WHERE server_group_id = $1 AND host <> '' "
                                      "AND vm_state <> 'DELETED' AND NOT cleanup",
                                      server_group_id))
    hosts.push_back(r[0].as<std::string>());
  return hosts;
}

std::vector<std::string> group_members(pqxx::work& tx, const std::string& server_group_id) {
  std::vector<std::string> ids;
  for (const auto& r : tx.exec_params(
           "SELECT id::text FROM instances WHERE server_group_id = $1 AND vm_state <> 'DELETED' ORDER BY name",
           server_group_id))
    ids.push_back(r[0].as<std::string>());
  return ids;
}

ProjectUsage usage_of(pqxx::work& tx, const std::string& project_id) {
  auto r = tx.exec_params("SELECT count(*)::bigint, coalesce(sum(vcpus), 0)::bigint, coalesce(sum(ram_mib), 0)::bigint "
                          "FROM instances WHERE project_id = $1 AND vm_state <> 'DELETED'",
                          project_id)[0];
  return {static_cast<int>(r[0].as<int64_t>()), static_cast<int>(r[1].as<int64_t>()), r[2].as<int64_t>()};
}

// ---------------------------------------------------------------- claims

void insert_claim(pqxx::work& tx, const std::string& instance_id, const std::string& host, int vcpus, int64_t ram_mib,
                  int64_t disk_gib) {
  tx.exec_params("INSERT INTO claims (instance_id, host, vcpus, ram_mib, disk_gib) VALUES ($1::uuid, $2, $3, $4, $5)",
                 instance_id, host, vcpus, ram_mib, disk_gib);
}

void delete_claim(pqxx::work& tx, const std::string& instance_id) {
  tx.exec_params("DELETE FROM claims WHERE instance_id = $1::uuid", instance_id);
}

bool has_claim(pqxx::work& tx, const std::string& instance_id) {
  return !tx.exec_params("SELECT 1 FROM claims WHERE instance_id = $1::uuid", instance_id).empty();
}

// ---------------------------------------------------------------- instance ports

void insert_instance_port(pqxx::work& tx, const InstancePortRow& p) {
  json ips = json::array();
  for (const auto& f : p.fixed_ips)
    ips.push_back({{"ip_address", f.ip_address},
                   {"subnet_id", f.subnet_id},
                   {"cidr", f.cidr},
                   {"gateway_ip", f.gateway_ip},
                   {"dns_nameservers", f.dns_nameservers}});
  tx.exec_params("INSERT INTO instance_ports (instance_id, position, port_id, created_by_compute, network_id, "
                 "network_name, mac_address, mtu, fixed_ips_json, status) VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6, "
                 "$7, $8, $9, $10) ON CONFLICT (instance_id, port_id) DO NOTHING",
                 p.instance_id, p.position, p.port_id, p.created_by_compute, p.network_id, p.network_name,
                 p.mac_address, p.mtu, ips.dump(), p.status);
}

std::vector<InstancePortRow> instance_ports(pqxx::work& tx, const std::string& instance_id) {
  std::vector<InstancePortRow> out;
  for (const auto& r : tx.exec_params(
           "SELECT instance_id::text, position, port_id::text, created_by_compute, network_id, network_name, "
           "mac_address, mtu, fixed_ips_json, status FROM instance_ports WHERE instance_id = $1::uuid ORDER BY position",
           instance_id))
    out.push_back(port_from(r));
  return out;
}

void set_port_status(pqxx::work& tx, const std::string& port_id, const std::string& status) {
  tx.exec_params("UPDATE instance_ports SET status = $2 WHERE port_id = $1::uuid", port_id, status);
}

void delete_instance_port(pqxx::work& tx, const std::string& instance_id, const std::string& port_id) {
  tx.exec_params("DELETE FROM instance_ports WHERE instance_id = $1::uuid AND port_id = $2::uuid", instance_id,
                 port_id);
}

std::optional<std::string> instance_of_port(pqxx::work& tx, const std::string& port_id) {
  if (!is_uuid(port_id)) return std::nullopt;
  auto rows = tx.exec_params("SELECT instance_id::text FROM instance_ports WHERE port_id = $1::uuid", port_id);
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<std::string>();
}

// ---------------------------------------------------------------- volume attachments

namespace {
const char* const kAttachmentColumns =
    "volume_id::text, instance_id::text, device, status, connection_driver, connection_path, connection_format, "
    "delete_on_termination, extract(epoch from created_at)::bigint, extract(epoch from updated_at)::bigint";

VolumeAttachmentRow attachment_from(const pqxx::row& r) {
  VolumeAttachmentRow a;
  a.volume_id = r[0].as<std::string>();
  a.instance_id = r[1].as<std::string>();
  a.device = r[2].as<std::string>();
  a.status = r[3].as<std::string>();
  a.connection_driver = r[4].as<std::string>();
  a.connection_path = r[5].as<std::string>();
  a.connection_format = r[6].as<std::string>();
  a.delete_on_termination = r[7].as<bool>();
  a.created_at = r[8].as<int64_t>();
  a.updated_at = r[9].as<int64_t>();
  return a;
}

std::vector<VolumeAttachmentRow> attachments_from(const pqxx::result& rows) {
  std::vector<VolumeAttachmentRow> out;
  for (const auto& r : rows) out.push_back(attachment_from(r));
  return out;
}
}  // namespace

void insert_attachment(pqxx::work& tx, const VolumeAttachmentRow& a) {
  try {
    tx.exec_params("INSERT INTO volume_attachments (volume_id, instance_id, device, status, connection_driver, "
                   "connection_path, connection_format, delete_on_termination) VALUES ($1::uuid, $2::uuid, $3, $4, "
                   "$5, $6, $7, $8)",
                   a.volume_id, a.instance_id, a.device, a.status, a.connection_driver, a.connection_path,
                   a.connection_format, a.delete_on_termination);
  } catch (const pqxx::unique_violation&) {
    throw already_exists("device", a.device);
  }
}

std::vector<VolumeAttachmentRow> attachments_of(pqxx::work& tx, const std::string& instance_id) {
  return attachments_from(tx.exec_params(std::string("SELECT ") + kAttachmentColumns +
                                             " FROM volume_attachments WHERE instance_id = $1::uuid ORDER BY device",
                                         instance_id));
}

std::optional<VolumeAttachmentRow> find_attachment(pqxx::work& tx, const std::string& volume_id) {
  if (!is_uuid(volume_id)) return std::nullopt;
  auto rows = tx.exec_params(std::string("SELECT ") + kAttachmentColumns +
                                 " FROM volume_attachments WHERE volume_id = $1::uuid",
                             volume_id);
  if (rows.empty()) return std::nullopt;
  return attachment_from(rows[0]);
}

void set_attachment_status(pqxx::work& tx, const std::string& volume_id, const std::string& status) {
  tx.exec_params("UPDATE volume_attachments SET status = $2, updated_at = now() WHERE volume_id = $1::uuid",
                 volume_id, status);
}

void delete_attachment(pqxx::work& tx, const std::string& volume_id) {
  tx.exec_params("DELETE FROM volume_attachments WHERE volume_id = $1::uuid", volume_id);
}

std::vector<VolumeAttachmentRow> stale_attachments(pqxx::work& tx, const std::string& status,
                                                   int64_t older_than_seconds) {
  return attachments_from(tx.exec_params(std::string("SELECT ") + kAttachmentColumns +
                                             " FROM volume_attachments WHERE status = $1 AND updated_at < now() - "
                                             "make_interval(secs => $2) ORDER BY volume_id",
                                         status, older_than_seconds));
}

// ---------------------------------------------------------------- quotas

QuotaLimits quota_of(pqxx::work& tx, const std::string& project_id, const QuotaLimits& defaults) {
  QuotaLimits q = defaults;
  auto rows = tx.exec_params(
      "SELECT instances, cores, ram_mib, key_pairs, server_groups FROM quotas WHERE project_id = $1", project_id);
  if (rows.empty()) return q;
  auto pick = [](const pqxx::field& f, int fallback) { return f.is_null() ? fallback : f.as<int>(); };
  q.instances = pick(rows[0][0], q.instances);
  q.cores = pick(rows[0][1], q.cores);
  q.ram_mib = pick(rows[0][2], q.ram_mib);
  q.key_pairs = pick(rows[0][3], q.key_pairs);
  q.server_groups = pick(rows[0][4], q.server_groups);
  return q;
}

void set_quota(pqxx::work& tx, const std::string& project_id, const QuotaOverrides& q) {
  tx.exec_params("INSERT INTO quotas (project_id) VALUES ($1) ON CONFLICT DO NOTHING", project_id);
  tx.exec_params("UPDATE quotas SET instances = coalesce($2, instances), cores = coalesce($3, cores), "
                 "ram_mib = coalesce($4, ram_mib), key_pairs = coalesce($5, key_pairs), "
                 "server_groups = coalesce($6, server_groups) WHERE project_id = $1",
                 project_id, q.instances, q.cores, q.ram_mib, q.key_pairs, q.server_groups);
}

// ---------------------------------------------------------------- actions

void insert_action(pqxx::work& tx, const ActionRow& a) {
  tx.exec_params("INSERT INTO instance_actions (instance_id, request_id, action, user_id, project_id, result, message, "
                 "finished_at) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, CASE WHEN $6 = 'pending' THEN NULL ELSE now() END)",
                 a.instance_id, a.request_id, a.action, a.user_id, a.project_id,
                 a.result.empty() ? std::string("pending") : a.result, a.message);
}

void finish_action(pqxx::work& tx, const std::string& instance_id, const std::string& action, bool success,
                   const std::string& message) {
  tx.exec_params("UPDATE instance_actions SET result = $3, message = $4, finished_at = now() WHERE id = "
                 "(SELECT id FROM instance_actions WHERE instance_id = $1::uuid AND result = 'pending' "
                 "AND ($2 = '' OR action = $2) ORDER BY id DESC LIMIT 1)",
                 instance_id, action, success ? "success" : "error", message);
}

std::vector<ActionRow> list_actions(pqxx::work& tx, const std::string& instance_id) {
  std::vector<ActionRow> out;
  for (const auto& r : tx.exec_params("SELECT instance_id::text, request_id, action, user_id, project_id, result, "
                                      "message, " + epoch("started_at") + ", " + epoch("finished_at") +
                                      " FROM instance_actions WHERE instance_id = $1::uuid ORDER BY id",
                                      instance_id)) {
    ActionRow a;
    a.instance_id = r[0].as<std::string>();
    a.request_id = r[1].as<std::string>();
    a.action = r[2].as<std::string>();
    a.user_id = r[3].as<std::string>();
    a.project_id = r[4].as<std::string>();
    a.result = r[5].as<std::string>();
    a.message = r[6].as<std::string>();
    a.started_at = epoch_of(r[7]);
    a.finished_at = optional_epoch(r[8]);
    out.push_back(a);
  }
  return out;
}

// ---------------------------------------------------------------- console

void put_console_tail(pqxx::work& tx, const std::string& instance_id, const std::string& tail) {
  tx.exec_params("INSERT INTO console_logs (instance_id, tail) VALUES ($1::uuid, $2) ON CONFLICT (instance_id) DO "
                 "UPDATE SET tail = EXCLUDED.tail, updated_at = now()",
                 instance_id, pqxx::binarystring(tail));
}

std::optional<std::pair<std::string, int64_t>> console_tail(pqxx::work& tx, const std::string& instance_id) {
  auto rows = tx.exec_params("SELECT tail, " + epoch("updated_at") + " FROM console_logs WHERE instance_id = $1::uuid",
                             instance_id);
  if (rows.empty()) return std::nullopt;
  return std::make_pair(bytes_of(rows[0][0]), epoch_of(rows[0][1]));
}

}  // namespace stratus::compute::store
