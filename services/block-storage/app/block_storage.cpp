#include "services/block-storage/app/block_storage.h"

#include "block_storage/v1/block_storage.pb.h"
#include "common/auth/token.h"
#include "common/error/error.h"
#include "common/outbox/outbox.h"
#include "common/validate/validate.h"
#include "services/block-storage/api/mapping.h"
#include "services/block-storage/domain/volume_spec.h"

namespace stratus::block_storage {

using auth::Access;
using auth::Caller;
using store::VolumeRow;

namespace {

// -1 is unlimited; otherwise `used + adding` must stay within `limit`. The message names the
// quota, so the person knows which limit to raise or what to delete.
void check_quota(const std::string& what, int64_t limit, int64_t used, int64_t adding, const std::string& unit) {
  if (limit < 0 || used + adding <= limit) return;
  throw resource_exhausted("quota exceeded for " + what + ": " + std::to_string(used) + unit + " of " +
                           std::to_string(limit) + unit + " in use, " + std::to_string(adding) + unit +
                           " more requested");
}

}  // namespace

BlockStorage::BlockStorage(db::Pool& pool, VolumeDriver& driver, ImageSource& images, Settings settings,
                           log::Logger logger)
    : pool_(pool), driver_(driver), images_(images), settings_(std::move(settings)), logger_(std::move(logger)) {}

void BlockStorage::emit(pqxx::work& tx, const VolumeRow& row, bool deleted) {
  cloud::block_storage::v1::VolumeChanged event;
  event.set_volume_id(row.id);
  event.set_project_id(row.project_id);
  event.set_status(deleted ? cloud::block_storage::v1::VOLUME_STATUS_DELETED : to_proto(row.status));
  event.set_size_gib(row.size_gib);
  outbox::enqueue(tx, settings_.events_exchange, "volume.changed", event);
}

void BlockStorage::store_change(pqxx::work& tx, const VolumeRow& row) {
  store::update_volume(tx, row);
  emit(tx, row, false);
}

VolumeRow BlockStorage::require_volume(pqxx::work& tx, const Caller& caller, const std::string& ref, bool lock) {
  std::string key = validate::reference("volume", ref);
  auto row = store::find_volume(tx, caller.project_id(), key, lock);
  // Another project's volume is not there, as far as the caller can tell.
  if (!row || (row->project_id != caller.project_id() && !caller.acts_for_any_project())) throw not_found("volume", ref);
  return *row;
}

// ---------------------------------------------------------------- create

VolumeRow BlockStorage::create_volume(const Caller& caller, const std::string& token, const VolumeSpec& spec) {
  auth::authorize(caller, caller.project_id(), Access::Write);
  if (!spec.snapshot.empty() && !spec.image.empty())
    throw invalid_argument("give a snapshot or an image to copy, not both");
  // Every check of the request before anything is written.
  VolumeRow row;
  row.size_gib = 0;
  row.name = volume_name(spec.name);
  check_description(spec.description);
  // With a snapshot or an image, 0 means "its size", worked out once it is read.
  if ((spec.snapshot.empty() && spec.image.empty()) || spec.size_gib != 0)
    check_size(spec.size_gib, settings_.max_volume_size_gib);
  // The image as the caller sees it (another project's private image is NOT_FOUND there).
  std::optional<ImageFacts> image;
  if (!spec.image.empty()) {
    image = images_.get(token, spec.image);
    if (image->status != "active")
      throw failed_precondition("image " + echo(image->name) + " is " + image->status + ", not active");
    if (image->disk_format != "raw" && image->disk_format != "qcow2")
      throw invalid_argument("image " + echo(image->name) + " is " + image->disk_format +
                             ": only raw and qcow2 images can become volumes");
    const int64_t needed = std::max<int64_t>({1, static_cast<int64_t>((image->size + (1ull << 30) - 1) >> 30),
                                              static_cast<int64_t>(image->min_disk)});
    row.size_gib = static_cast<int>(spec.size_gib == 0 ? needed : spec.size_gib);
    if (row.size_gib < needed)
      throw invalid_argument("size_gib " + std::to_string(row.size_gib) + " is smaller than image " +
                             echo(image->name) + " needs (" + std::to_string(needed) + " GiB)");
    check_size(row.size_gib, settings_.max_volume_size_gib);
    row.bootable = true;
    row.image_id = image->id;
  }
  check_availability_zone(spec.availability_zone);
  validate::optional_text("request_id", spec.request_id, 255);
  if (!spec.availability_zone.empty() && spec.availability_zone != settings_.default_availability_zone)
    throw invalid_argument("availability_zone " + echo(spec.availability_zone) + " is not one of this cloud's (" +
                           settings_.default_availability_zone + ")");

  row.id = auth::random_uuid();
  row.project_id = caller.project_id();
  row.user_id = caller.user_id();
  row.description = spec.description;
  if (row.size_gib == 0) row.size_gib = static_cast<int>(spec.size_gib);  // an image's size is set above
  row.availability_zone = settings_.default_availability_zone;
  row.status = VolumeStatus::Creating;
  row.backend = driver_.name();
  row.request_id = spec.request_id;

  // One transaction: the quota row locked, so concurrent creations of the project count each
  // other, then the row.
  std::optional<store::SnapshotRow> source;
  std::optional<VolumeRow> earlier = pool_.transact([&](pqxx::work& tx) -> std::optional<VolumeRow> {
    auto quota = store::lock_quota(tx, row.project_id, settings_.default_quota);
    if (!row.request_id.empty())
      if (auto found = store::find_by_request(tx, row.project_id, row.request_id)) return found;
    if (!spec.snapshot.empty()) {
      source = require_snapshot(tx, caller, spec.snapshot, true);  // held: it cannot start deleting
      check_snapshot_usable(source->status, echo(source->name));
      if (spec.size_gib == 0) row.size_gib = source->size_gib;
      if (row.size_gib < source->size_gib)
        throw invalid_argument("size_gib " + std::to_string(row.size_gib) + " is smaller than snapshot " +
                               echo(source->name) + " (" + std::to_string(source->size_gib) + " GiB)");
      row.source_snapshot_id = source->id;
    }
    if (store::find_volume(tx, row.project_id, row.name)) throw already_exists("volume", row.name);
    auto usage = store::usage_of(tx, row.project_id);
    check_quota("volumes", quota.volumes, usage.volumes, 1, "");
    check_quota("gigabytes", quota.gigabytes, usage.gigabytes, row.size_gib, " GiB");
    store::insert_volume(tx, row);
    emit(tx, row, false);
    return std::nullopt;
  });
  if (earlier) return *earlier;

  // The storage, outside the transaction: it may take a while and holds no lock.
  std::string fault;
  try {
    if (source)
      driver_.create_from_snapshot(row.id, row.size_gib, source->volume_id, source->id);
    else if (image)
      driver_.create_from_image(row.id, row.size_gib, image->disk_format,
                                [&](const std::string& path) { images_.download(token, image->id, path); });
    else
      driver_.create(row.id, row.size_gib);
  } catch (const std::exception& e) {
    fault = e.what();
    // run_or_throw ends with ": <output>", which may be empty.
    while (!fault.empty() && (fault.back() == ' ' || fault.back() == ':' || fault.back() == '\n')) fault.pop_back();
    logger_.warn("volume creation failed", {{"volume_id", row.id}, {"error", fault}});
  }
  return pool_.transact([&](pqxx::work& tx) {
    auto current = store::find_volume(tx, row.project_id, row.id, true);
    if (!current) throw not_found("volume", row.id);
    // Only the step in flight completes; a recover() that gave up on it first wins.
    auto to = next(current->status, fault.empty() ? VolumeEvent::Created : VolumeEvent::CreateFailed);
    if (!to) return *current;
    current->status = *to;
    // The user sees what happened, not the host's paths and commands (those are in the log,
    // with the volume id, for the operator).
    current->fault_message =
        fault.empty() ? "" : "the volume could not be created on the storage backend; the operator's log has the details";
    store_change(tx, *current);
    return *store::find_volume(tx, row.project_id, row.id);
  });
}

// ---------------------------------------------------------------- reads, update

VolumeRow BlockStorage::get_volume(const Caller& caller, const std::string& ref) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  return pool_.transact([&](pqxx::work& tx) { return require_volume(tx, caller, ref, false); });
}

