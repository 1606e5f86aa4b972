// Flavors, key pairs, server groups, hosts, quotas, and the helpers the other parts share.
#include "services/compute/app/compute.h"

#include <nlohmann/json.hpp>

#include "common/auth/token.h"
#include "common/error/error.h"
#include "common/outbox/outbox.h"
#include "common/validate/validate.h"
#include "compute/v1/compute.pb.h"
#include "services/compute/api/mapping.h"
#include "services/compute/domain/names.h"

namespace stratus::compute {

using auth::Access;
using auth::Caller;
using nlohmann::json;

// ---------------------------------------------------------------- image info

namespace {
json ref_json(const ImageRefInfo& r) {
  return {{"id", r.id}, {"disk_format", r.disk_format}, {"container_format", r.container_format},
          {"sha256", r.sha256}, {"size", r.size}};
}
ImageRefInfo ref_from(const json& j) {
  ImageRefInfo r;
  r.id = j.value("id", "");
  r.disk_format = j.value("disk_format", "");
  r.container_format = j.value("container_format", "");
  r.sha256 = j.value("sha256", "");
  r.size = j.value("size", uint64_t{0});
  return r;
}
}  // namespace

ImageInfo ImageInfo::from_json(const std::string& text) {
  ImageInfo info;
  if (text.empty()) return info;
  json j = json::parse(text);
  info.image = ref_from(j.value("image", json::object()));
  if (j.contains("kernel")) info.kernel = ref_from(j["kernel"]);
  if (j.contains("ramdisk")) info.ramdisk = ref_from(j["ramdisk"]);
  if (j.contains("properties")) info.properties = j["properties"].get<std::map<std::string, std::string>>();
  return info;
}

std::string ImageInfo::to_json() const {
  json j = {{"image", ref_json(image)}, {"properties", properties}};
  if (kernel) j["kernel"] = ref_json(*kernel);
  if (ramdisk) j["ramdisk"] = ref_json(*ramdisk);
  return j.dump();
}

// ---------------------------------------------------------------- group policies

std::optional<scheduling::GroupPolicy> group_policy_from_string(const std::string& text) {
  using P = scheduling::GroupPolicy;
  if (text == "affinity") return P::Affinity;
  if (text == "anti-affinity") return P::AntiAffinity;
  if (text == "soft-affinity") return P::SoftAffinity;
  if (text == "soft-anti-affinity") return P::SoftAntiAffinity;
  return std::nullopt;
}

const char* to_string(scheduling::GroupPolicy policy) {
  using P = scheduling::GroupPolicy;
  switch (policy) {
    case P::Affinity: return "affinity";
    case P::AntiAffinity: return "anti-affinity";
    case P::SoftAffinity: return "soft-affinity";
    case P::SoftAntiAffinity: return "soft-anti-affinity";
    case P::None: break;
  }
  return "";
}

// ---------------------------------------------------------------- shared helpers

Compute::Compute(db::Pool& pool, Peers& peers, Settings settings, log::Logger logger)
    : pool_(pool), peers_(peers), settings_(std::move(settings)), logger_(std::move(logger)) {}

namespace {

void check_request_id(const std::string& request_id) { validate::optional_text("request_id", request_id, 255); }

// -1 is unlimited; otherwise `used + adding` must stay within `limit`.
void check_quota(const std::string& what, int64_t limit, int64_t used, int64_t adding) {
  if (limit < 0 || used + adding <= limit) return;
  throw resource_exhausted("quota exceeded for " + what + ": " + std::to_string(used) + " of " +
                           std::to_string(limit) + " in use, " + std::to_string(adding) + " more requested");
}

}  // namespace

bool Compute::host_up(const HostRow& host, int64_t now) const {
  return now - host.last_heartbeat_at <= settings_.host_down_after.count();
}

void Compute::cast(pqxx::work& tx, const InstanceRow& row, const std::string& request_id) {
  if (row.host.empty()) return;
  cloud::compute::v1::InstanceCast message;
  message.set_instance_id(row.id);
  message.set_request_id(request_id);
  outbox::enqueue(tx, settings_.casts_exchange, "compute-agent." + row.host, message);
}

void Compute::cast_console(const ConsoleTarget& target, const std::string& session_id) {
  pool_.transact([&](pqxx::work& tx) {
    cloud::compute::v1::InstanceCast message;
    message.set_instance_id(target.instance_id);
    message.set_console_session_id(session_id);
    outbox::enqueue(tx, settings_.casts_exchange, "compute-agent." + target.host, message);
  });
}

// Stores the row and, when its status moved, the InstanceChanged event.
void Compute::store_change(pqxx::work& tx, InstanceRow& row, const Status& before) {
  store::update_instance(tx, row);
  if (row.status == before) return;
  cloud::compute::v1::InstanceChanged event;
  event.set_instance_id(row.id);
  event.set_project_id(row.project_id);
  event.set_vm_state(to_proto(row.status.vm));
  event.set_task_state(to_proto(row.status.task));
  event.set_host(row.host);
  outbox::enqueue(tx, settings_.events_exchange, "compute.instance.changed", event);
}

void Compute::record_action(pqxx::work& tx, const Caller& caller, const InstanceRow& row, const std::string& action,
                            const std::string& request_id) {
  ActionRow a;
  a.instance_id = row.id;
  a.request_id = request_id;
  a.action = action;
  a.user_id = caller.user_id();
  a.project_id = row.project_id;
  store::insert_action(tx, a);
}

// ---------------------------------------------------------------- flavors

namespace {
bool flavor_visible(const Caller& caller, const FlavorRow& f) {
  if (f.is_public || caller.acts_for_any_project()) return true;
  for (const auto& p : f.access_project_ids)
    if (p == caller.project_id()) return true;
  return false;
}
}  // namespace

FlavorRow Compute::require_flavor(pqxx::work& tx, const Caller& caller, const std::string& ref) {
  if (ref.empty()) throw invalid_argument("name the flavor (its name or id)");
  std::string key = validate::reference("flavor", ref);
  auto f = store::find_flavor(tx, key);
  if (!f || !flavor_visible(caller, *f)) throw not_found("flavor", ref);
  return *f;
}

FlavorRow Compute::create_flavor(const Caller& caller, const FlavorSpec& spec) {
  auth::require_admin(caller, "creating flavors");
  validate_name("flavor name", spec.name);
  validate::optional_text("description", spec.description, 1024);
  if (spec.vcpus < 1) throw invalid_argument("vcpus must be at least 1");
  if (spec.ram_mib < 1) throw invalid_argument("ram_mib must be at least 1");
  if (spec.disk_gib < 0 || spec.ephemeral_gib < 0 || spec.swap_mib < 0)
    throw invalid_argument("disk_gib, ephemeral_gib and swap_mib cannot be negative");
  if (!spec.is_private && !spec.access_projects.empty())
    throw invalid_argument("access_projects is only for private flavors");
  FlavorRow f;
  f.id = spec.id.empty() ? auth::random_uuid() : validate::normalized_uuid("flavor id", spec.id);
  f.name = spec.name;
  f.description = spec.description;
  f.vcpus = spec.vcpus;
  f.ram_mib = spec.ram_mib;
  f.disk_gib = spec.disk_gib;
  f.ephemeral_gib = spec.ephemeral_gib;
  f.swap_mib = spec.swap_mib;
  f.is_public = !spec.is_private;
  std::vector<std::string> projects;
  for (const auto& p : spec.access_projects) projects.push_back(validate::reference("access project", p));
  return pool_.transact([&](pqxx::work& tx) {
    if (!tx.exec_params("SELECT 1 FROM flavors WHERE id = $1::uuid", f.id).empty())
      throw already_exists("flavor", f.id);
    store::insert_flavor(tx, f);
    for (const auto& p : projects) store::add_flavor_access(tx, f.id, p);
    return *store::find_flavor(tx, f.id);
  });
}

FlavorRow Compute::get_flavor(const Caller& caller, const std::string& ref) {
  return pool_.transact([&](pqxx::work& tx) {
    auto f = require_flavor(tx, caller, ref);
    if (!caller.is_admin()) f.access_project_ids.clear();
    return f;
  });
}

std::vector<FlavorRow> Compute::list_flavors(const Caller& caller, bool include_private) {
  if (include_private) auth::require_admin(caller, "listing every private flavor");
  return pool_.transact([&](pqxx::work& tx) {
    std::vector<FlavorRow> out;
    for (auto& f : store::list_flavors(tx)) {
      bool visible = f.is_public || include_private;
      if (!visible)
        for (const auto& p : f.access_project_ids) visible = visible || p == caller.project_id();
      if (!visible) continue;
      if (!caller.is_admin()) f.access_project_ids.clear();
      out.push_back(f);
    }
    return out;
  });
}

void Compute::delete_flavor(const Caller& caller, const std::string& ref) {
  auth::require_admin(caller, "deleting flavors");
  pool_.transact([&](pqxx::work& tx) { store::mark_flavor_deleted(tx, require_flavor(tx, caller, ref).id); });
}

FlavorRow Compute::set_flavor_access(const Caller& caller, const std::string& ref, const std::string& project_id,
                                     bool grant) {
  auth::require_admin(caller, "changing flavor access");
  std::string project = validate::reference("project_id", project_id);
  return pool_.transact([&](pqxx::work& tx) {
    auto f = require_flavor(tx, caller, ref);
    if (f.is_public) throw failed_precondition("flavor " + f.name + " is public: access lists are for private flavors");
    if (grant)
      store::add_flavor_access(tx, f.id, project);
    else
      store::remove_flavor_access(tx, f.id, project);
    return *store::find_flavor(tx, f.id);
  });
}

// ---------------------------------------------------------------- key pairs

namespace {
std::string key_type_name(const std::string& openssh_type) {
  if (openssh_type == "ssh-ed25519") return "ed25519";
  if (openssh_type == "ssh-rsa") return "rsa";
  return "ecdsa";
}
}  // namespace

Compute::CreatedKeyPair Compute::create_key_pair(const Caller& caller, const std::string& name,
                                                 const std::string& type, const std::string& request_id) {
  auth::authorize(caller, caller.project_id(), Access::Write);
  validate_keypair_name(name);
  check_request_id(request_id);
  GeneratedKey generated = generate_key(parse_key_type(type), name);
  return pool_.transact([&](pqxx::work& tx) {
    store::lock_project(tx, caller.project_id());
    if (!request_id.empty())
      if (auto earlier = store::find_key_pair_by_request(tx, caller.user_id(), request_id))
        return CreatedKeyPair{*earlier, ""};
    if (store::find_key_pair(tx, caller.user_id(), name)) throw already_exists("key pair", name);
    auto quota = store::quota_of(tx, caller.project_id(), settings_.default_quota);
    check_quota("key pairs", quota.key_pairs, store::count_key_pairs(tx, caller.user_id()), 1);
    KeyPairRow k;
    k.id = auth::random_uuid();
    k.user_id = caller.user_id();
    k.project_id = caller.project_id();
    k.name = name;
    k.type = key_type_name(generated.public_key.type);
    k.public_key = generated.public_key.openssh_line;
    k.fingerprint_md5 = generated.public_key.fingerprint_md5;
    k.fingerprint_sha256 = generated.public_key.fingerprint_sha256;
    k.bits = generated.public_key.bits;
    k.request_id = request_id;
    store::insert_key_pair(tx, k);
    return CreatedKeyPair{*store::find_key_pair(tx, k.user_id, k.id), generated.private_key_openssh};
  });
}

KeyPairRow Compute::import_key_pair(const Caller& caller, const std::string& name, const std::string& public_key,
                                    const std::string& request_id) {
  auth::authorize(caller, caller.project_id(), Access::Write);
  validate_keypair_name(name);
  check_request_id(request_id);
  PublicKey parsed = parse_public_key(public_key);
  return pool_.transact([&](pqxx::work& tx) {
    store::lock_project(tx, caller.project_id());
    if (!request_id.empty())
      if (auto earlier = store::find_key_pair_by_request(tx, caller.user_id(), request_id)) return *earlier;
    if (store::find_key_pair(tx, caller.user_id(), name)) throw already_exists("key pair", name);
    auto quota = store::quota_of(tx, caller.project_id(), settings_.default_quota);
    check_quota("key pairs", quota.key_pairs, store::count_key_pairs(tx, caller.user_id()), 1);
    KeyPairRow k;
    k.id = auth::random_uuid();
    k.user_id = caller.user_id();
    k.project_id = caller.project_id();
    k.name = name;
    k.type = key_type_name(parsed.type);
    k.public_key = parsed.openssh_line;
    k.fingerprint_md5 = parsed.fingerprint_md5;
    k.fingerprint_sha256 = parsed.fingerprint_sha256;
    k.bits = parsed.bits;
    k.request_id = request_id;
    store::insert_key_pair(tx, k);
    return *store::find_key_pair(tx, k.user_id, k.id);
  });
}

KeyPairRow Compute::get_key_pair(const Caller& caller, const std::string& ref) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  std::string key = validate::reference("key pair", ref);
  return pool_.transact([&](pqxx::work& tx) {
    auto k = store::find_key_pair(tx, caller.user_id(), key);
    if (!k) throw not_found("key pair", ref);
    return *k;
  });
}

