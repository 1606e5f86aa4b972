#pragma once
// The compute service's use cases: what each API call does, in terms of the store, the pure
// domain (services/compute/domain) and the peer services (clients/peers.h). Handlers (api/)
// translate messages and call these; every method that acts for somebody takes the verified
// Caller and checks policy itself. Every state change enqueues its event (and its cast to the
// host's agent) in the same transaction, through the outbox.
//
// Tenancy: another project's server or server group, and another user's key pair, are
// answered NOT_FOUND, as if they did not exist. Admins see all.
//
// The build and delete progressions are level-triggered (see README.md): the API call records
// what is wanted and kicks `reconcile`, which also runs periodically and after every restart,
// and moves each busy instance one step on from whatever it finds.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/auth/policy.h"
#include "common/db/pool.h"
#include "common/log/log.h"
#include "services/compute/clients/peers.h"
#include "services/compute/domain/instance_state.h"
#include "services/compute/domain/keypairs.h"
#include "services/compute/domain/scheduler.h"
#include "services/compute/store/compute_store.h"

namespace stratus::compute {

struct Settings {
  scheduling::Settings scheduler;
  QuotaLimits default_quota;
  std::chrono::seconds vif_plugged_timeout{300};  // spawned -> every port ACTIVE
  std::chrono::seconds spawn_timeout{1800};       // cast -> the agent reports the spawn
  std::chrono::seconds host_down_after{60};       // without a heartbeat
  std::string default_availability_zone = "nova";
  int max_count = 50;
  size_t console_log_bytes = 64 * 1024;
  std::string events_exchange = "stratus.events";
  std::string casts_exchange = "stratus.casts";
  // An attach or detach the agent has not finished by then ends (attach: the volume is
  // available again; detach: it stays in-use), with the server action failed.
  std::chrono::seconds volume_attach_timeout{300};
  std::chrono::seconds console_open_timeout{15};  // the agent's tunnel must come by then
};

// A verified caller and the token it called with (to call the peers as that user, so their
// tenant walls apply to what the user names).
struct Requester {
  auth::Caller caller;
  std::string token;
};

// ---- image facts kept with the instance (the image may change or go later) ----
struct ImageRefInfo {
  std::string id, disk_format, container_format, sha256;
  uint64_t size = 0;
};
struct ImageInfo {
  ImageRefInfo image;
  std::optional<ImageRefInfo> kernel, ramdisk;
  std::map<std::string, std::string> properties;
  static ImageInfo from_json(const std::string& text);
  std::string to_json() const;
};

// ---- requests ----
struct FlavorSpec {
  std::string id, name, description;
  int vcpus = 0, ram_mib = 0, disk_gib = 0, ephemeral_gib = 0, swap_mib = 0;
  bool is_private = false;
  std::vector<std::string> access_projects;
};

struct NicSpec {
  std::string network, port, fixed_ip;
};
struct ServerSpec {
  std::string name, image, flavor, key_name;
  std::vector<std::string> security_groups;
  std::vector<NicSpec> networks;
  std::string user_data;  // base64
  bool has_user_data = false;
  std::map<std::string, std::string> metadata;
  std::string availability_zone;
  std::map<std::string, std::string> scheduler_hints;
  std::string server_group;
  int count = 1;
  std::string request_id;
};

struct FloatingAddress {
  std::string port_id, floating_ip, fixed_ip;
};
struct ServerView {
  InstanceRow instance;
  std::vector<InstancePortRow> ports;
  std::vector<FloatingAddress> floating;  // best effort: empty when network cannot be asked
  std::vector<VolumeAttachmentRow> attachments;
  std::optional<HostRow> host;            // nullopt: not placed
  bool host_up = false;
  bool show_host = false;                 // admins only
};

struct ServerQuery {
  std::string name, image, project_id, host;
  std::optional<VmState> vm_state;
  bool all_projects = false, include_deleted = false;
  int page_size = 100;
  std::string page_token;
};
struct ServerPage {
  std::vector<ServerView> servers;
  std::string next_page_token;
};

struct QuotaView {
  std::string project_id;
  QuotaLimits limits;
  QuotaLimits in_use;
};

struct HostView {
  HostRow host;
  bool up = false;
};

// What the agent reports (ReportInstance).
enum class AgentEvent { None, Spawned, SpawnFailed, Stopped, Started, Rebooted, Deleted, SnapshotUploaded,
                        SnapshotFailed, ActionFailed };
struct AgentReport {
  std::string instance_id, host;
  PowerState power_state = PowerState::NoState;
  AgentEvent event = AgentEvent::None;
  std::string fault_message;
  int64_t reboot_generation = 0, snapshot_generation = 0;
  std::optional<std::string> console_log_tail;
};

// What the agent needs of an instance (GetInstanceSpec).
struct InstanceSpecView {
  InstanceRow instance;
  ImageInfo image;
  std::vector<InstancePortRow> ports;
  std::vector<VolumeAttachmentRow> volumes;
};

// What the agent reports of a volume (ReportVolume).
enum class VolumeEvent { Attached, AttachFailed, Detached, DetachFailed };
struct VolumeReport {
  std::string instance_id, volume_id;
  VolumeEvent event = VolumeEvent::Attached;
  std::string fault_message;
};

struct AttachSpec {
  std::string server, volume, device, request_id;
  bool delete_on_termination = false;
};

class Compute {
 public:
  Compute(db::Pool& pool, Peers& peers, Settings settings, log::Logger logger);