std::vector<VolumeRow> BlockStorage::list_volumes(const Caller& caller, bool all_projects) {
  if (all_projects) auth::require_admin(caller, "listing every project's volumes");
  auth::authorize(caller, caller.project_id(), Access::Read);
  return pool_.transact(
      [&](pqxx::work& tx) { return store::list_volumes(tx, all_projects ? "" : caller.project_id()); });
}

VolumeRow BlockStorage::update_volume(const Caller& caller, const std::string& ref, const VolumeChanges& changes) {
  auth::authorize(caller, caller.project_id(), Access::Write);
  if (!changes.name && !changes.description)
    throw invalid_argument("nothing to change: give a new name or description");
  std::optional<std::string> name;
  if (changes.name) name = volume_name(*changes.name);
  if (changes.description) check_description(*changes.description);
  return pool_.transact([&](pqxx::work& tx) {
    VolumeRow row = require_volume(tx, caller, ref, true);
    if (!can_update(row.status))
      throw failed_precondition("cannot change volume " + echo(row.name) + ": it is " + to_string(row.status));
    if (name && *name != row.name && store::find_volume(tx, row.project_id, *name))
      throw already_exists("volume", *name);
    if (name) row.name = *name;
    if (changes.description) row.description = *changes.description;
    store_change(tx, row);
    return *store::find_volume(tx, row.project_id, row.id);
  });
}

