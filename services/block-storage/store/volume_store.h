#pragma once
// block-storage's SQL: one function per statement, run in the caller's transaction.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "common/db/migrations.h"
#include "services/block-storage/domain/snapshot_state.h"
#include "services/block-storage/domain/volume_state.h"

namespace stratus::db {
const std::vector<Migration>& block_storage_migrations();  // generated from migrations/
}  // namespace stratus::db

namespace stratus::block_storage::store {

// The instance a volume is reserved for / attached to (empty instance_id: none).
struct Attachment {
  std::string instance_id, host, device;
  std::optional<int64_t> attached_at;  // when it turned in-use
};

struct VolumeRow {
  std::string id, project_id, user_id, name, description, availability_zone, backend;
  int size_gib = 0;
  VolumeStatus status = VolumeStatus::Creating;
  std::string fault_message;
  std::optional<int64_t> fault_at;
  std::string request_id;
  int64_t created_at = 0, updated_at = 0;
  Attachment attachment;
  std::string source_snapshot_id;
  bool bootable = false;
  std::string image_id;
};

struct SnapshotRow {
  std::string id, project_id, user_id, volume_id, name, description;
  int size_gib = 0;
  SnapshotStatus status = SnapshotStatus::Creating;
  std::string fault_message;
  std::optional<int64_t> fault_at;
  std::string request_id;
  int64_t created_at = 0, updated_at = 0;
};

struct QuotaLimits {
  int volumes = 10;  // -1: unlimited
  int gigabytes = 1000;
  int snapshots = 10;
};
struct QuotaOverrides {
  std::optional<int> volumes, gigabytes, snapshots;
};
struct Usage {
  int64_t volumes = 0, gigabytes = 0, snapshots = 0;
};

// ALREADY_EXISTS naming the volume when the project has one of that name.
void insert_volume(pqxx::work& tx, const VolumeRow& v);
// By id (any project: the caller checks tenancy) or, for a name, within `project_id`.
std::optional<VolumeRow> find_volume(pqxx::work& tx, const std::string& project_id, const std::string& id_or_name,
                                     bool lock = false);
std::optional<VolumeRow> find_by_request(pqxx::work& tx, const std::string& project_id, const std::string& request_id);
// A project's volumes, or every project's when `project_id` is empty; by creation.
std::vector<VolumeRow> list_volumes(pqxx::work& tx, const std::string& project_id);
// Status, fault, name, description, size and attachment of the row; updated_at moves on.
void update_volume(pqxx::work& tx, const VolumeRow& v);
void delete_volume(pqxx::work& tx, const std::string& id);
// Rows in `status` not updated for `older_than_seconds` (what a crash left half-done).
std::vector<VolumeRow> stale_volumes(pqxx::work& tx, VolumeStatus status, int64_t older_than_seconds);

// ---- snapshots ----
// ALREADY_EXISTS naming the snapshot when the project has one of that name.
void insert_snapshot(pqxx::work& tx, const SnapshotRow& s);
// By id (any project: the caller checks tenancy) or, for a name, within `project_id`.
std::optional<SnapshotRow> find_snapshot(pqxx::work& tx, const std::string& project_id, const std::string& id_or_name,
                                         bool lock = false);
std::optional<SnapshotRow> find_snapshot_by_request(pqxx::work& tx, const std::string& project_id,
                                                    const std::string& request_id);
// A project's snapshots (every project's when empty), optionally one volume's; by creation.
std::vector<SnapshotRow> list_snapshots(pqxx::work& tx, const std::string& project_id, const std::string& volume_id);
int64_t count_snapshots_of(pqxx::work& tx, const std::string& volume_id);
// Volumes still being made from the snapshot (their copy reads it).
int64_t count_volumes_being_made_from(pqxx::work& tx, const std::string& snapshot_id);
void update_snapshot(pqxx::work& tx, const SnapshotRow& s);
void delete_snapshot(pqxx::work& tx, const std::string& id);
std::vector<SnapshotRow> stale_snapshots(pqxx::work& tx, SnapshotStatus status, int64_t older_than_seconds);

// The project's quota row, inserted when absent and locked FOR UPDATE: concurrent creations of
// one project queue here, so the usage they count is exact. The limits with defaults applied.
QuotaLimits lock_quota(pqxx::work& tx, const std::string& project_id, const QuotaLimits& defaults);
QuotaLimits quota_of(pqxx::work& tx, const std::string& project_id, const QuotaLimits& defaults);
void set_quota(pqxx::work& tx, const std::string& project_id, const QuotaOverrides& q);
Usage usage_of(pqxx::work& tx, const std::string& project_id);

}  // namespace stratus::block_storage::store