std::vector<KeyPairRow> Compute::list_key_pairs(const Caller& caller) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  return pool_.transact([&](pqxx::work& tx) { return store::list_key_pairs(tx, caller.user_id()); });
}

void Compute::delete_key_pair(const Caller& caller, const std::string& ref) {
  auth::authorize(caller, caller.project_id(), Access::Write);
  std::string key = validate::reference("key pair", ref);
  pool_.transact([&](pqxx::work& tx) {
    auto k = store::find_key_pair(tx, caller.user_id(), key);
    if (!k) throw not_found("key pair", ref);
    store::delete_key_pair(tx, k->id);
  });
}

// ---------------------------------------------------------------- server groups

ServerGroupRow Compute::create_server_group(const Caller& caller, const std::string& name, const std::string& policy,
                                            const std::string& request_id) {
  auth::authorize(caller, caller.project_id(), Access::Write);
  validate_name("server group name", name);
  check_request_id(request_id);
  if (!group_policy_from_string(policy))
    throw invalid_argument("server group policy must be affinity, anti-affinity, soft-affinity or soft-anti-affinity");
  return pool_.transact([&](pqxx::work& tx) {
    store::lock_project(tx, caller.project_id());
    if (!request_id.empty())
      if (auto earlier = store::find_server_group_by_request(tx, caller.project_id(), request_id)) return *earlier;
    if (store::find_server_group(tx, caller.project_id(), name)) throw already_exists("server group", name);
    auto quota = store::quota_of(tx, caller.project_id(), settings_.default_quota);
    check_quota("server groups", quota.server_groups, store::count_server_groups(tx, caller.project_id()), 1);
    ServerGroupRow g;
    g.id = auth::random_uuid();
    g.project_id = caller.project_id();
    g.user_id = caller.user_id();
    g.name = name;
    g.policy = policy;
    g.request_id = request_id;
    store::insert_server_group(tx, g);
    return *store::find_server_group(tx, g.project_id, g.id);
  });
}