// ---------------------------------------------------------------- delete

void BlockStorage::delete_volume(const Caller& caller, const std::string& ref) {
  auth::authorize(caller, caller.project_id(), Access::Write);
  VolumeRow row = pool_.transact([&](pqxx::work& tx) {
    VolumeRow r = require_volume(tx, caller, ref, true);
    // Authorised for the volume's own project (an admin's or a service's call passes).
    auth::authorize(caller, r.project_id, Access::Write);
    if (!r.attachment.instance_id.empty())
      throw failed_precondition("cannot delete volume " + echo(r.name) + ": it is " + to_string(r.status) +
                                " with instance " + r.attachment.instance_id + "; detach it first");
    if (auto n = store::count_snapshots_of(tx, r.id); n > 0)
      throw failed_precondition("cannot delete volume " + echo(r.name) + ": it has " + std::to_string(n) +
                                (n == 1 ? " snapshot" : " snapshots") + "; delete them first");
    r.status = transition(r.status, VolumeEvent::BeginDelete, r.name);
    r.fault_message.clear();
    store_change(tx, r);
    return r;
  });
  finish_delete(row);
}

// ---------------------------------------------------------------- extend

VolumeRow BlockStorage::extend_volume(const Caller& caller, const std::string& ref, int64_t new_size_gib) {
  auth::authorize(caller, caller.project_id(), Access::Write);
  check_size(new_size_gib, settings_.max_volume_size_gib);
  VolumeRow row = pool_.transact([&](pqxx::work& tx) {
    VolumeRow r = require_volume(tx, caller, ref, true);
    auth::authorize(caller, r.project_id, Access::Write);
    if (new_size_gib <= r.size_gib)
      throw invalid_argument("new_size_gib " + std::to_string(new_size_gib) + " must be larger than volume " +
                             echo(r.name) + "'s " + std::to_string(r.size_gib) + " GiB (volumes only grow)");
    if (is_attached_or_attaching(r.status))
      throw failed_precondition("cannot extend volume " + echo(r.name) + ": it is " + to_string(r.status) +
                                " with instance " + r.attachment.instance_id +
                                "; extending an attached volume is not supported yet: detach it first");
    auto quota = store::lock_quota(tx, r.project_id, settings_.default_quota);
    auto usage = store::usage_of(tx, r.project_id);
    check_quota("gigabytes", quota.gigabytes, usage.gigabytes, new_size_gib - r.size_gib, " GiB");
    r.status = transition(r.status, VolumeEvent::BeginExtend, r.name);
    // The new size is counted from now (quota), whatever the backend then does.
    r.size_gib = static_cast<int>(new_size_gib);
    r.fault_message.clear();
    store_change(tx, r);
    return r;
  });
  std::string fault;
  try {
    driver_.extend(row.id, row.size_gib);
  } catch (const std::exception& e) {
    fault = e.what();
    logger_.warn("volume extend failed", {{"volume_id", row.id}, {"error", fault}});
  }
  return pool_.transact([&](pqxx::work& tx) {
    auto current = store::find_volume(tx, row.project_id, row.id, true);
    if (!current) throw not_found("volume", row.id);
    auto to = next(current->status, fault.empty() ? VolumeEvent::Extended : VolumeEvent::ExtendFailed);
    if (!to) return *current;
    current->status = *to;
    current->fault_message = fault.empty() ? "" : "the volume could not be extended on the storage backend (its size "
                                                  "is uncertain); the operator's log has the details";
    store_change(tx, *current);
    logger_.info("volume extended", {{"volume_id", current->id}, {"size_gib", current->size_gib},
                                     {"status", to_string(current->status)}});
    return *store::find_volume(tx, row.project_id, row.id);
  });
}

