#pragma once
// The image service's SQL: the images and image_members tables. Every function runs in the
// caller's transaction, so the domain can combine writes and an outbox event atomically.
// Deleted images are invisible to every function here except where a status is named.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "common/db/migrations.h"
#include "services/image/domain/image_record.h"
#include "services/image/domain/rules.h"

namespace stratus::db {
const std::vector<Migration>& image_migrations();  // generated from migrations/
}

namespace stratus::image::store {

// ALREADY_EXISTS when the owner has a live image of that name.
void insert_image(pqxx::work& tx, const ImageRecord& image);
std::optional<ImageRecord> find_image(pqxx::work& tx, const std::string& id, bool for_update = false);
// Every live image of that name, in any project (the domain keeps those the caller sees).
std::vector<ImageRecord> images_named(pqxx::work& tx, const std::string& name);
// One page in (created_at, id) order after `after`, as ListFilter and Viewer select
// (the SQL twin of rules.h `matches`).
std::vector<ImageRecord> list_images(pqxx::work& tx, const ListFilter& filter, const Viewer& viewer,
                                     const std::optional<PagePosition>& after);

// Name, min_disk, min_ram, protected, visibility and properties.
void update_image(pqxx::work& tx, const ImageRecord& image);
// New members start pending; existing ones keep their status.
void add_members(pqxx::work& tx, const std::string& image_id, const std::vector<std::string>& project_ids);
// A member's answer to the offer; false when the project is no member.
bool set_member_status(pqxx::work& tx, const std::string& image_id, const std::string& project_id,
                       MemberStatus status);
void remove_members(pqxx::work& tx, const std::string& image_id, const std::vector<std::string>& project_ids);

// Status changes that happen only from the expected status; false when the image was elsewhere.
bool start_saving(pqxx::work& tx, const std::string& id, uint64_t declared_size);  // queued -> saving
bool finish_saving(pqxx::work& tx, const std::string& id, const std::string& sha256);  // saving -> active
bool kill(pqxx::work& tx, const std::string& id);                                 // saving -> killed
void mark_deleted(pqxx::work& tx, const std::string& id);
std::vector<std::string> saving_image_ids(pqxx::work& tx);

// Quota accounting of a project: live images, and bytes of saving and active ones.
// lock_project serialises quota checks of one project across replicas until commit.
void lock_project(pqxx::work& tx, const std::string& project_id);
uint64_t count_images(pqxx::work& tx, const std::string& project_id);
uint64_t bytes_used(pqxx::work& tx, const std::string& project_id);

}  // namespace stratus::image::store