ServerGroupRow Compute::get_server_group(const Caller& caller, const std::string& ref) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  std::string key = validate::reference("server group", ref);
  return pool_.transact([&](pqxx::work& tx) {
    auto g = store::find_server_group(tx, caller.project_id(), key);
    if (!g || !auth::allowed(caller, g->project_id, Access::Read)) throw not_found("server group", ref);
    return *g;
  });
}

std::vector<ServerGroupRow> Compute::list_server_groups(const Caller& caller, bool all_projects) {
  if (all_projects) auth::require_admin(caller, "listing every project's server groups");
  auth::authorize(caller, caller.project_id(), Access::Read);
  return pool_.transact(
      [&](pqxx::work& tx) { return store::list_server_groups(tx, all_projects ? "" : caller.project_id()); });
}

void Compute::delete_server_group(const Caller& caller, const std::string& ref) {
  auth::authorize(caller, caller.project_id(), Access::Write);
  std::string key = validate::reference("server group", ref);
  pool_.transact([&](pqxx::work& tx) {
    auto g = store::find_server_group(tx, caller.project_id(), key);
    if (!g || !auth::allowed(caller, g->project_id, Access::Write)) throw not_found("server group", ref);
    store::lock_project(tx, g->project_id);
    if (!store::group_members(tx, g->id).empty())
      throw failed_precondition("server group " + g->name + " still has servers: delete them first");
    store::delete_server_group(tx, g->id);
  });
}