void BlockStorage::finish_delete(const VolumeRow& row) {
  std::string fault;
  try {
    driver_.remove(row.id);
  } catch (const std::exception& e) {
    fault = e.what();
    logger_.warn("volume storage removal failed", {{"volume_id", row.id}, {"error", fault}});
  }
  pool_.transact([&](pqxx::work& tx) {
    auto current = store::find_volume(tx, row.project_id, row.id, true);
    if (!current || current->status != VolumeStatus::Deleting) return;
    if (fault.empty()) {
      store::delete_volume(tx, current->id);
      emit(tx, *current, true);
      return;
    }
    current->status = transition(current->status, VolumeEvent::DeleteFailed, current->name);
    current->fault_message = "the volume's storage could not be removed: " + fault;
    store_change(tx, *current);
  });
  if (!fault.empty())
    throw Error(ErrorCode::Internal, "volume " + echo(row.name) + " could not be removed (it is error_deleting; "
                                     "delete it again to retry): " + fault);
}

// ---------------------------------------------------------------- attachments

namespace {

// "/dev/vdb" .. "/dev/vdz": the virtio disks after the root disk, as compute names them.
void check_device(const std::string& device) {
  bool ok = device.size() == 8 && device.compare(0, 7, "/dev/vd") == 0 && device[7] >= 'b' && device[7] <= 'z';
  if (!ok) throw invalid_argument("device " + echo(device) + " is not a virtio disk name /dev/vdb .. /dev/vdz");
}

std::string with_instance(const VolumeRow& row) {
  return "volume " + echo(row.name) + " is " + to_string(row.status) + " with instance " +
         row.attachment.instance_id;
}

}  // namespace

VolumeRow BlockStorage::require_for_attachment(pqxx::work& tx, const Caller& caller, AttachmentRef& ref) {
  auth::require_service(caller, "attaching and detaching volumes (ask compute: server add volume)");
  ref.volume_id = validate::normalized_uuid("volume_id", ref.volume_id);
  ref.instance_id = validate::normalized_uuid("instance_id", ref.instance_id);
  if (ref.project_id.empty()) throw invalid_argument("project_id must name the instance's project");
  validate::optional_text("project_id", ref.project_id, 64);
  auto row = store::find_volume(tx, "", ref.volume_id, true);
  // The instance's project must own the volume: nobody attaches another project's disk.
  if (!row || row->project_id != ref.project_id) throw not_found("volume", ref.volume_id);
  return *row;
}

