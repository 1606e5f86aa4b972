#pragma once
// The compute service's SQL, one section per table. Every function runs in the caller's
// transaction, so a use case combines several writes and its outbox messages atomically.
// Visibility (tenant walls) is the use cases' business; lookups here are plain.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "common/db/migrations.h"
#include "services/compute/domain/instance_state.h"
#include "services/compute/domain/scheduler.h"

namespace stratus::db {
const std::vector<Migration>& compute_migrations();  // generated from migrations/
}

namespace stratus::compute {

struct FlavorRow {
  std::string id, name, description;
  int vcpus = 0, ram_mib = 0, disk_gib = 0, ephemeral_gib = 0, swap_mib = 0;
  bool is_public = true;
  std::vector<std::string> access_project_ids;
  int64_t created_at = 0;
};

struct KeyPairRow {
  std::string id, user_id, project_id, name, type, public_key, fingerprint_md5, fingerprint_sha256;
  int bits = 0;
  std::string request_id;
  int64_t created_at = 0;
};

struct ServerGroupRow {
  std::string id, project_id, user_id, name, policy;  // policy: "affinity", "anti-affinity", ...
  std::string request_id;
  std::vector<std::string> member_ids;
  int64_t created_at = 0;
};

struct HostRow {
  std::string name, availability_zone, hypervisor_type, architecture, agent_version;
  int vcpus = 0;
  int64_t ram_mib = 0, disk_gib = 0;
  bool enabled = true;
  std::string disabled_reason;
  int64_t last_heartbeat_at = 0, created_at = 0;
  // Sums of the host's claims.
  int vcpus_used = 0;
  int64_t ram_mib_used = 0, disk_gib_used = 0;
  int instances = 0;
};

struct SecurityGroupRef {
  std::string id, name;
};
struct NicRequest {
  std::string network_id, port_id, fixed_ip;
};

struct InstanceRow {
  std::string id, project_id, user_id, name, hostname;
  Status status;
  PowerState power_state = PowerState::NoState;
  std::string host, availability_zone;
  std::string flavor_id, flavor_name;
  int vcpus = 0, ram_mib = 0, disk_gib = 0, ephemeral_gib = 0, swap_mib = 0;
  std::string image_id, image_json;  // image_json: see app/image_info.h
  std::string key_name, public_key;
  bool has_user_data = false;
  std::string user_data;
  std::map<std::string, std::string> metadata;
  std::vector<SecurityGroupRef> security_groups;
  std::vector<NicRequest> nics;
  std::string server_group_id, reservation_id, request_id;
  std::string desired_power = "running";  // "running" or "shutdown"
  int64_t reboot_generation = 0;
  bool reboot_hard = false;
  bool spawned = false, cleanup = false, agent_cleaned = false;
  std::optional<int64_t> spawn_started_at;
  std::string snapshot_image_id;
  int64_t snapshot_generation = 0;
  std::string fault_message;
  int fault_code = 0;
  std::optional<int64_t> fault_at;
  int64_t created_at = 0, updated_at = 0;
  std::optional<int64_t> launched_at, deleted_at;
};

struct FixedIpInfo {
  std::string ip_address, subnet_id, cidr, gateway_ip;
  std::vector<std::string> dns_nameservers;
};
struct InstancePortRow {
  std::string instance_id;
  int position = 0;
  std::string port_id;
  bool created_by_compute = true;
  std::string network_id, network_name, mac_address;
  int mtu = 0;
  std::vector<FixedIpInfo> fixed_ips;
  std::string status = "DOWN";
};

struct VolumeAttachmentRow {
  std::string volume_id, instance_id, device;  // device: /dev/vdb ...
  std::string status = "attaching";            // attaching, attached, detaching
  std::string connection_driver, connection_path, connection_format;
  bool delete_on_termination = false;
  int64_t created_at = 0, updated_at = 0;
};

struct QuotaLimits {
  int instances = 10, cores = 20, ram_mib = 51200, key_pairs = 100, server_groups = 10;  // -1: unlimited
};
struct QuotaOverrides {
  std::optional<int> instances, cores, ram_mib, key_pairs, server_groups;
};

struct ActionRow {
  std::string instance_id, request_id, action, user_id, project_id, result, message;
  int64_t started_at = 0;
  std::optional<int64_t> finished_at;
};

namespace store {

// Serialises a project's quota-checked creations (instances, key pairs, server groups).
void lock_project(pqxx::work& tx, const std::string& project_id);

// ---- flavors ----
void insert_flavor(pqxx::work& tx, const FlavorRow& f);
std::optional<FlavorRow> find_flavor(pqxx::work& tx, const std::string& id_or_name);
std::vector<FlavorRow> list_flavors(pqxx::work& tx);
void mark_flavor_deleted(pqxx::work& tx, const std::string& id);
void add_flavor_access(pqxx::work& tx, const std::string& flavor_id, const std::string& project_id);
void remove_flavor_access(pqxx::work& tx, const std::string& flavor_id, const std::string& project_id);

// ---- key pairs ----
void insert_key_pair(pqxx::work& tx, const KeyPairRow& k);
std::optional<KeyPairRow> find_key_pair(pqxx::work& tx, const std::string& user_id, const std::string& id_or_name);
std::optional<KeyPairRow> find_key_pair_by_request(pqxx::work& tx, const std::string& user_id,
                                                   const std::string& request_id);
std::vector<KeyPairRow> list_key_pairs(pqxx::work& tx, const std::string& user_id);
void delete_key_pair(pqxx::work& tx, const std::string& id);
int count_key_pairs(pqxx::work& tx, const std::string& user_id);

// ---- server groups ----
void insert_server_group(pqxx::work& tx, const ServerGroupRow& g);
std::optional<ServerGroupRow> find_server_group(pqxx::work& tx, const std::string& project_id,
                                                const std::string& id_or_name);
std::optional<ServerGroupRow> find_server_group_by_request(pqxx::work& tx, const std::string& project_id,
                                                           const std::string& request_id);
std::vector<ServerGroupRow> list_server_groups(pqxx::work& tx, const std::string& project_id);  // "" : all
void delete_server_group(pqxx::work& tx, const std::string& id);
int count_server_groups(pqxx::work& tx, const std::string& project_id);

// ---- hosts ----
void upsert_host(pqxx::work& tx, const HostRow& h);
bool touch_host(pqxx::work& tx, const std::string& name);  // false: unknown host
std::optional<HostRow> find_host(pqxx::work& tx, const std::string& name);
std::vector<HostRow> list_hosts(pqxx::work& tx);
// Every host row locked FOR UPDATE (in name order, so concurrent schedulers never deadlock),
// with the sums of its claims: the scheduler's consistent view.
std::vector<HostRow> lock_hosts(pqxx::work& tx);
void set_host_enabled(pqxx::work& tx, const std::string& name, bool enabled, const std::string& reason);
int64_t now_seconds(pqxx::work& tx);

// ---- instances ----
void insert_instance(pqxx::work& tx, const InstanceRow& i);
std::optional<InstanceRow> find_instance(pqxx::work& tx, const std::string& id);
// Within a project: by id or by the name of a server that is not deleted.
std::optional<InstanceRow> find_instance_in_project(pqxx::work& tx, const std::string& project_id,
                                                    const std::string& id_or_name);
std::optional<InstanceRow> lock_instance(pqxx::work& tx, const std::string& id);  // FOR UPDATE
// The same, skipping a row another transaction holds (a replica working on it).
std::optional<InstanceRow> try_lock_instance(pqxx::work& tx, const std::string& id);
struct InstanceQuery {
  std::string project_id;  // "" : all projects
  std::string name, image_id, host;
  std::optional<VmState> vm_state;
  bool include_deleted = false;
  std::string after_id;  // paging: ids greater than this
  int limit = 100;
};
std::vector<InstanceRow> list_instances(pqxx::work& tx, const InstanceQuery& query);
std::vector<InstanceRow> instances_by_request(pqxx::work& tx, const std::string& project_id,
                                              const std::string& request_id);
std::vector<InstanceRow> instances_on_host(pqxx::work& tx, const std::string& host);
// Ids of instances the build/delete pass has work on.
std::vector<std::string> busy_instance_ids(pqxx::work& tx);
bool name_in_use(pqxx::work& tx, const std::string& project_id, const std::string& name);
void update_instance(pqxx::work& tx, const InstanceRow& i);  // every mutable column; bumps updated_at
std::vector<std::string> hosts_of_group(pqxx::work& tx, const std::string& server_group_id);
std::vector<std::string> group_members(pqxx::work& tx, const std::string& server_group_id);

struct ProjectUsage {
  int instances = 0, cores = 0;
  int64_t ram_mib = 0;
};
ProjectUsage usage_of(pqxx::work& tx, const std::string& project_id);

// ---- claims ----
void insert_claim(pqxx::work& tx, const std::string& instance_id, const std::string& host, int vcpus,
                  int64_t ram_mib, int64_t disk_gib);
void delete_claim(pqxx::work& tx, const std::string& instance_id);
bool has_claim(pqxx::work& tx, const std::string& instance_id);

// ---- instance ports ----
void insert_instance_port(pqxx::work& tx, const InstancePortRow& p);
std::vector<InstancePortRow> instance_ports(pqxx::work& tx, const std::string& instance_id);
void set_port_status(pqxx::work& tx, const std::string& port_id, const std::string& status);
void delete_instance_port(pqxx::work& tx, const std::string& instance_id, const std::string& port_id);
// The instance a port belongs to, if any.
std::optional<std::string> instance_of_port(pqxx::work& tx, const std::string& port_id);

// ---- volume attachments ----
// ALREADY_EXISTS when the device is taken on the instance (the unique index).
void insert_attachment(pqxx::work& tx, const VolumeAttachmentRow& a);
std::vector<VolumeAttachmentRow> attachments_of(pqxx::work& tx, const std::string& instance_id);
std::optional<VolumeAttachmentRow> find_attachment(pqxx::work& tx, const std::string& volume_id);
void set_attachment_status(pqxx::work& tx, const std::string& volume_id, const std::string& status);
void delete_attachment(pqxx::work& tx, const std::string& volume_id);
// Attachments in `status` unchanged for `older_than_seconds` (an agent that never answered).
std::vector<VolumeAttachmentRow> stale_attachments(pqxx::work& tx, const std::string& status,
                                                   int64_t older_than_seconds);

// ---- quotas ----
QuotaLimits quota_of(pqxx::work& tx, const std::string& project_id, const QuotaLimits& defaults);
void set_quota(pqxx::work& tx, const std::string& project_id, const QuotaOverrides& q);

// ---- actions ----
void insert_action(pqxx::work& tx, const ActionRow& a);
// Finishes the instance's latest pending action named `action` (any pending one when empty).
void finish_action(pqxx::work& tx, const std::string& instance_id, const std::string& action, bool success,
                   const std::string& message);
std::vector<ActionRow> list_actions(pqxx::work& tx, const std::string& instance_id);

// ---- console ----
void put_console_tail(pqxx::work& tx, const std::string& instance_id, const std::string& tail);
std::optional<std::pair<std::string, int64_t>> console_tail(pqxx::work& tx, const std::string& instance_id);

}  // namespace store
}  // namespace stratus::compute