// ---------------------------------------------------------------- hosts

std::vector<HostView> Compute::list_hosts(const Caller& caller) {
  auth::require_admin(caller, "listing hypervisor hosts");
  return pool_.transact([&](pqxx::work& tx) {
    int64_t now = store::now_seconds(tx);
    std::vector<HostView> out;
    for (auto& h : store::list_hosts(tx)) out.push_back({h, host_up(h, now)});
    return out;
  });
}

HostView Compute::get_host(const Caller& caller, const std::string& name) {
  auth::require_admin(caller, "reading hypervisor hosts");
  return pool_.transact([&](pqxx::work& tx) {
    auto h = store::find_host(tx, name);
    if (!h) throw not_found("host", name);
    return HostView{*h, host_up(*h, store::now_seconds(tx))};
  });
}

HostView Compute::set_host_enabled(const Caller& caller, const std::string& name, bool enabled,
                                   const std::string& reason) {
  auth::require_admin(caller, "enabling or disabling hosts");
  validate::optional_text("reason", reason, 255);
  return pool_.transact([&](pqxx::work& tx) {
    if (!store::find_host(tx, name)) throw not_found("host", name);
    store::set_host_enabled(tx, name, enabled, reason);
    auto h = *store::find_host(tx, name);
    return HostView{h, host_up(h, store::now_seconds(tx))};
  });
}