std::pair<VolumeRow, Connection> BlockStorage::reserve_volume(const Caller& caller, const AttachmentRef& request) {
  AttachmentRef ref = request;
  if (ref.host.empty()) throw invalid_argument("host must name the instance's hypervisor host");
  validate::optional_text("host", ref.host, 255);
  VolumeRow row = pool_.transact([&](pqxx::work& tx) {
    VolumeRow r = require_for_attachment(tx, caller, ref);
    bool ours = r.attachment.instance_id == ref.instance_id;
    if (ours && (r.status == VolumeStatus::Attaching || r.status == VolumeStatus::InUse)) return r;  // a retry
    if (!r.attachment.instance_id.empty())
      throw failed_precondition(with_instance(r) + ": a volume is attached to one instance at a time; detach it "
                                "there first");
    r.status = transition(r.status, VolumeEvent::Reserve, r.name);
    r.status = transition(r.status, VolumeEvent::BeginAttach, r.name);
    r.attachment = store::Attachment{ref.instance_id, ref.host, "", std::nullopt};
    r.fault_message.clear();
    store_change(tx, r);
    return r;
  });
  logger_.info("volume reserved", {{"volume_id", row.id}, {"instance", ref.instance_id}, {"host", ref.host}});
  return {row, driver_.connection(row.id, row.attachment.host)};
}

VolumeRow BlockStorage::complete_attachment(const Caller& caller, const AttachmentRef& request) {
  AttachmentRef ref = request;
  check_device(ref.device);
  return pool_.transact([&](pqxx::work& tx) {
    VolumeRow r = require_for_attachment(tx, caller, ref);
    if (r.attachment.instance_id != ref.instance_id)
      throw failed_precondition("volume " + echo(r.name) + " is not being attached to instance " + ref.instance_id);
    if (r.status == VolumeStatus::InUse && r.attachment.device == ref.device) return r;  // a retry
    // attaching -> in-use (connected), or detaching -> in-use (the disk could not be taken off).
    r.status = transition(r.status, r.status == VolumeStatus::Detaching ? VolumeEvent::DetachFailed
                                                                        : VolumeEvent::Attached, r.name);
    r.attachment.device = ref.device;
    store_change(tx, r);
    logger_.info("volume in-use", {{"volume_id", r.id}, {"instance", ref.instance_id}, {"device", ref.device}});
    return *store::find_volume(tx, r.project_id, r.id);
  });
}

VolumeRow BlockStorage::begin_detach(const Caller& caller, const AttachmentRef& request) {
  AttachmentRef ref = request;
  return pool_.transact([&](pqxx::work& tx) {
    VolumeRow r = require_for_attachment(tx, caller, ref);
    if (r.attachment.instance_id != ref.instance_id)
      throw failed_precondition("volume " + echo(r.name) + " is not attached to instance " + ref.instance_id);
    if (r.status == VolumeStatus::Detaching) return r;  // a retry
    r.status = transition(r.status, VolumeEvent::BeginDetach, r.name);
    store_change(tx, r);
    return r;
  });
}

VolumeRow BlockStorage::release_volume(const Caller& caller, const AttachmentRef& request) {
  AttachmentRef ref = request;
  VolumeRow row = pool_.transact([&](pqxx::work& tx) {
    VolumeRow r = require_for_attachment(tx, caller, ref);
    if (r.attachment.instance_id != ref.instance_id) return r;  // not (or no longer) this instance's
    switch (r.status) {
      case VolumeStatus::Reserved: r.status = transition(r.status, VolumeEvent::Unreserve, r.name); break;
      case VolumeStatus::Attaching: r.status = transition(r.status, VolumeEvent::AttachFailed, r.name); break;
      case VolumeStatus::InUse:  // the instance went away with the disk on it
        r.status = transition(r.status, VolumeEvent::BeginDetach, r.name);
        [[fallthrough]];
      case VolumeStatus::Detaching: r.status = transition(r.status, VolumeEvent::Detached, r.name); break;
      default:
        throw std::logic_error("volume " + r.id + " is " + to_string(r.status) + " with an attachment");
    }
    r.attachment = store::Attachment{};
    store_change(tx, r);
    return r;
  });
  logger_.info("volume released", {{"volume_id", row.id}, {"instance", ref.instance_id},
                                   {"status", to_string(row.status)}});
  return row;
}