  // Called after a change that the reconcile pass should act on soon (main wires it to the
  // pass's trigger).
  void set_kick(std::function<void()> kick) { kick_ = std::move(kick); }
  const Settings& settings() const { return settings_; }

  // ---- flavors ----
  FlavorRow create_flavor(const auth::Caller& caller, const FlavorSpec& spec);
  FlavorRow get_flavor(const auth::Caller& caller, const std::string& ref);
  std::vector<FlavorRow> list_flavors(const auth::Caller& caller, bool include_private);
  void delete_flavor(const auth::Caller& caller, const std::string& ref);
  FlavorRow set_flavor_access(const auth::Caller& caller, const std::string& ref, const std::string& project_id,
                              bool grant);

  // ---- key pairs ----
  struct CreatedKeyPair {
    KeyPairRow key;
    std::string private_key;  // empty when the request_id repeated an earlier call
  };
  CreatedKeyPair create_key_pair(const auth::Caller& caller, const std::string& name, const std::string& type,
                                 const std::string& request_id);
  KeyPairRow import_key_pair(const auth::Caller& caller, const std::string& name, const std::string& public_key,
                             const std::string& request_id);
  KeyPairRow get_key_pair(const auth::Caller& caller, const std::string& ref);
  std::vector<KeyPairRow> list_key_pairs(const auth::Caller& caller);
  void delete_key_pair(const auth::Caller& caller, const std::string& ref);

  // ---- servers ----
  std::vector<ServerView> create_servers(const Requester& requester, const ServerSpec& spec);
  ServerView get_server(const auth::Caller& caller, const std::string& ref);
  ServerPage list_servers(const auth::Caller& caller, const ServerQuery& query);
  ServerView delete_server(const auth::Caller& caller, const std::string& ref, const std::string& request_id);
  ServerView start_server(const auth::Caller& caller, const std::string& ref, const std::string& request_id);
  ServerView stop_server(const auth::Caller& caller, const std::string& ref, const std::string& request_id);
  ServerView reboot_server(const auth::Caller& caller, const std::string& ref, bool hard,
                           const std::string& request_id);
  std::pair<std::string, int64_t> console_log(const auth::Caller& caller, const std::string& ref, int lines);
  // The interactive console (api/ pairs the streams, console/ carries the bytes): which
  // running instance, on which host, the caller may open the console of; then the cast that
  // asks that host's agent to open it for a session.
  struct ConsoleTarget {
    std::string instance_id, name, host;
  };
  ConsoleTarget console_target(const auth::Caller& caller, const std::string& ref);
  void cast_console(const ConsoleTarget& target, const std::string& session_id);
  std::pair<std::string, ServerView> snapshot_server(const auth::Caller& caller, const std::string& ref,
                                                     const std::string& image_name,
                                                     const std::map<std::string, std::string>& properties,
                                                     const std::string& request_id);
  ServerView change_security_group(const Requester& requester, const std::string& ref, const std::string& group,
                                   bool add, const std::string& request_id);
  std::vector<ActionRow> list_actions(const auth::Caller& caller, const std::string& ref);

  // ---- volumes (app/volumes.cpp): block storage reserves, the agent connects, compute completes ----
  VolumeAttachmentRow attach_volume(const Requester& requester, const AttachSpec& spec);
  VolumeAttachmentRow detach_volume(const Requester& requester, const std::string& server, const std::string& volume,
                                    const std::string& request_id);
  std::vector<VolumeAttachmentRow> list_attachments(const auth::Caller& caller, const std::string& server);

