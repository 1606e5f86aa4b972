#pragma once
// block-storage's use cases: what each API call does, in terms of the store, the pure domain
// and the volume driver. Handlers (api/) translate messages and call these; every method takes
// the verified Caller and checks policy itself. Every status change enqueues volume.changed in
// the same transaction, through the outbox.
//
// Tenancy: another project's volume is answered NOT_FOUND, as if it did not exist. Admins and
// services act on any project's volume (by id).
//
// Creation and deletion touch the driver outside any transaction, between two of them:
//   create: [quota row FOR UPDATE, check, insert `creating`] -> driver.create ->
//           [`available`, or `error` with the driver's message]
//   delete: [row FOR UPDATE, `deleting`] -> driver.remove -> [row gone, or `error_deleting`]
// A crash between them leaves the row in creating/deleting; recover() (at start and
// periodically) finishes such rows once they are older than `stuck_after`.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/auth/policy.h"
#include "common/db/pool.h"
#include "common/log/log.h"
#include "services/block-storage/drivers/image_source.h"
#include "services/block-storage/drivers/volume_driver.h"
#include "services/block-storage/store/volume_store.h"

namespace stratus::block_storage {

struct Settings {
  store::QuotaLimits default_quota;
  std::string default_availability_zone = "nova";
  int64_t max_volume_size_gib = 1024;
  std::chrono::seconds stuck_after{600};  // creating/deleting rows older than this are a crash's
  std::string events_exchange = "stratus.events";
};

struct VolumeSpec {
  std::string name, description, availability_zone, request_id;
  int64_t size_gib = 0;     // 0 with a snapshot: the snapshot's size
  std::string snapshot;     // id or name: a copy of that snapshot
  std::string image;        // id or name: a copy of that image (bootable)
};

struct SnapshotSpec {
  std::string name, description, volume, request_id;
  bool force = false;
};

struct VolumeChanges {
  std::optional<std::string> name, description;
};

// Which instance (of which project) an attachment call is about; host and device where the
// call takes them.
struct AttachmentRef {
  std::string volume_id, instance_id, project_id, host, device;
};

struct QuotaView {
  std::string project_id;
  store::QuotaLimits limits;
  store::Usage in_use;
};

class BlockStorage {
 public:
  BlockStorage(db::Pool& pool, VolumeDriver& driver, ImageSource& images, Settings settings, log::Logger logger);

  // `token`: the caller's own, to read an image as the caller may.
  store::VolumeRow create_volume(const auth::Caller& caller, const std::string& token, const VolumeSpec& spec);
  store::VolumeRow get_volume(const auth::Caller& caller, const std::string& ref);
  std::vector<store::VolumeRow> list_volumes(const auth::Caller& caller, bool all_projects);
  store::VolumeRow update_volume(const auth::Caller& caller, const std::string& ref, const VolumeChanges& changes);
  void delete_volume(const auth::Caller& caller, const std::string& ref);
  // [row FOR UPDATE, quota row, extending] -> driver.extend -> [available at the new size, or error]
  store::VolumeRow extend_volume(const auth::Caller& caller, const std::string& ref, int64_t new_size_gib);

  // ---- attachments: compute (role service) only; see proto/block_storage for the flow ----
  std::pair<store::VolumeRow, Connection> reserve_volume(const auth::Caller& caller, const AttachmentRef& ref);
  store::VolumeRow complete_attachment(const auth::Caller& caller, const AttachmentRef& ref);
  store::VolumeRow begin_detach(const auth::Caller& caller, const AttachmentRef& ref);
  store::VolumeRow release_volume(const auth::Caller& caller, const AttachmentRef& ref);

  // ---- snapshots ----
  store::SnapshotRow create_snapshot(const auth::Caller& caller, const SnapshotSpec& spec);
  store::SnapshotRow get_snapshot(const auth::Caller& caller, const std::string& ref);
  std::vector<store::SnapshotRow> list_snapshots(const auth::Caller& caller, const std::string& volume,
                                                 bool all_projects);
  void delete_snapshot(const auth::Caller& caller, const std::string& ref);

  QuotaView get_quota(const auth::Caller& caller, const std::string& project);
  QuotaView set_quota(const auth::Caller& caller, const std::string& project, const store::QuotaOverrides& changes);

  // Finishes what a crash left half-done: `creating` rows older than stuck_after go to error
  // (their storage removed), `deleting` rows are removed again. Safe in several replicas.
  void recover();

  const Settings& settings() const { return settings_; }

 private:
  store::VolumeRow require_volume(pqxx::work& tx, const auth::Caller& caller, const std::string& ref, bool lock);
  // Stores the row and its volume.changed event.
  void store_change(pqxx::work& tx, const store::VolumeRow& row);
  // The volume of an attachment call, locked; NOT_FOUND unless it is the project's.
  store::VolumeRow require_for_attachment(pqxx::work& tx, const auth::Caller& caller, AttachmentRef& ref);
  void emit(pqxx::work& tx, const store::VolumeRow& row, bool deleted);
  store::SnapshotRow require_snapshot(pqxx::work& tx, const auth::Caller& caller, const std::string& ref, bool lock);
  // The snapshot's snapshot.changed event (status DELETED when it is gone); store_snapshot_change
  // also writes the row, as store_change does for volumes.
  void emit_snapshot(pqxx::work& tx, const store::SnapshotRow& row, bool deleted);
  void store_snapshot_change(pqxx::work& tx, const store::SnapshotRow& row);
  // The second half of a snapshot's delete: the backend, then the row (or error_deleting).
  void finish_snapshot_delete(const store::SnapshotRow& row);
  // The second half of a delete: the storage, then the row (or error_deleting).
  void finish_delete(const store::VolumeRow& row);

  db::Pool& pool_;
  VolumeDriver& driver_;
  ImageSource& images_;
  Settings settings_;
  log::Logger logger_;
};

}  // namespace stratus::block_storage