// ---------------------------------------------------------------- snapshots

void BlockStorage::store_snapshot_change(pqxx::work& tx, const store::SnapshotRow& row) {
  store::update_snapshot(tx, row);
  emit_snapshot(tx, row, false);
}

void BlockStorage::emit_snapshot(pqxx::work& tx, const store::SnapshotRow& row, bool deleted) {
  cloud::block_storage::v1::SnapshotChanged event;
  event.set_snapshot_id(row.id);
  event.set_project_id(row.project_id);
  event.set_volume_id(row.volume_id);
  event.set_status(deleted ? cloud::block_storage::v1::SNAPSHOT_STATUS_DELETED : to_proto(row.status));
  outbox::enqueue(tx, settings_.events_exchange, "snapshot.changed", event);
}

store::SnapshotRow BlockStorage::require_snapshot(pqxx::work& tx, const Caller& caller, const std::string& ref,
                                                  bool lock) {
  std::string key = validate::reference("snapshot", ref);
  auto row = store::find_snapshot(tx, caller.project_id(), key, lock);
  if (!row || (row->project_id != caller.project_id() && !caller.acts_for_any_project()))
    throw not_found("snapshot", ref);
  return *row;
}

store::SnapshotRow BlockStorage::create_snapshot(const Caller& caller, const SnapshotSpec& spec) {
  auth::authorize(caller, caller.project_id(), Access::Write);
  store::SnapshotRow row;
  row.name = volume_name(spec.name);  // the same rules as volume names
  check_description(spec.description);
  validate::optional_text("request_id", spec.request_id, 255);
  if (spec.volume.empty()) throw invalid_argument("name the volume to snapshot (its name or id)");
  row.id = auth::random_uuid();
  row.project_id = caller.project_id();
  row.user_id = caller.user_id();
  row.description = spec.description;
  row.request_id = spec.request_id;
  row.status = SnapshotStatus::Creating;

  std::optional<store::SnapshotRow> earlier = pool_.transact([&](pqxx::work& tx) -> std::optional<store::SnapshotRow> {
    auto quota = store::lock_quota(tx, row.project_id, settings_.default_quota);
    if (!row.request_id.empty())
      if (auto found = store::find_snapshot_by_request(tx, row.project_id, row.request_id)) return found;
    // The volume's row lock: an attach cannot begin while the snapshot is being recorded.
    VolumeRow volume = require_volume(tx, caller, spec.volume, true);
    if (volume.project_id != row.project_id) throw not_found("volume", spec.volume);
    if (is_attached_or_attaching(volume.status))
      throw failed_precondition(
          "cannot snapshot volume " + echo(volume.name) + ": it is " + to_string(volume.status) + " with instance " +
          volume.attachment.instance_id + (spec.force ? "; a forced (crash-consistent) snapshot of an attached volume "
                                                        "is not supported yet: detach it first"
                                                      : "; detach it first"));
    if (volume.status != VolumeStatus::Available)
      throw failed_precondition("cannot snapshot volume " + echo(volume.name) + ": it is " + to_string(volume.status) +
                                ", not available");
    if (store::find_snapshot(tx, row.project_id, row.name)) throw already_exists("snapshot", row.name);
    auto usage = store::usage_of(tx, row.project_id);
    check_quota("snapshots", quota.snapshots, usage.snapshots, 1, "");
    row.volume_id = volume.id;
    row.size_gib = volume.size_gib;
    store::insert_snapshot(tx, row);
    emit_snapshot(tx, row, false);
    return std::nullopt;
  });
  if (earlier) return *earlier;

  std::string fault;
  try {
    driver_.snapshot(row.volume_id, row.id);
  } catch (const std::exception& e) {
    fault = e.what();
    logger_.warn("snapshot creation failed", {{"snapshot_id", row.id}, {"volume_id", row.volume_id}, {"error", fault}});
  }
  return pool_.transact([&](pqxx::work& tx) {
    auto current = store::find_snapshot(tx, row.project_id, row.id, true);
    if (!current) throw not_found("snapshot", row.id);
    if (current->status != SnapshotStatus::Creating) return *current;  // recover() settled it first
    current->status = fault.empty() ? SnapshotStatus::Available : SnapshotStatus::Error;
    current->fault_message =
        fault.empty() ? "" : "the snapshot could not be made on the storage backend; the operator's log has the details";
    store_snapshot_change(tx, *current);
    logger_.info("snapshot created", {{"snapshot_id", current->id}, {"volume_id", current->volume_id},
                                      {"status", to_string(current->status)}});
    return *store::find_snapshot(tx, row.project_id, row.id);
  });
}

