#include "services/image/domain/rules.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <set>

#include "common/error/error.h"
#include "common/validate/validate.h"

namespace stratus::image {
namespace {

const std::set<std::string> kDiskFormats = {"raw", "qcow2", "aki", "ari", "ami"};
const std::set<std::string> kContainerFormats = {"bare", "ovf", "aki", "ari", "ami"};
const std::set<std::string> kKernelTrio = {"aki", "ari", "ami"};

// Record fields, and what the service itself records on snapshots.
const std::set<std::string> kReservedProperties = {
    "id",         "name",       "owner",     "status",     "visibility", "disk_format",   "container_format",
    "size",       "sha256",     "checksum",  "min_disk",   "min_ram",    "protected",     "kernel_id",
    "ramdisk_id", "members",    "created_at", "updated_at", "deleted",   "deleted_at",    "location",
    "locations",  "direct_url", "image_type", "instance_uuid"};

std::string join(const std::set<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

bool is_property_key_character(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ':';
}

}  // namespace

const char* to_string(ImageStatus status) {
  switch (status) {
    case ImageStatus::Queued: return "queued";
    case ImageStatus::Saving: return "saving";
    case ImageStatus::Active: return "active";
    case ImageStatus::Killed: return "killed";
    case ImageStatus::Deleted: return "deleted";
  }
  return "unknown";
}

const char* to_string(Visibility visibility) {
  switch (visibility) {
    case Visibility::Public: return "public";
    case Visibility::Private: return "private";
    case Visibility::Shared: return "shared";
  }
  return "unknown";
}

ImageStatus parse_status(const std::string& text) {
  for (auto s : {ImageStatus::Queued, ImageStatus::Saving, ImageStatus::Active, ImageStatus::Killed,
                 ImageStatus::Deleted})
    if (text == to_string(s)) return s;
  throw invalid_argument("status must be queued, saving, active, killed or deleted, got '" + echo(text) + "'");
}

Visibility parse_visibility(const std::string& text) {
  for (auto v : {Visibility::Public, Visibility::Private, Visibility::Shared})
    if (text == to_string(v)) return v;
  throw invalid_argument("visibility must be public, private or shared, got '" + echo(text) + "'");
}

const char* to_string(MemberStatus status) {
  switch (status) {
    case MemberStatus::Pending: return "pending";
    case MemberStatus::Accepted: return "accepted";
    case MemberStatus::Rejected: return "rejected";
  }
  return "unknown";
}

MemberStatus parse_member_status(const std::string& text) {
  for (auto m : {MemberStatus::Pending, MemberStatus::Accepted, MemberStatus::Rejected})
    if (text == to_string(m)) return m;
  throw invalid_argument("member status must be pending, accepted or rejected, got '" + echo(text) + "'");
}

// ---- lifecycle ----
bool can_transition(ImageStatus from, ImageStatus to) {
  switch (to) {
    case ImageStatus::Saving: return from == ImageStatus::Queued;
    case ImageStatus::Active: return from == ImageStatus::Saving;
    case ImageStatus::Killed: return from == ImageStatus::Saving;
    case ImageStatus::Deleted: return from != ImageStatus::Deleted;
    case ImageStatus::Queued: return false;
  }
  return false;
}

void require_transition(ImageStatus from, ImageStatus to) {
  if (can_transition(from, to)) return;
  if (to == ImageStatus::Saving) {
    switch (from) {
      case ImageStatus::Active: throw failed_precondition("image is active: its bytes cannot be replaced");
      case ImageStatus::Saving: throw failed_precondition("image is saving: an upload is already in progress");
      case ImageStatus::Killed:
        throw failed_precondition("image is killed after a failed upload: delete it and create a new one");
      default: break;
    }
  }
  throw failed_precondition(std::string("image is ") + to_string(from) + ": it cannot become " + to_string(to));
}

void require_downloadable(ImageStatus status) {
  if (status == ImageStatus::Active) return;
  throw failed_precondition(std::string("image is ") + to_string(status) + ": only active images have bytes to download");
}

// ---- formats ----
std::string check_formats(const std::string& disk_format, const std::string& container_format, bool has_kernel,
                          bool has_ramdisk) {
  if (disk_format.empty()) throw invalid_argument("disk_format is required (" + join(kDiskFormats) + ")");
  if (!kDiskFormats.count(disk_format))
    throw invalid_argument("unknown disk_format '" + echo(disk_format) + "': use one of " + join(kDiskFormats));
  bool trio = kKernelTrio.count(disk_format) > 0;
  std::string container = container_format.empty() ? (trio ? disk_format : "bare") : container_format;
  if (!kContainerFormats.count(container))
    throw invalid_argument("unknown container_format '" + echo(container) + "': use one of " + join(kContainerFormats));
  if (trio && container != disk_format)
    throw invalid_argument("a " + disk_format + " image needs container_format " + disk_format);
  if (!trio && kKernelTrio.count(container))
    throw invalid_argument("container_format " + container + " goes only with disk_format " + container);
  if ((has_kernel || has_ramdisk) && disk_format != "ami")
    throw invalid_argument("only an ami image names a kernel and a ramdisk");
  return container;
}

// ---- fields ----
std::string check_image_name(const std::string& name) { return validate::normalized_name("image name", name); }

void check_min_disk(uint32_t gib) {
  if (gib > kMaxMinDiskGiB)
    throw invalid_argument("min_disk is in GiB and at most " + std::to_string(kMaxMinDiskGiB) + " (1 PiB), got " +
                           std::to_string(gib));
}

void check_min_ram(uint32_t mib) {
  if (mib > kMaxMinRamMiB)
    throw invalid_argument("min_ram is in MiB and at most " + std::to_string(kMaxMinRamMiB) + " (16 TiB), got " +
                           std::to_string(mib));
}

bool is_reserved_property(const std::string& key) {
  std::string folded = key;
  std::transform(folded.begin(), folded.end(), folded.begin(), [](unsigned char c) { return std::tolower(c); });
  return kReservedProperties.count(folded) > 0;
}

void check_property(const std::string& key, const std::string& value) {
  if (key.empty()) throw invalid_argument("property keys must not be empty");
  if (key.size() > kMaxPropertyKeyLength)
    throw invalid_argument("property key '" + key.substr(0, 32) + "...' is longer than " +
                           std::to_string(kMaxPropertyKeyLength) + " characters");
  if (!std::all_of(key.begin(), key.end(), is_property_key_character))
    throw invalid_argument("property key '" + echo(key) + "' may use only letters, digits and _ - . :");
  if (is_reserved_property(key))
    throw invalid_argument("property key '" + key + "' is reserved (it names a field of the image)");
  validate::optional_text("property '" + key + "'", value, kMaxPropertyValueLength);
}

std::map<std::string, std::string> apply_property_changes(std::map<std::string, std::string> current,
                                                          const std::map<std::string, std::string>& set,
                                                          const std::vector<std::string>& unset) {
  for (const auto& [key, value] : set) {
    check_property(key, value);
    current[key] = value;
  }
  for (const auto& key : unset) current.erase(key);
  if (current.size() > kMaxProperties)
    throw invalid_argument("an image has at most " + std::to_string(kMaxProperties) + " properties");
  return current;
}

std::string check_upload_declaration(uint64_t size, const std::string& sha256_hex) {
  if (size == 0) throw invalid_argument("upload size must be positive");
  if (size > static_cast<uint64_t>(INT64_MAX))
    throw invalid_argument("upload size must be at most 2^63-1 bytes, got " + std::to_string(size));
  std::string digest = sha256_hex;
  std::transform(digest.begin(), digest.end(), digest.begin(), [](unsigned char c) { return std::tolower(c); });
  if (digest.size() != 64 || !std::all_of(digest.begin(), digest.end(), [](unsigned char c) { return std::isxdigit(c); }))
    throw invalid_argument("upload sha256 must be 64 hexadecimal digits");
  return digest;
}

// ---- who sees and touches what ----
bool owns(const ImageRecord& image, const Viewer& viewer) { return image.owner == viewer.project_id; }

const Membership* membership_of(const ImageRecord& image, const std::string& project_id) {
  for (const auto& m : image.members)
    if (m.project_id == project_id) return &m;
  return nullptr;
}

bool can_see(const ImageRecord& image, const Viewer& viewer) {
  if (viewer.is_admin || owns(image, viewer) || image.visibility == Visibility::Public) return true;
  return image.visibility == Visibility::Shared && membership_of(image, viewer.project_id) != nullptr;
}

bool in_default_view(const ImageRecord& image, const Viewer& viewer) {
  if (owns(image, viewer) || image.visibility == Visibility::Public) return true;
  const Membership* m = membership_of(image, viewer.project_id);
  if (image.visibility == Visibility::Shared && m) return m->status == MemberStatus::Accepted;
  return viewer.is_admin;
}

std::vector<std::string> check_member_ids(const std::vector<std::string>& project_ids, const std::string& owner,
                                          bool adding) {
  if (project_ids.size() > kMaxMembers)
    throw invalid_argument("an image has at most " + std::to_string(kMaxMembers) + " members, the request names " +
                           std::to_string(project_ids.size()));
  std::vector<std::string> ids;
  for (const auto& p : project_ids) {
    std::string id = validate::normalized_uuid("member project", p);
    if (adding && id == owner) throw invalid_argument("project " + id + " owns the image: it cannot be a member");
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

void check_member_count(size_t members_after) {
  if (members_after > kMaxMembers)
    throw invalid_argument("an image is shared with at most " + std::to_string(kMaxMembers) +
                           " projects; this would make " + std::to_string(members_after));
}

void check_visibility_allowed(Visibility visibility, const Viewer& viewer) {
  if (visibility == Visibility::Public && !viewer.is_admin)
    throw permission_denied("only an admin may make an image public");
}

void check_deletable(const ImageRecord& image, const Viewer& viewer) {
  if (!owns(image, viewer) && !viewer.is_admin)
    throw permission_denied("image " + image.id + " belongs to another project");
  if (image.is_protected) throw failed_precondition("image " + image.id + " is protected: unprotect it first");
}

Visibility visibility_after_sharing(Visibility current, bool adding_members) {
  if (!adding_members) return current;
  if (current == Visibility::Public)
    throw invalid_argument("a public image is visible to every project: sharing does not apply");
  return Visibility::Shared;
}

// ---- names ----
const ImageRecord& choose_by_name(const std::vector<ImageRecord>& candidates, const Viewer& viewer,
                                  const std::string& name) {
  auto tier = [&](const ImageRecord& i) {
    if (owns(i, viewer)) return 0;
    if (i.visibility == Visibility::Public) return 1;
    return 2;  // shared with the viewer and accepted, or (admins) another project's
  };
  auto rank = [&](const ImageRecord& i) { return std::make_pair(tier(i), i.status == ImageStatus::Killed ? 1 : 0); };
  std::vector<const ImageRecord*> sorted;
  for (const auto& c : candidates)
    if (in_default_view(c, viewer)) sorted.push_back(&c);
  if (sorted.empty()) throw not_found("image", name);
  std::stable_sort(sorted.begin(), sorted.end(), [&](const ImageRecord* a, const ImageRecord* b) {
    if (rank(*a) != rank(*b)) return rank(*a) < rank(*b);
    return a->created_at_us > b->created_at_us;
  });
  if (sorted.size() > 1 && rank(*sorted[0]) == rank(*sorted[1]) && sorted[0]->status != ImageStatus::Killed) {
    constexpr size_t kIdsListed = 5;
    std::string ids;
    size_t tied = 0;
    for (const ImageRecord* c : sorted) {
      if (rank(*c) != rank(*sorted[0])) break;
      if (++tied <= kIdsListed) ids += (ids.empty() ? "" : ", ") + c->id;
    }
    if (tied > kIdsListed) ids += " and " + std::to_string(tied - kIdsListed) + " more";
    throw invalid_argument("several images are named '" + echo(name) + "' (" + ids + "): use the id");
  }
  return *sorted[0];
}

// ---- quotas ----
void check_image_count(uint64_t images_now, const Quota& quota) {
  if (images_now + 1 > quota.max_images)
    throw resource_exhausted("image quota exceeded: the project has " + std::to_string(images_now) + " of " +
                             std::to_string(quota.max_images) + " images");
}

void check_bytes(uint64_t bytes_now, uint64_t adding, const Quota& quota) {
  if (adding > quota.max_bytes || bytes_now > quota.max_bytes - adding)
    throw resource_exhausted("image storage quota exceeded: the project uses " + std::to_string(bytes_now) +
                             " of " + std::to_string(quota.max_bytes) + " bytes and the upload needs " +
                             std::to_string(adding) + " more");
}

// ---- listing ----
ListFilter make_list_filter(const std::string& visibility, const std::string& owner, const std::string& status,
                            const std::string& name, uint32_t page_size, bool all_projects, const Viewer& viewer,
                            const std::string& member_status) {
  ListFilter f;
  if (member_status == "all")
    f.member_statuses = {MemberStatus::Pending, MemberStatus::Accepted, MemberStatus::Rejected};
  else if (!member_status.empty())
    f.member_statuses = {parse_member_status(member_status)};
  if (!visibility.empty()) f.visibility = parse_visibility(visibility);
  if (!owner.empty()) f.owner = validate::normalized_uuid("owner", owner);
  if (!status.empty()) f.status = parse_status(status);
  if (!name.empty()) f.name = validate::reference("name", name);
  if (all_projects && !viewer.is_admin) throw permission_denied("only an admin may list every project's images");
  if (f.status == ImageStatus::Deleted && !viewer.is_admin)
    throw permission_denied("only an admin may list deleted images");
  f.all_projects = all_projects;
  f.page_size = page_size == 0 ? kDefaultPageSize : std::min(page_size, kMaxPageSize);
  return f;
}

bool matches(const ImageRecord& image, const ListFilter& filter, const Viewer& viewer) {
  if (image.status == ImageStatus::Deleted && filter.status != ImageStatus::Deleted) return false;
  if (filter.all_projects ? !viewer.is_admin : !can_see(image, Viewer{viewer.project_id, false})) return false;
  const Membership* m = membership_of(image, viewer.project_id);
  if (!filter.all_projects && !owns(image, viewer) && image.visibility == Visibility::Shared && m &&
      std::find(filter.member_statuses.begin(), filter.member_statuses.end(), m->status) == filter.member_statuses.end())
    return false;
  if (filter.visibility && image.visibility != *filter.visibility) return false;
  if (filter.owner && image.owner != *filter.owner) return false;
  if (filter.status && image.status != *filter.status) return false;
  if (filter.name && image.name != *filter.name) return false;
  return true;
}

std::string encode_page_token(const PagePosition& position) {
  return std::to_string(position.created_at_us) + "_" + position.id;
}

PagePosition decode_page_token(const std::string& token) {
  auto bad = [] { return invalid_argument("page_token is not one this service gave out"); };
  auto sep = token.find('_');
  if (sep == std::string::npos || sep == 0) throw bad();
  PagePosition p;
  try {
    size_t used = 0;
    p.created_at_us = std::stoll(token.substr(0, sep), &used);
    if (used != sep) throw bad();
  } catch (const std::logic_error&) {
    throw bad();
  }
  p.id = token.substr(sep + 1);
  if (!validate::is_uuid(p.id)) throw bad();
  return p;
}

}  // namespace stratus::image