  // ---- server groups ----
  ServerGroupRow create_server_group(const auth::Caller& caller, const std::string& name, const std::string& policy,
                                     const std::string& request_id);
  ServerGroupRow get_server_group(const auth::Caller& caller, const std::string& ref);
  std::vector<ServerGroupRow> list_server_groups(const auth::Caller& caller, bool all_projects);
  void delete_server_group(const auth::Caller& caller, const std::string& ref);

  // ---- hosts, quotas ----
  std::vector<HostView> list_hosts(const auth::Caller& caller);
  HostView get_host(const auth::Caller& caller, const std::string& name);
  HostView set_host_enabled(const auth::Caller& caller, const std::string& name, bool enabled,
                            const std::string& reason);
  QuotaView get_quota(const auth::Caller& caller, const std::string& project);
  QuotaView set_quota(const auth::Caller& caller, const std::string& project, const QuotaOverrides& changes);

  // ---- the agent-facing API ----
  HostView register_host(const auth::Caller& caller, HostRow host);
  void heartbeat(const auth::Caller& caller, const std::string& host);
  InstanceSpecView instance_spec(const auth::Caller& caller, const std::string& instance_id);
  std::vector<InstanceSpecView> instances_on_host(const auth::Caller& caller, const std::string& host);
  void report(const auth::Caller& caller, const AgentReport& report);
  void report_volume(const auth::Caller& caller, const VolumeReport& report);
  // For the byte proxies: the instance on the caller's host, and the image ids it may read or
  // the pending snapshot it may write (NOT_FOUND otherwise).
  void check_image_download(const auth::Caller& caller, const std::string& instance_id, const std::string& image_id);
  void check_snapshot_upload(const auth::Caller& caller, const std::string& instance_id, const std::string& image_id);

  // ---- the level-triggered progression ----
  // One pass over every busy instance (BUILD steps, VIF wait and timeouts, deletions, port
  // releases after a failure). Safe to run in several replicas at once.
  void reconcile();
  // The network says a port changed: if it is an instance's, look at that instance again.
  void on_port_changed(const std::string& port_id, const std::string& device_id);

 private:
  void kick() const {
    if (kick_) kick_();
  }
  void advance(const std::string& instance_id);
  void advance_networking(pqxx::work& tx, InstanceRow& row);
  void advance_spawning(pqxx::work& tx, InstanceRow& row);
  void advance_deleting(pqxx::work& tx, InstanceRow& row);
  void release_ports(pqxx::work& tx, InstanceRow& row);
  // The instance is gone from its host: its volumes are available again (or deleted, with
  // delete_on_termination) and its attachment rows go.
  void release_volumes(pqxx::work& tx, const InstanceRow& row);
  // Ends attaches and detaches the agent left unfinished past volume_attach_timeout.
  void expire_attachments();
  // Moves the instance to ERROR with `message` as its fault and gives back what the build
  // held on its host (claim; the agent removes the domain; the ports follow in reconcile).
  void fail_instance(pqxx::work& tx, InstanceRow& row, const std::string& message, int code);
  void store_change(pqxx::work& tx, InstanceRow& row, const Status& before);
  void cast(pqxx::work& tx, const InstanceRow& row, const std::string& request_id);

  InstanceRow require_server(pqxx::work& tx, const auth::Caller& caller, const std::string& ref, bool lock);
  FlavorRow require_flavor(pqxx::work& tx, const auth::Caller& caller, const std::string& ref);
  ServerView view_of(pqxx::work& tx, const auth::Caller& caller, const InstanceRow& row, bool with_floating);
  bool host_up(const HostRow& host, int64_t now) const;
  ServerView begin_power_action(const auth::Caller& caller, const std::string& ref, Action action,
                                const std::string& request_id);
  void record_action(pqxx::work& tx, const auth::Caller& caller, const InstanceRow& row, const std::string& action,
                     const std::string& request_id);
  InstanceRow require_agent_instance(pqxx::work& tx, const auth::Caller& caller, const std::string& instance_id,
                                     bool lock);

  db::Pool& pool_;
  Peers& peers_;
  Settings settings_;
  log::Logger logger_;
  std::function<void()> kick_;
};

// Names of AgentEvent and scheduling::GroupPolicy as the API and the store spell them.
std::optional<scheduling::GroupPolicy> group_policy_from_string(const std::string& text);
const char* to_string(scheduling::GroupPolicy policy);

}  // namespace stratus::compute