store::SnapshotRow BlockStorage::get_snapshot(const Caller& caller, const std::string& ref) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  return pool_.transact([&](pqxx::work& tx) { return require_snapshot(tx, caller, ref, false); });
}

std::vector<store::SnapshotRow> BlockStorage::list_snapshots(const Caller& caller, const std::string& volume,
                                                             bool all_projects) {
  if (all_projects) auth::require_admin(caller, "listing every project's snapshots");
  auth::authorize(caller, caller.project_id(), Access::Read);
  return pool_.transact([&](pqxx::work& tx) {
    std::string volume_id;
    if (!volume.empty()) volume_id = require_volume(tx, caller, volume, false).id;
    return store::list_snapshots(tx, all_projects ? "" : caller.project_id(), volume_id);
  });
}

void BlockStorage::delete_snapshot(const Caller& caller, const std::string& ref) {
  auth::authorize(caller, caller.project_id(), Access::Write);
  store::SnapshotRow row = pool_.transact([&](pqxx::work& tx) {
    store::SnapshotRow s = require_snapshot(tx, caller, ref, true);
    auth::authorize(caller, s.project_id, Access::Write);
    check_snapshot_deletable(s.status, echo(s.name));
    if (store::count_volumes_being_made_from(tx, s.id) > 0)
      throw failed_precondition("cannot delete snapshot " + echo(s.name) +
                                ": a volume is being made from it; try again when it is available");
    s.status = SnapshotStatus::Deleting;
    s.fault_message.clear();
    store_snapshot_change(tx, s);
    return s;
  });
  finish_snapshot_delete(row);
}

void BlockStorage::finish_snapshot_delete(const store::SnapshotRow& row) {
  std::string fault;
  try {
    driver_.delete_snapshot(row.volume_id, row.id);
  } catch (const std::exception& e) {
    fault = e.what();
    logger_.warn("snapshot removal failed", {{"snapshot_id", row.id}, {"error", fault}});
  }
  pool_.transact([&](pqxx::work& tx) {
    auto current = store::find_snapshot(tx, row.project_id, row.id, true);
    if (!current || current->status != SnapshotStatus::Deleting) return;
    if (fault.empty()) {
      store::delete_snapshot(tx, current->id);
      emit_snapshot(tx, *current, true);
      return;
    }
    current->status = SnapshotStatus::ErrorDeleting;
    current->fault_message = "the snapshot could not be removed from the storage backend: " + fault;
    store_snapshot_change(tx, *current);
  });
  if (!fault.empty())
    throw Error(ErrorCode::Internal, "snapshot " + echo(row.name) + " could not be removed (it is error_deleting; "
                                     "delete it again to retry): " + fault);
}

// ---------------------------------------------------------------- recovery

