// The agent-facing use cases: hosts registering and heartbeating, the desired state of
// their instances, and what the agents observed. An agent credential is confined to its host:
// an instance on another host is NOT_FOUND for it, as if it did not exist.
#include "common/error/error.h"
#include "common/validate/validate.h"
#include "services/compute/app/compute.h"

namespace stratus::compute {

using auth::Caller;

namespace {
void check_host_name(const std::string& host) {
  if (host.empty()) throw invalid_argument("name the host");
  validate::optional_text("host", host, 255);
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_'))
      throw invalid_argument("a host name has only letters, digits, '-', '.' and '_'");
}
}  // namespace

HostView Compute::register_host(const Caller& caller, HostRow host) {
  check_host_name(host.name);
  auth::require_agent_of(caller, host.name, "registering a hypervisor host");
  if (host.vcpus < 1 || host.ram_mib < 1 || host.disk_gib < 0)
    throw invalid_argument("a host has at least 1 vCPU and 1 MiB of RAM, and no negative disk");
  if (host.availability_zone.empty()) host.availability_zone = settings_.default_availability_zone;
  validate::optional_text("availability_zone", host.availability_zone, 255);
  validate::optional_text("hypervisor_type", host.hypervisor_type, 64);
  validate::optional_text("architecture", host.architecture, 64);
  validate::optional_text("agent_version", host.agent_version, 64);
  auto view = pool_.transact([&](pqxx::work& tx) {
    store::upsert_host(tx, host);
    auto h = *store::find_host(tx, host.name);
    return HostView{h, true};
  });
  logger_.info("host registered", {{"host", host.name}, {"vcpus", host.vcpus}, {"ram_mib", host.ram_mib}});
  kick();  // deletions that waited for a host that was down can finish
  return view;
}

void Compute::heartbeat(const Caller& caller, const std::string& host) {
  check_host_name(host);
  auth::require_agent_of(caller, host, "a host's heartbeat");
  pool_.transact([&](pqxx::work& tx) {
    if (!store::touch_host(tx, host)) throw not_found("host (register it first)", host);
  });
}

InstanceRow Compute::require_agent_instance(pqxx::work& tx, const Caller& caller, const std::string& instance_id,
                                            bool lock) {
  std::string id = validate::normalized_uuid("instance_id", instance_id);
  auto row = lock ? store::lock_instance(tx, id) : store::find_instance(tx, id);
  if (!caller.acts_for_any_project()) {
    // The agent of another host learns nothing, not even that the instance exists.
    if (!row || caller.agent_host() != row->host) {
      auth::require_agent(caller, "the agent-facing API");
      throw not_found("instance", instance_id);
    }
  }
  if (!row) throw not_found("instance", instance_id);
  auth::require_agent_of(caller, row->host, "the agent-facing API");
  return *row;
}

InstanceSpecView Compute::instance_spec(const Caller& caller, const std::string& instance_id) {
  return pool_.transact([&](pqxx::work& tx) {
    auto row = require_agent_instance(tx, caller, instance_id, false);
    if (row.agent_cleaned && row.cleanup) throw not_found("instance", instance_id);  // nothing left to do on the host
    return InstanceSpecView{row, ImageInfo::from_json(row.image_json), store::instance_ports(tx, row.id),
                            store::attachments_of(tx, row.id)};
  });
}

std::vector<InstanceSpecView> Compute::instances_on_host(const Caller& caller, const std::string& host) {
  check_host_name(host);
  auth::require_agent_of(caller, host, "listing a host's instances");
  return pool_.transact([&](pqxx::work& tx) {
    std::vector<InstanceSpecView> out;
    for (const auto& row : store::instances_on_host(tx, host))
      out.push_back({row, ImageInfo::from_json(row.image_json), store::instance_ports(tx, row.id),
                     store::attachments_of(tx, row.id)});
    return out;
  });
}

void Compute::report(const Caller& caller, const AgentReport& report) {
  if (report.console_log_tail && report.console_log_tail->size() > settings_.console_log_bytes + 4096)
    throw invalid_argument("console_log_tail is limited to " + std::to_string(settings_.console_log_bytes) + " bytes");
  validate::optional_text("fault_message", report.fault_message, 4096);
  bool kick_after = false;
  pool_.transact([&](pqxx::work& tx) {
    auto row = require_agent_instance(tx, caller, report.instance_id, true);
    if (!report.host.empty() && report.host != row.host)
      throw failed_precondition("instance " + row.id + " is not on host " + report.host);
    if (report.console_log_tail) {
      std::string tail = *report.console_log_tail;
      if (tail.size() > settings_.console_log_bytes) tail = tail.substr(tail.size() - settings_.console_log_bytes);
      store::put_console_tail(tx, row.id, tail);
    }
    Status before = row.status;
    if (report.power_state != PowerState::NoState || report.event == AgentEvent::Deleted)
      row.power_state = report.power_state;
    std::string fault = report.fault_message.empty() ? std::string("the hypervisor agent reported a failure")
                                                     : report.fault_message;
    switch (report.event) {
      case AgentEvent::Spawned:
        if (row.status.vm == VmState::Building && !row.spawned && !row.cleanup) {
          row.spawned = true;
          row.spawn_started_at = store::now_seconds(tx);  // the VIF clock starts now
          kick_after = true;
        }
        break;
      case AgentEvent::SpawnFailed:
        if (row.status.vm == VmState::Building && !row.cleanup) {
          fail_instance(tx, row, "spawning on host " + row.host + " failed: " + fault, 500);
          return;
        }
        break;
      case AgentEvent::Deleted:
        row.agent_cleaned = row.cleanup;  // a report of a domain compute still wants changes nothing
        row.power_state = PowerState::NoState;
        kick_after = true;
        break;
      case AgentEvent::Rebooted:
        if (report.reboot_generation < row.reboot_generation) break;  // an older reboot
        row.status = on_power_observed(row.status, report.power_state);
        break;
      case AgentEvent::SnapshotUploaded:
      case AgentEvent::SnapshotFailed:
        if (report.snapshot_generation != row.snapshot_generation ||
            row.status.task != TaskState::ImageSnapshot)
          break;
        row.status = on_snapshot_done(row.status);
        row.snapshot_image_id.clear();
        store::finish_action(tx, row.id, "snapshot", report.event == AgentEvent::SnapshotUploaded,
                             report.event == AgentEvent::SnapshotFailed ? fault : "");
        break;
      case AgentEvent::ActionFailed:
        if (row.status.task == TaskState::PoweringOff || row.status.task == TaskState::PoweringOn ||
            row.status.task == TaskState::Rebooting || row.status.task == TaskState::RebootingHard) {
          fail_instance(tx, row, fault, 500);
          return;
        }
        break;
      case AgentEvent::Stopped:
      case AgentEvent::Started:
      case AgentEvent::None:
        if (row.status.vm != VmState::Building && !row.cleanup &&
            !(row.status.task == TaskState::Rebooting || row.status.task == TaskState::RebootingHard))
          row.status = on_power_observed(row.status, report.power_state);
        break;
    }
    // A task that the observed power state completed ends its action as a success.
    if (row.status != before && row.status.task == TaskState::None && before.task != TaskState::None &&
        before.task != TaskState::ImageSnapshot)
      store::finish_action(tx, row.id, "", true, "");
    store_change(tx, row, before);
  });
  if (kick_after) kick();
}

void Compute::check_image_download(const Caller& caller, const std::string& instance_id, const std::string& image_id) {
  pool_.transact([&](pqxx::work& tx) {
    auto row = require_agent_instance(tx, caller, instance_id, false);
    auto info = ImageInfo::from_json(row.image_json);
    std::string id = validate::reference("image_id", image_id);
    bool allowed = id == info.image.id || (info.kernel && id == info.kernel->id) || (info.ramdisk && id == info.ramdisk->id);
    if (!allowed) throw not_found("image of instance " + row.id, image_id);
  });
}

void Compute::check_snapshot_upload(const Caller& caller, const std::string& instance_id, const std::string& image_id) {
  pool_.transact([&](pqxx::work& tx) {
    auto row = require_agent_instance(tx, caller, instance_id, false);
    if (row.snapshot_image_id.empty() || row.snapshot_image_id != validate::reference("image_id", image_id))
      throw not_found("pending snapshot of instance " + row.id, image_id);
  });
}

}  // namespace stratus::compute
