#pragma once
// The image service's pure rules: no database, no files, no network; unit-tested in
// rules_test.cpp. Each check throws stratus::Error with the code the API answers with.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "services/image/domain/image_record.h"

namespace stratus::image {

// ---- names of statuses and visibilities, as the API spells them ----
const char* to_string(ImageStatus status);
const char* to_string(Visibility visibility);
ImageStatus parse_status(const std::string& text);          // INVALID_ARGUMENT on anything else
Visibility parse_visibility(const std::string& text);       // INVALID_ARGUMENT on anything else
const char* to_string(MemberStatus status);
MemberStatus parse_member_status(const std::string& text);  // INVALID_ARGUMENT on anything else

// ---- the lifecycle: queued -> saving -> active; saving -> killed; any but deleted -> deleted
bool can_transition(ImageStatus from, ImageStatus to);
// FAILED_PRECONDITION saying why, e.g. "image is active: its bytes cannot be replaced".
void require_transition(ImageStatus from, ImageStatus to);
// Downloads need an active image (FAILED_PRECONDITION otherwise).
void require_downloadable(ImageStatus status);

// ---- formats ----
// Checks the disk and container formats and returns the container format to record (its
// default when empty). aki/ari/ami images carry the same container format as disk format;
// only an ami may name a kernel and a ramdisk.
std::string check_formats(const std::string& disk_format, const std::string& container_format,
                          bool has_kernel, bool has_ramdisk);

// ---- fields ----
inline constexpr size_t kMaxPropertyKeyLength = 255;
inline constexpr size_t kMaxPropertyValueLength = 1024;
inline constexpr size_t kMaxProperties = 128;
// The common name rule (common/validate): 1..64 characters, no control or invisible
// characters, not a UUID. Returns the name in NFC, as it is stored and looked up.
std::string check_image_name(const std::string& name);
// Sizes a person can mean, within the columns (bigint): min_disk in GiB up to 1 PiB,
// min_ram in MiB up to 16 TiB, upload sizes up to 2^63-1 bytes.
inline constexpr uint32_t kMaxMinDiskGiB = 1u << 20;
inline constexpr uint32_t kMaxMinRamMiB = 1u << 24;
void check_min_disk(uint32_t gib);
void check_min_ram(uint32_t mib);
// Keys that name record fields (id, status, size, ...) or that the service sets itself
// (image_type, instance_uuid) may not be set as properties, in any letter case.
bool is_reserved_property(const std::string& key);
void check_property(const std::string& key, const std::string& value);
// The properties after setting `set` and removing `unset`, checked as a whole.
std::map<std::string, std::string> apply_property_changes(std::map<std::string, std::string> current,
                                                          const std::map<std::string, std::string>& set,
                                                          const std::vector<std::string>& unset);
// An upload's declared size and digest (64 hex digits; returned lower-cased).
std::string check_upload_declaration(uint64_t size, const std::string& sha256_hex);

// ---- who sees and touches what ----
struct Viewer {
  std::string project_id;
  bool is_admin = false;
};
// Public images: everyone; shared: the owner and the member projects, whatever their
// membership's status (a member must see an offer to accept it); private: the owner.
// Admins see every image.
bool can_see(const ImageRecord& image, const Viewer& viewer);
bool owns(const ImageRecord& image, const Viewer& viewer);
// The viewer's membership of the image, if it has one.
const Membership* membership_of(const ImageRecord& image, const std::string& project_id);
// An image the viewer may use by name and sees in its default list: its own, public ones, and
// shared ones it accepted (admins: every image, as before).
bool in_default_view(const ImageRecord& image, const Viewer& viewer);

// ---- sharing ----
inline constexpr size_t kMaxMembers = 128;
// Project ids to add or remove, each a UUID, lower-cased; adding the owner is refused.
std::vector<std::string> check_member_ids(const std::vector<std::string>& project_ids, const std::string& owner,
                                          bool adding);
// INVALID_ARGUMENT when the image would have more than kMaxMembers members.
void check_member_count(size_t members_after);
// Only admins publish (PERMISSION_DENIED).
void check_visibility_allowed(Visibility visibility, const Viewer& viewer);
// Protected images, and images of other projects, cannot be deleted.
void check_deletable(const ImageRecord& image, const Viewer& viewer);
// The visibility after sharing changes: adding members to a private image shares it; a public
// image has no members (INVALID_ARGUMENT).
Visibility visibility_after_sharing(Visibility current, bool adding_members);

// ---- a name among the images a caller sees ----
// Among the images in the caller's default view (in_default_view): its own image wins, then a
// public one, then one shared with it and accepted; in each tier a live (not killed) one wins
// over killed ones. Two live candidates in the winning tier are ambiguous: INVALID_ARGUMENT
// listing their ids. A shared image cannot take a public image's name away.
const ImageRecord& choose_by_name(const std::vector<ImageRecord>& candidates, const Viewer& viewer,
                                  const std::string& name);

// ---- quotas per project ----
struct Quota {
  uint64_t max_images = 100;
  uint64_t max_bytes = 100ULL << 30;
};
// RESOURCE_EXHAUSTED when one more image would exceed the count.
void check_image_count(uint64_t images_now, const Quota& quota);
// RESOURCE_EXHAUSTED when `adding` bytes on top of `bytes_now` would exceed the limit.
void check_bytes(uint64_t bytes_now, uint64_t adding, const Quota& quota);

// ---- listing ----
struct ListFilter {
  std::optional<Visibility> visibility;
  std::optional<std::string> owner;
  std::optional<ImageStatus> status;
  std::optional<std::string> name;
  // Shared images of others by the caller's membership: accepted only (default), or these.
  std::vector<MemberStatus> member_statuses{MemberStatus::Accepted};
  bool all_projects = false;  // admins only
  uint32_t page_size = 100;
};
inline constexpr uint32_t kDefaultPageSize = 100;
inline constexpr uint32_t kMaxPageSize = 1000;
// From the request's raw fields: checks values, defaults and caps the page size; all_projects
// by a non-admin is PERMISSION_DENIED.
// member_status: "" (accepted), pending, accepted, rejected or all.
ListFilter make_list_filter(const std::string& visibility, const std::string& owner, const std::string& status,
                            const std::string& name, uint32_t page_size, bool all_projects, const Viewer& viewer,
                            const std::string& member_status = "");
bool matches(const ImageRecord& image, const ListFilter& filter, const Viewer& viewer);

// Pages are ordered by (created_at, id); a token is the position of the last image shown.
struct PagePosition {
  int64_t created_at_us = 0;
  std::string id;
};
std::string encode_page_token(const PagePosition& position);
PagePosition decode_page_token(const std::string& token);  // INVALID_ARGUMENT when malformed

}  // namespace stratus::image