void BlockStorage::recover() {
  int64_t age = settings_.stuck_after.count();
  // creating: the request that made it died; what the driver may have made goes.
  auto stuck = pool_.transact([&](pqxx::work& tx) { return store::stale_volumes(tx, VolumeStatus::Creating, age); });
  for (const auto& row : stuck) {
    std::string fault = "the service stopped while creating the volume";
    try {
      driver_.remove(row.id);
    } catch (const std::exception& e) {
      fault += " (and its partial storage could not be removed: " + std::string(e.what()) + ")";
    }
    pool_.transact([&](pqxx::work& tx) {
      auto current = store::find_volume(tx, row.project_id, row.id, true);
      if (!current || current->status != VolumeStatus::Creating) return;
      current->status = transition(current->status, VolumeEvent::CreateFailed, current->name);
      current->fault_message = fault;
      store_change(tx, *current);
    });
    logger_.warn("volume left creating by a crash is now error", {{"volume_id", row.id}});
  }
  auto deleting = pool_.transact([&](pqxx::work& tx) { return store::stale_volumes(tx, VolumeStatus::Deleting, age); });
  for (const auto& row : deleting) {
    try {
      finish_delete(row);
    } catch (const Error&) {
      // Recorded as error_deleting by finish_delete.
    }
  }
  // extending: the new size is on the row; growing is idempotent, so do it again.
  auto extending = pool_.transact([&](pqxx::work& tx) { return store::stale_volumes(tx, VolumeStatus::Extending, age); });
  for (const auto& row : extending) {
    std::string fault;
    try {
      driver_.extend(row.id, row.size_gib);
    } catch (const std::exception& e) {
      fault = e.what();
    }
    pool_.transact([&](pqxx::work& tx) {
      auto current = store::find_volume(tx, row.project_id, row.id, true);
      if (!current || current->status != VolumeStatus::Extending) return;
      current->status = transition(current->status, fault.empty() ? VolumeEvent::Extended : VolumeEvent::ExtendFailed,
                                   current->name);
      if (!fault.empty()) current->fault_message = "the service stopped while extending the volume: " + fault;
      store_change(tx, *current);
    });
  }
  // Snapshots the same way: one left creating goes to error (what the backend made removed),
  // one left deleting is removed again.
  auto snapshotting =
      pool_.transact([&](pqxx::work& tx) { return store::stale_snapshots(tx, SnapshotStatus::Creating, age); });
  for (const auto& row : snapshotting) {
    std::string fault = "the service stopped while making the snapshot";
    try {
      driver_.delete_snapshot(row.volume_id, row.id);
    } catch (const std::exception& e) {
      fault += " (and what it made could not be removed: " + std::string(e.what()) + ")";
    }
    pool_.transact([&](pqxx::work& tx) {
      auto current = store::find_snapshot(tx, row.project_id, row.id, true);
      if (!current || current->status != SnapshotStatus::Creating) return;
      current->status = SnapshotStatus::Error;
      current->fault_message = fault;
      store_snapshot_change(tx, *current);
    });
  }
  auto unsnapshotting =
      pool_.transact([&](pqxx::work& tx) { return store::stale_snapshots(tx, SnapshotStatus::Deleting, age); });
  for (const auto& row : unsnapshotting) {
    try {
      finish_snapshot_delete(row);
    } catch (const Error&) {
      // Recorded as error_deleting.
    }
  }
}

// ---------------------------------------------------------------- quotas

QuotaView BlockStorage::get_quota(const Caller& caller, const std::string& project) {
  std::string project_id = project.empty() ? caller.project_id() : validate::reference("project", project);
  auth::authorize(caller, project_id, Access::Read);
  return pool_.transact([&](pqxx::work& tx) {
    return QuotaView{project_id, store::quota_of(tx, project_id, settings_.default_quota),
                     store::usage_of(tx, project_id)};
  });
}

QuotaView BlockStorage::set_quota(const Caller& caller, const std::string& project,
                                  const store::QuotaOverrides& changes) {
  auth::require_admin(caller, "setting quotas");
  if (project.empty()) throw invalid_argument("name the project whose quota to set");
  std::string project_id = validate::reference("project", project);
  if (!changes.volumes && !changes.gigabytes && !changes.snapshots)
    throw invalid_argument("nothing to set: give volumes, gigabytes and/or snapshots");
  for (auto v : {changes.volumes, changes.gigabytes, changes.snapshots})
    if (v && *v < -1) throw invalid_argument("a quota is a count, or -1 for unlimited");
  pool_.transact([&](pqxx::work& tx) {
    store::lock_quota(tx, project_id, settings_.default_quota);
    store::set_quota(tx, project_id, changes);
  });
  return get_quota(caller, project_id);
}

}  // namespace stratus::block_storage