// ---------------------------------------------------------------- quotas

QuotaView Compute::get_quota(const Caller& caller, const std::string& project) {
  std::string project_id = project.empty() ? caller.project_id() : validate::reference("project", project);
  auth::authorize(caller, project_id, Access::Read);
  return pool_.transact([&](pqxx::work& tx) {
    QuotaView q;
    q.project_id = project_id;
    q.limits = store::quota_of(tx, project_id, settings_.default_quota);
    auto usage = store::usage_of(tx, project_id);
    q.in_use.instances = usage.instances;
    q.in_use.cores = usage.cores;
    q.in_use.ram_mib = static_cast<int>(usage.ram_mib);
    q.in_use.key_pairs = project_id == caller.project_id() ? store::count_key_pairs(tx, caller.user_id()) : 0;
    q.in_use.server_groups = store::count_server_groups(tx, project_id);
    return q;
  });
}

QuotaView Compute::set_quota(const Caller& caller, const std::string& project, const QuotaOverrides& changes) {
  auth::require_admin(caller, "setting quotas");
  if (project.empty()) throw invalid_argument("name the project whose quota to set");
  std::string project_id = validate::reference("project", project);
  for (auto v : {changes.instances, changes.cores, changes.ram_mib, changes.key_pairs, changes.server_groups})
    if (v && *v < -1) throw invalid_argument("a quota is a count, or -1 for unlimited");
  pool_.transact([&](pqxx::work& tx) {
    store::lock_project(tx, project_id);
    store::set_quota(tx, project_id, changes);
  });
  return get_quota(caller, project_id);
}

}  // namespace stratus::compute
