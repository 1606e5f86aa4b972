#include "services/image/store/image_rows.h"

#include <sstream>

#include <nlohmann/json.hpp>

#include "common/error/error.h"

namespace stratus::image::store {
namespace {

constexpr const char* kColumns =
    "id::text, name, owner::text, status, visibility, disk_format, container_format, size, sha256, min_disk, "
    "min_ram, protected, coalesce(kernel_id::text, ''), coalesce(ramdisk_id::text, ''), properties::text, "
    "array_to_string(ARRAY(SELECT m.project_id::text || ':' || m.status FROM image_members m "
    "WHERE m.image_id = images.id ORDER BY 1), ','), extract(epoch from created_at)::bigint, extract(epoch from updated_at)::bigint, "
    "(extract(epoch from created_at) * 1000000)::bigint";

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

ImageRecord image_from(const pqxx::row& r) {
  ImageRecord i;
  i.id = r[0].as<std::string>();
  i.name = r[1].as<std::string>();
  i.owner = r[2].as<std::string>();
  i.status = parse_status(r[3].as<std::string>());
  i.visibility = parse_visibility(r[4].as<std::string>());
  i.disk_format = r[5].as<std::string>();
  i.container_format = r[6].as<std::string>();
  i.size = r[7].as<uint64_t>();
  i.sha256 = r[8].as<std::string>();
  i.min_disk = r[9].as<uint32_t>();
  i.min_ram = r[10].as<uint32_t>();
  i.is_protected = r[11].as<bool>();
  i.kernel_id = r[12].as<std::string>();
  i.ramdisk_id = r[13].as<std::string>();
  i.properties = nlohmann::json::parse(r[14].as<std::string>()).get<std::map<std::string, std::string>>();
  for (const auto& item : split_commas(r[15].as<std::string>())) {
    auto colon = item.find(':');
    i.members.push_back({item.substr(0, colon), parse_member_status(item.substr(colon + 1))});
  }
  i.created_at = r[16].as<int64_t>();
  i.updated_at = r[17].as<int64_t>();
  i.created_at_us = r[18].as<int64_t>();
  return i;
}

std::vector<ImageRecord> images_from(const pqxx::result& rows) {
  std::vector<ImageRecord> out;
  for (const auto& r : rows) out.push_back(image_from(r));
  return out;
}

std::string properties_json(const ImageRecord& image) { return nlohmann::json(image.properties).dump(); }

std::string member_statuses_text(const ListFilter& f) {
  std::string text;
  for (auto status : f.member_statuses) text += (text.empty() ? "" : ",") + std::string(to_string(status));
  return text;
}

}  // namespace

void insert_image(pqxx::work& tx, const ImageRecord& i) {
  try {
    tx.exec_params(
        "INSERT INTO images (id, name, owner, status, visibility, disk_format, container_format, min_disk, "
        "min_ram, protected, kernel_id, ramdisk_id, properties) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULLIF($11, '')::uuid, NULLIF($12, '')::uuid, $13::jsonb)",
        i.id, i.name, i.owner, to_string(i.status), to_string(i.visibility), i.disk_format, i.container_format,
        i.min_disk, i.min_ram, i.is_protected, i.kernel_id, i.ramdisk_id,
        properties_json(i));
  } catch (const pqxx::unique_violation&) {
    throw already_exists("image", i.name);
  }
}

std::optional<ImageRecord> find_image(pqxx::work& tx, const std::string& id, bool for_update) {
  auto rows = tx.exec_params(std::string("SELECT ") + kColumns +
                                 " FROM images WHERE id = $1::uuid AND status <> 'deleted'" +
                                 (for_update ? " FOR UPDATE" : ""),
                             id);
  if (rows.empty()) return std::nullopt;
  return image_from(rows[0]);
}

std::vector<ImageRecord> images_named(pqxx::work& tx, const std::string& name) {
  return images_from(tx.exec_params(
      std::string("SELECT ") + kColumns + " FROM images WHERE name = $1 AND status <> 'deleted'", name));
}

std::vector<ImageRecord> list_images(pqxx::work& tx, const ListFilter& f, const Viewer& viewer,
                                     const std::optional<PagePosition>& after) {
  // Empty strings mean "no filter", so one statement serves every combination.
  std::string sql = std::string("SELECT ") + kColumns + R"( FROM images
    WHERE ($1 OR owner = $2::uuid OR visibility = 'public'
           OR (visibility = 'shared' AND EXISTS (SELECT 1 FROM image_members m
                                                 WHERE m.image_id = images.id AND m.project_id = $2::uuid
                                                   AND m.status = ANY (string_to_array($10, ',')))))
      AND ($3 = '' OR visibility = $3)
      AND ($4 = '' OR owner::text = $4)
      AND (CASE WHEN $5 = '' THEN status <> 'deleted' ELSE status = $5 END)
      AND ($6 = '' OR name = $6)
      AND ($8 = '' OR (created_at, id) > (timestamptz 'epoch' + $7::bigint * interval '1 microsecond', $8::uuid))
    ORDER BY created_at, id
    LIMIT $9)";
  return images_from(tx.exec_params(sql, f.all_projects && viewer.is_admin, viewer.project_id,
                                    f.visibility ? to_string(*f.visibility) : "", f.owner.value_or(""),
                                    f.status ? to_string(*f.status) : "", f.name.value_or(""),
                                    after ? after->created_at_us : 0, after ? after->id : "", f.page_size,
                                    member_statuses_text(f)));
}

