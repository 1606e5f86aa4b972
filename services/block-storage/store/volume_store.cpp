#include "services/block-storage/store/volume_store.h"

#include "common/error/error.h"
#include "common/validate/validate.h"

namespace stratus::block_storage::store {

namespace {

std::string epoch(const std::string& column) { return "extract(epoch from " + column + ")::bigint"; }

const std::string kColumns = "id::text, project_id, user_id, name, description, size_gib, availability_zone, status, "
                             "backend, fault_message, " + epoch("fault_at") + ", request_id, " + epoch("created_at") +
                             ", " + epoch("updated_at") +
                             ", attached_instance_id, attached_host, attached_device, " + epoch("attached_at") +
                             ", source_snapshot_id, bootable, image_id";

VolumeRow volume_from(const pqxx::row& r) {
  VolumeRow v;
  v.id = r[0].as<std::string>();
  v.project_id = r[1].as<std::string>();
  v.user_id = r[2].as<std::string>();
  v.name = r[3].as<std::string>();
  v.description = r[4].as<std::string>();
  v.size_gib = r[5].as<int>();
  v.availability_zone = r[6].as<std::string>();
  auto status = status_from_string(r[7].as<std::string>());
  // Only this service writes the column, from to_string(): anything else is a bug.
  if (!status) throw std::logic_error("volume " + v.id + " has an unknown status " + r[7].as<std::string>());
  v.status = *status;
  v.backend = r[8].as<std::string>();
  v.fault_message = r[9].as<std::string>();
  if (!r[10].is_null()) v.fault_at = r[10].as<int64_t>();
  v.request_id = r[11].as<std::string>();
  v.created_at = r[12].as<int64_t>();
  v.updated_at = r[13].as<int64_t>();
  v.attachment.instance_id = r[14].as<std::string>();
  v.attachment.host = r[15].as<std::string>();
  v.attachment.device = r[16].as<std::string>();
  if (!r[17].is_null()) v.attachment.attached_at = r[17].as<int64_t>();
  v.source_snapshot_id = r[18].as<std::string>();
  v.bootable = r[19].as<bool>();
  v.image_id = r[20].as<std::string>();
  return v;
}

std::vector<VolumeRow> rows_of(const pqxx::result& result) {
  std::vector<VolumeRow> out;
  for (const auto& r : result) out.push_back(volume_from(r));
  return out;
}

}  // namespace

void insert_volume(pqxx::work& tx, const VolumeRow& v) {
  try {
    tx.exec_params("INSERT INTO volumes (id, project_id, user_id, name, description, size_gib, availability_zone, "
                   "status, backend, request_id, source_snapshot_id, bootable, image_id) VALUES ($1::uuid, $2, $3, $4, $5, "
                   "$6, $7, $8, $9, $10, $11, $12, $13)",
                   v.id, v.project_id, v.user_id, v.name, v.description, v.size_gib, v.availability_zone,
                   std::string(to_string(v.status)), v.backend, v.request_id, v.source_snapshot_id, v.bootable,
                   v.image_id);
  } catch (const pqxx::unique_violation&) {
    throw already_exists("volume", v.name);
  }
}

std::optional<VolumeRow> find_volume(pqxx::work& tx, const std::string& project_id, const std::string& id_or_name,
                                     bool lock) {
  std::string suffix = lock ? " FOR UPDATE" : "";
  pqxx::result rows =
      validate::is_uuid(id_or_name)
          ? tx.exec_params("SELECT " + kColumns + " FROM volumes WHERE id = $1::uuid" + suffix, id_or_name)
          : tx.exec_params("SELECT " + kColumns + " FROM volumes WHERE project_id = $1 AND name = $2" + suffix,
                           project_id, id_or_name);
  if (rows.empty()) return std::nullopt;
  return volume_from(rows[0]);
}

std::optional<VolumeRow> find_by_request(pqxx::work& tx, const std::string& project_id, const std::string& request_id) {
  auto rows = tx.exec_params("SELECT " + kColumns + " FROM volumes WHERE project_id = $1 AND request_id = $2",
                             project_id, request_id);
  if (rows.empty()) return std::nullopt;
  return volume_from(rows[0]);
}

std::vector<VolumeRow> list_volumes(pqxx::work& tx, const std::string& project_id) {
  if (project_id.empty()) return rows_of(tx.exec("SELECT " + kColumns + " FROM volumes ORDER BY created_at, id"));
  return rows_of(tx.exec_params("SELECT " + kColumns + " FROM volumes WHERE project_id = $1 ORDER BY created_at, id",
                                project_id));
}

void update_volume(pqxx::work& tx, const VolumeRow& v) {
  try {
    tx.exec_params("UPDATE volumes SET name = $2, description = $3, status = $4, fault_message = $5, size_gib = $9, "
                   "fault_at = CASE WHEN $5 = '' THEN NULL WHEN fault_message = $5 THEN fault_at ELSE now() END, "
                   "attached_instance_id = $6, attached_host = $7, attached_device = $8, "
                   "attached_at = CASE WHEN $6 = '' THEN NULL WHEN $4 = 'in-use' THEN coalesce(attached_at, now()) "
                   "ELSE attached_at END, updated_at = now() WHERE id = $1::uuid",
                   v.id, v.name, v.description, std::string(to_string(v.status)), v.fault_message,
                   v.attachment.instance_id, v.attachment.host, v.attachment.device, v.size_gib);
  } catch (const pqxx::unique_violation&) {
    throw already_exists("volume", v.name);
  }
}

void delete_volume(pqxx::work& tx, const std::string& id) {
  tx.exec_params("DELETE FROM volumes WHERE id = $1::uuid", id);
}

std::vector<VolumeRow> stale_volumes(pqxx::work& tx, VolumeStatus status, int64_t older_than_seconds) {
  return rows_of(tx.exec_params("SELECT " + kColumns + " FROM volumes WHERE status = $1 AND updated_at < now() - "
                                "make_interval(secs => $2) ORDER BY id FOR UPDATE SKIP LOCKED",
                                std::string(to_string(status)), older_than_seconds));
}

// ---------------------------------------------------------------- snapshots

namespace {

const std::string kSnapshotColumns = "id::text, project_id, user_id, volume_id::text, name, description, size_gib, "
                                     "status, fault_message, " + epoch("fault_at") + ", request_id, " +
                                     epoch("created_at") + ", " + epoch("updated_at");

SnapshotRow snapshot_from(const pqxx::row& r) {
  SnapshotRow s;
  s.id = r[0].as<std::string>();
  s.project_id = r[1].as<std::string>();
  s.user_id = r[2].as<std::string>();
  s.volume_id = r[3].as<std::string>();
  s.name = r[4].as<std::string>();
  s.description = r[5].as<std::string>();
  s.size_gib = r[6].as<int>();
  auto status = snapshot_status_from_string(r[7].as<std::string>());
  if (!status) throw std::logic_error("snapshot " + s.id + " has an unknown status " + r[7].as<std::string>());
  s.status = *status;
  s.fault_message = r[8].as<std::string>();
  if (!r[9].is_null()) s.fault_at = r[9].as<int64_t>();
  s.request_id = r[10].as<std::string>();
  s.created_at = r[11].as<int64_t>();
  s.updated_at = r[12].as<int64_t>();
  return s;
}

std::vector<SnapshotRow> snapshots_of(const pqxx::result& result) {
  std::vector<SnapshotRow> out;
  for (const auto& r : result) out.push_back(snapshot_from(r));
  return out;
}

}  // namespace

void insert_snapshot(pqxx::work& tx, const SnapshotRow& s) {
  try {
    tx.exec_params("INSERT INTO snapshots (id, project_id, user_id, volume_id, name, description, size_gib, status, "
                   "request_id) VALUES ($1::uuid, $2, $3, $4::uuid, $5, $6, $7, $8, $9)",
                   s.id, s.project_id, s.user_id, s.volume_id, s.name, s.description, s.size_gib,
                   std::string(to_string(s.status)), s.request_id);
  } catch (const pqxx::unique_violation&) {
    throw already_exists("snapshot", s.name);
  }
}

std::optional<SnapshotRow> find_snapshot(pqxx::work& tx, const std::string& project_id, const std::string& id_or_name,
                                         bool lock) {
  std::string suffix = lock ? " FOR UPDATE" : "";
  pqxx::result rows =
      validate::is_uuid(id_or_name)
          ? tx.exec_params("SELECT " + kSnapshotColumns + " FROM snapshots WHERE id = $1::uuid" + suffix, id_or_name)
          : tx.exec_params("SELECT " + kSnapshotColumns + " FROM snapshots WHERE project_id = $1 AND name = $2" +
                               suffix,
                           project_id, id_or_name);
  if (rows.empty()) return std::nullopt;
  return snapshot_from(rows[0]);
}

std::optional<SnapshotRow> find_snapshot_by_request(pqxx::work& tx, const std::string& project_id,
                                                    const std::string& request_id) {
  auto rows = tx.exec_params("SELECT " + kSnapshotColumns + " FROM snapshots WHERE project_id = $1 AND request_id = $2",
                             project_id, request_id);
  if (rows.empty()) return std::nullopt;
  return snapshot_from(rows[0]);
}

std::vector<SnapshotRow> list_snapshots(pqxx::work& tx, const std::string& project_id, const std::string& volume_id) {
  return snapshots_of(tx.exec_params(
      "SELECT " + kSnapshotColumns + " FROM snapshots WHERE ($1 = '' OR project_id = $1) AND "
      "($2 = '' OR volume_id::text = $2) ORDER BY created_at, id",
      project_id, volume_id));
}

int64_t count_snapshots_of(pqxx::work& tx, const std::string& volume_id) {
  return tx.exec_params1("SELECT count(*) FROM snapshots WHERE volume_id = $1::uuid", volume_id)[0].as<int64_t>();
}

int64_t count_volumes_being_made_from(pqxx::work& tx, const std::string& snapshot_id) {
  return tx.exec_params1("SELECT count(*) FROM volumes WHERE source_snapshot_id = $1 AND status = 'creating'",
                         snapshot_id)[0]
      .as<int64_t>();
}

void update_snapshot(pqxx::work& tx, const SnapshotRow& s) {
  try {
    tx.exec_params("UPDATE snapshots SET name = $2, description = $3, status = $4, fault_message = $5, "
                   "fault_at = CASE WHEN $5 = '' THEN NULL WHEN fault_message = $5 THEN fault_at ELSE now() END, "
                   "updated_at = now() WHERE id = $1::uuid",
                   s.id, s.name, s.description, std::string(to_string(s.status)), s.fault_message);
  } catch (const pqxx::unique_violation&) {
    throw already_exists("snapshot", s.name);
  }
}

void delete_snapshot(pqxx::work& tx, const std::string& id) {
  tx.exec_params("DELETE FROM snapshots WHERE id = $1::uuid", id);
}

std::vector<SnapshotRow> stale_snapshots(pqxx::work& tx, SnapshotStatus status, int64_t older_than_seconds) {
  return snapshots_of(tx.exec_params("SELECT " + kSnapshotColumns + " FROM snapshots WHERE status = $1 AND "
                                     "updated_at < now() - make_interval(secs => $2) ORDER BY id FOR UPDATE SKIP LOCKED",
                                     std::string(to_string(status)), older_than_seconds));
}

// ---------------------------------------------------------------- quotas

namespace {
QuotaLimits limits_from(const pqxx::result& rows, const QuotaLimits& defaults) {
  QuotaLimits q = defaults;
  if (rows.empty()) return q;
  if (!rows[0][0].is_null()) q.volumes = rows[0][0].as<int>();
  if (!rows[0][1].is_null()) q.gigabytes = rows[0][1].as<int>();
  if (!rows[0][2].is_null()) q.snapshots = rows[0][2].as<int>();
  return q;
}
}  // namespace

QuotaLimits lock_quota(pqxx::work& tx, const std::string& project_id, const QuotaLimits& defaults) {
  tx.exec_params("INSERT INTO quotas (project_id) VALUES ($1) ON CONFLICT DO NOTHING", project_id);
  return limits_from(
      tx.exec_params("SELECT volumes, gigabytes, snapshots FROM quotas WHERE project_id = $1 FOR UPDATE", project_id),
      defaults);
}

QuotaLimits quota_of(pqxx::work& tx, const std::string& project_id, const QuotaLimits& defaults) {
  return limits_from(
      tx.exec_params("SELECT volumes, gigabytes, snapshots FROM quotas WHERE project_id = $1", project_id), defaults);
}

void set_quota(pqxx::work& tx, const std::string& project_id, const QuotaOverrides& q) {
  tx.exec_params("INSERT INTO quotas (project_id) VALUES ($1) ON CONFLICT DO NOTHING", project_id);
  tx.exec_params("UPDATE quotas SET volumes = coalesce($2, volumes), gigabytes = coalesce($3, gigabytes), "
                 "snapshots = coalesce($4, snapshots) WHERE project_id = $1",
                 project_id, q.volumes, q.gigabytes, q.snapshots);
}

Usage usage_of(pqxx::work& tx, const std::string& project_id) {
  auto r = tx.exec_params1("SELECT count(*), coalesce(sum(size_gib), 0), (SELECT count(*) FROM snapshots WHERE "
                           "project_id = $1) FROM volumes WHERE project_id = $1",
                           project_id);
  return Usage{r[0].as<int64_t>(), r[1].as<int64_t>(), r[2].as<int64_t>()};
}

}  // namespace stratus::block_storage::store
