// Volumes on servers, as Nova does it with Cinder: compute checks the server, block storage
// reserves the volume for it (one instance at a time) and says how the host reaches it,
// compute records the attachment and casts to the host's agent, the agent connects the disk
// (live into a running guest) and reports, compute completes the attachment in block storage.
// Detach runs the same way back. Every step is idempotent and the agent is level-triggered
// (the spec lists the attachments), so a lost cast or report heals at the next look; an
// attach or detach the agent never finishes ends after volume_attach_timeout.
#include "common/error/error.h"
#include "common/validate/validate.h"
#include "services/compute/app/compute.h"
#include "services/compute/domain/volume_devices.h"

namespace stratus::compute {

using auth::Access;
using auth::Caller;
namespace bs = cloud::block_storage::v1;

namespace {

const char* const kAttaching = "attaching";
const char* const kAttached = "attached";
const char* const kDetaching = "detaching";

bs::AttachmentRequest attachment_request(const InstanceRow& row, const VolumeAttachmentRow& a) {
  bs::AttachmentRequest r;
  r.set_volume_id(a.volume_id);
  r.set_instance_id(row.id);
  r.set_project_id(row.project_id);
  r.set_device(a.device);
  return r;
}

std::string volume_label(const bs::Volume& v) { return v.name().empty() ? v.id() : v.name() + " (" + v.id() + ")"; }

}  // namespace

VolumeAttachmentRow Compute::attach_volume(const Requester& requester, const AttachSpec& spec) {
  const Caller& caller = requester.caller;
  validate::optional_text("request_id", spec.request_id, 255);
  if (spec.volume.empty()) throw invalid_argument("name the volume to attach (its name or id)");
  if (spec.server.empty()) throw invalid_argument("name the server to attach the volume to (its name or id)");
  // The volume as the user sees it: another project's is NOT_FOUND there, a name resolves.
  const bs::Volume volume = peers_.get_volume(requester.token, spec.volume);
  auto attachment = pool_.transact([&](pqxx::work& tx) {
    InstanceRow row = require_server(tx, caller, spec.server, true);
    auth::authorize(caller, row.project_id, Access::Write);
    // An admin may name any project's server and volume, but never put one project's disk
    // into another project's server.
    if (volume.project_id() != row.project_id) throw not_found("volume", spec.volume);
    if (auto existing = store::find_attachment(tx, volume.id())) {
      if (existing->instance_id == row.id) return *existing;  // a retry
      auto other = store::find_instance(tx, existing->instance_id);
      throw failed_precondition("volume " + volume_label(volume) + " is attached to server " +
                                (other ? other->name + " (" + other->id + ")" : existing->instance_id) +
                                ": a volume is attached to one server at a time; detach it there first");
    }
    check_action(row.status, Action::AttachVolume, row.name);
    auto host = store::find_host(tx, row.host);
    if (!host || !host_up(*host, store::now_seconds(tx)))
      throw failed_precondition("the host of server " + row.name + " is down: try again when it is back");
    std::vector<std::string> taken;
    for (const auto& a : store::attachments_of(tx, row.id)) taken.push_back(a.device);
    const std::string device = choose_device(row.ephemeral_gib, row.swap_mib, taken, spec.device);

    bs::ReserveVolumeRequest reserve;
    reserve.set_volume_id(volume.id());
    reserve.set_instance_id(row.id);
    reserve.set_project_id(row.project_id);
    reserve.set_host(row.host);
    // Refused (FAILED_PRECONDITION naming the instance) when it is in use elsewhere.
    const bs::VolumeConnection connection = peers_.reserve_volume(reserve);

    VolumeAttachmentRow a;
    a.volume_id = volume.id();
    a.instance_id = row.id;
    a.device = device;
    a.status = kAttaching;
    a.connection_driver = connection.driver();
    a.connection_path = connection.path();
    a.connection_format = connection.format();
    a.delete_on_termination = spec.delete_on_termination;
    try {
      store::insert_attachment(tx, a);
      record_action(tx, caller, row, to_string(Action::AttachVolume), spec.request_id);
      cast(tx, row, spec.request_id);
    } catch (...) {
      // Nothing is recorded here: give the reservation back, so the volume is not stuck.
      try {
        peers_.release_volume(attachment_request(row, a));
      } catch (const std::exception& e) {
        logger_.warn("could not give a reservation back", {{"volume_id", a.volume_id}, {"error", e.what()}});
      }
      throw;
    }
    logger_.info("attaching volume", {{"instance", row.id}, {"volume_id", a.volume_id}, {"device", device}});
    return *store::find_attachment(tx, a.volume_id);
  });
  return attachment;
}

VolumeAttachmentRow Compute::detach_volume(const Requester& requester, const std::string& server,
                                           const std::string& volume_ref, const std::string& request_id) {
  const Caller& caller = requester.caller;
  validate::optional_text("request_id", request_id, 255);
  if (volume_ref.empty()) throw invalid_argument("name the volume to detach (its name or id)");
  if (server.empty()) throw invalid_argument("name the server to detach the volume from (its name or id)");
  const bs::Volume volume = peers_.get_volume(requester.token, volume_ref);
  return pool_.transact([&](pqxx::work& tx) {
    InstanceRow row = require_server(tx, caller, server, true);
    auth::authorize(caller, row.project_id, Access::Write);
    auto a = store::find_attachment(tx, volume.id());
    if (!a || a->instance_id != row.id)
      throw failed_precondition("volume " + volume_label(volume) + " is not attached to server " + row.name);
    if (a->status == kDetaching) return *a;  // a retry
    if (a->status == kAttaching)
      throw failed_precondition("volume " + volume_label(volume) + " is still attaching to server " + row.name +
                                ": wait until it is in-use, then detach it");
    check_action(row.status, Action::DetachVolume, row.name);
    auto host = store::find_host(tx, row.host);
    if (!host || !host_up(*host, store::now_seconds(tx)))
      throw failed_precondition("the host of server " + row.name + " is down: try again when it is back");
    peers_.begin_detach(attachment_request(row, *a));
    store::set_attachment_status(tx, a->volume_id, kDetaching);
    record_action(tx, caller, row, to_string(Action::DetachVolume), request_id);
    cast(tx, row, request_id);
    logger_.info("detaching volume", {{"instance", row.id}, {"volume_id", a->volume_id}, {"device", a->device}});
    return *store::find_attachment(tx, a->volume_id);
  });
}

std::vector<VolumeAttachmentRow> Compute::list_attachments(const Caller& caller, const std::string& server) {
  return pool_.transact([&](pqxx::work& tx) {
    InstanceRow row = require_server(tx, caller, server, false);
    return store::attachments_of(tx, row.id);
  });
}

void Compute::report_volume(const Caller& caller, const VolumeReport& report) {
  validate::optional_text("fault_message", report.fault_message, 4096);
  const std::string volume_id = validate::normalized_uuid("volume_id", report.volume_id);
  const std::string fault = report.fault_message.empty() ? std::string("the hypervisor agent reported a failure")
                                                         : report.fault_message;
  pool_.transact([&](pqxx::work& tx) {
    InstanceRow row = require_agent_instance(tx, caller, report.instance_id, true);
    auto a = store::find_attachment(tx, volume_id);
    // Not (or no longer) this instance's: the spec does not list it, so the agent takes a
    // stray disk off on its own.
    if (!a || a->instance_id != row.id) return;
    const auto request = attachment_request(row, *a);
    switch (report.event) {
      case VolumeEvent::Attached:
        if (a->status != kAttaching) return;
        peers_.complete_attachment(request);
        store::set_attachment_status(tx, volume_id, kAttached);
        store::finish_action(tx, row.id, to_string(Action::AttachVolume), true, "");
        logger_.info("volume attached", {{"instance", row.id}, {"volume_id", volume_id}, {"device", a->device}});
        return;
      case VolumeEvent::AttachFailed:
        if (a->status != kAttaching) return;
        peers_.release_volume(request);
        store::delete_attachment(tx, volume_id);
        store::finish_action(tx, row.id, to_string(Action::AttachVolume), false,
                             "attaching volume " + volume_id + " failed: " + fault);
        logger_.warn("volume attach failed", {{"instance", row.id}, {"volume_id", volume_id}, {"fault", fault}});
        return;
      case VolumeEvent::Detached:
        if (a->status != kDetaching) return;
        peers_.release_volume(request);
        store::delete_attachment(tx, volume_id);
        store::finish_action(tx, row.id, to_string(Action::DetachVolume), true, "");
        logger_.info("volume detached", {{"instance", row.id}, {"volume_id", volume_id}});
        return;
      case VolumeEvent::DetachFailed:
        if (a->status != kDetaching) return;
        peers_.complete_attachment(request);  // detaching -> in-use: the disk is still there
        store::set_attachment_status(tx, volume_id, kAttached);
        store::finish_action(tx, row.id, to_string(Action::DetachVolume), false,
                             "detaching volume " + volume_id + " failed: " + fault);
        logger_.warn("volume detach failed", {{"instance", row.id}, {"volume_id", volume_id}, {"fault", fault}});
        return;
    }
  });
}

void Compute::release_volumes(pqxx::work& tx, const InstanceRow& row) {
  for (const auto& a : store::attachments_of(tx, row.id)) {
    peers_.release_volume(attachment_request(row, a));
    if (a.delete_on_termination) {
      peers_.delete_volume(a.volume_id);
      logger_.info("volume deleted with its server", {{"instance", row.id}, {"volume_id", a.volume_id}});
    }
    store::delete_attachment(tx, a.volume_id);
  }
}

void Compute::expire_attachments() {
  const int64_t age = settings_.volume_attach_timeout.count();
  auto stale = pool_.transact([&](pqxx::work& tx) {
    auto out = store::stale_attachments(tx, kAttaching, age);
    for (auto& a : store::stale_attachments(tx, kDetaching, age)) out.push_back(a);
    return out;
  });
  for (const auto& stuck : stale) {
    try {
      pool_.transact([&](pqxx::work& tx) {
        auto row = store::try_lock_instance(tx, stuck.instance_id);
        if (!row) return;
        auto a = store::find_attachment(tx, stuck.volume_id);
        if (!a || a->status != stuck.status || a->updated_at != stuck.updated_at) return;  // it moved on
        const std::string why = " did not finish within " + std::to_string(age) + " s (the agent on host " +
                                row->host + " did not report)";
        if (a->status == kAttaching) {
          peers_.release_volume(attachment_request(*row, *a));
          store::delete_attachment(tx, a->volume_id);
          store::finish_action(tx, row->id, to_string(Action::AttachVolume), false,
                               "attaching volume " + a->volume_id + why);
        } else {
          peers_.complete_attachment(attachment_request(*row, *a));
          store::set_attachment_status(tx, a->volume_id, kAttached);
          store::finish_action(tx, row->id, to_string(Action::DetachVolume), false,
                               "detaching volume " + a->volume_id + why);
        }
        // The agent looks again: a disk attached late is taken off, one detached late goes back.
        cast(tx, *row, "");
        logger_.warn("volume attachment timed out", {{"instance", row->id}, {"volume_id", a->volume_id},
                                                     {"status", a->status}});
      });
    } catch (const std::exception& e) {
      logger_.warn("expiring an attachment failed; next pass retries",
                   {{"volume_id", stuck.volume_id}, {"error", e.what()}});
    }
  }
}

}  // namespace stratus::compute