void update_image(pqxx::work& tx, const ImageRecord& i) {
  try {
    tx.exec_params(
        "UPDATE images SET name = $2, min_disk = $3, min_ram = $4, protected = $5, visibility = $6, "
        "properties = $7::jsonb, updated_at = clock_timestamp() WHERE id = $1::uuid",
        i.id, i.name, i.min_disk, i.min_ram, i.is_protected, to_string(i.visibility), properties_json(i));
  } catch (const pqxx::unique_violation&) {
    throw already_exists("image", i.name);
  }
}

void add_members(pqxx::work& tx, const std::string& image_id, const std::vector<std::string>& project_ids) {
  // An offer already made keeps its answer: re-adding does not turn a rejection back to pending.
  for (const auto& p : project_ids)
    tx.exec_params(
        "INSERT INTO image_members (image_id, project_id, status) VALUES ($1, $2, 'pending') ON CONFLICT DO NOTHING",
        image_id, p);
}

bool set_member_status(pqxx::work& tx, const std::string& image_id, const std::string& project_id,
                       MemberStatus status) {
  auto r = tx.exec_params(
      "UPDATE image_members SET status = $3, updated_at = clock_timestamp() "
      "WHERE image_id = $1::uuid AND project_id = $2::uuid",
      image_id, project_id, to_string(status));
  return r.affected_rows() == 1;
}

void remove_members(pqxx::work& tx, const std::string& image_id, const std::vector<std::string>& project_ids) {
  for (const auto& p : project_ids)
    tx.exec_params("DELETE FROM image_members WHERE image_id = $1::uuid AND project_id = $2::uuid", image_id, p);
}

bool start_saving(pqxx::work& tx, const std::string& id, uint64_t declared_size) {
  auto r = tx.exec_params(
      "UPDATE images SET status = 'saving', size = $2, updated_at = clock_timestamp() "
      "WHERE id = $1::uuid AND status = 'queued'",
      id, declared_size);
  return r.affected_rows() == 1;
}

bool finish_saving(pqxx::work& tx, const std::string& id, const std::string& sha256) {
  auto r = tx.exec_params(
      "UPDATE images SET status = 'active', sha256 = $2, updated_at = clock_timestamp() "
      "WHERE id = $1::uuid AND status = 'saving'",
      id, sha256);
  return r.affected_rows() == 1;
}

bool kill(pqxx::work& tx, const std::string& id) {
  auto r = tx.exec_params(
      "UPDATE images SET status = 'killed', size = 0, updated_at = clock_timestamp() "
      "WHERE id = $1::uuid AND status = 'saving'",
      id);
  return r.affected_rows() == 1;
}

void mark_deleted(pqxx::work& tx, const std::string& id) {
  tx.exec_params(
      "UPDATE images SET status = 'deleted', deleted_at = clock_timestamp(), updated_at = clock_timestamp() "
      "WHERE id = $1::uuid",
      id);
  tx.exec_params("DELETE FROM image_members WHERE image_id = $1::uuid", id);
}

std::vector<std::string> saving_image_ids(pqxx::work& tx) {
  std::vector<std::string> out;
  for (const auto& r : tx.exec("SELECT id::text FROM images WHERE status = 'saving'"))
    out.push_back(r[0].as<std::string>());
  return out;
}

void lock_project(pqxx::work& tx, const std::string& project_id) {
  tx.exec_params("SELECT pg_advisory_xact_lock(hashtextextended('stratus.image.quota:' || $1, 0))", project_id);
}

uint64_t count_images(pqxx::work& tx, const std::string& project_id) {
  return tx.exec_params("SELECT count(*) FROM images WHERE owner = $1::uuid AND status <> 'deleted'", project_id)[0][0]
      .as<uint64_t>();
}

uint64_t bytes_used(pqxx::work& tx, const std::string& project_id) {
  return tx
      .exec_params("SELECT coalesce(sum(size), 0)::bigint FROM images WHERE owner = $1::uuid "
                   "AND status IN ('saving', 'active')",
                   project_id)[0][0]
      .as<uint64_t>();
}

}  // namespace stratus::image::store
