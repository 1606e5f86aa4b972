#include "services/image/domain/images.h"

#include <algorithm>

#include "common/auth/token.h"
#include "common/error/error.h"
#include "common/outbox/outbox.h"
#include "common/validate/validate.h"
#include "image/v1/image.pb.h"
#include "services/image/store/image_rows.h"

namespace stratus::image {
namespace {

using auth::Access;
using auth::Caller;

// Who an image is shared with is the owner's business; a member sees its own membership only.
ImageRecord as_seen_by(ImageRecord image, const Viewer& viewer) {
  if (const Membership* m = membership_of(image, viewer.project_id)) image.viewer_member_status = to_string(m->status);
  if (!owns(image, viewer) && !viewer.is_admin) image.members.clear();
  return image;
}

}  // namespace

// Every image call needs at least the reader role in the caller's project, as elsewhere.
Viewer viewer_of(const Caller& caller) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  return Viewer{caller.project_id(), caller.acts_for_any_project()};  // services (compute) read any image
}

Images::Images(db::Pool& pool, ImageStore& bytes, UploadLeases& leases, ProjectDirectory& projects, Settings settings,
               log::Logger logger)
    : pool_(pool),
      bytes_(bytes),
      leases_(leases),
      projects_(projects),
      settings_(std::move(settings)),
      logger_(std::move(logger)) {}

// ---------------------------------------------------------------- lookups

ImageRecord Images::resolve(pqxx::work& tx, const Viewer& viewer, const std::string& raw_ref, bool for_update) {
  if (raw_ref.empty()) throw invalid_argument("an image id or name is required");
  std::string ref = validate::reference("image", raw_ref);
  if (validate::is_uuid(ref)) {
    auto image = store::find_image(tx, ref, for_update);
    if (!image || !can_see(*image, viewer)) throw not_found("image", ref);
    return *image;
  }
  std::vector<ImageRecord> visible;
  for (auto& candidate : store::images_named(tx, ref))
    if (can_see(candidate, viewer)) visible.push_back(std::move(candidate));
  const ImageRecord& chosen = choose_by_name(visible, viewer, ref);
  if (!for_update) return chosen;
  return resolve(tx, viewer, chosen.id, true);
}

ImageRecord Images::get(const Caller& caller, const std::string& image) {
  Viewer viewer = viewer_of(caller);
  return as_seen_by(pool_.transact([&](pqxx::work& tx) { return resolve(tx, viewer, image); }), viewer);
}

ImagePage Images::list(const Caller& caller, const ListRequest& r) {
  Viewer viewer = viewer_of(caller);
  ListFilter filter =
      make_list_filter(r.visibility, r.owner, r.status, r.name, r.page_size, r.all_projects, viewer, r.member_status);
  std::optional<PagePosition> after;
  if (!r.page_token.empty()) after = decode_page_token(r.page_token);
  uint32_t page_size = filter.page_size;
  filter.page_size = page_size + 1;  // one more tells whether another page follows
  auto rows = pool_.transact([&](pqxx::work& tx) { return store::list_images(tx, filter, viewer, after); });
  ImagePage page;
  if (rows.size() > page_size) {
    rows.resize(page_size);
    page.next_page_token = encode_page_token({rows.back().created_at_us, rows.back().id});
  }
  for (auto& row : rows) page.images.push_back(as_seen_by(std::move(row), viewer));
  return page;
}

// ---------------------------------------------------------------- records

ImageRecord Images::insert_new(pqxx::work& tx, ImageRecord image) {
  store::lock_project(tx, image.owner);
  check_image_count(store::count_images(tx, image.owner), settings_.quota);
  store::insert_image(tx, image);
  auto stored = *store::find_image(tx, image.id);
  publish(tx, stored, "created");
  return stored;
}

void Images::check_kernel_pair(pqxx::work& tx, const Viewer& viewer, ImageRecord& image, const NewImage& request) {
  auto pick = [&](const std::string& ref, const char* format, const char* role) {
    if (ref.empty()) return std::string();
    auto found = resolve(tx, viewer, ref);
    if (found.disk_format != format)
      throw invalid_argument(std::string("the ") + role + " '" + echo(ref) + "' is a " + found.disk_format + " image, not " +
                             format);
    return found.id;
  };
  image.kernel_id = pick(request.kernel, "aki", "kernel");
  image.ramdisk_id = pick(request.ramdisk, "ari", "ramdisk");
}

ImageRecord Images::create(const Caller& caller, const NewImage& r) {
  Viewer viewer = viewer_of(caller);
  auth::authorize(caller, caller.project_id(), Access::Write);
  ImageRecord image;
  image.name = check_image_name(r.name);
  check_min_disk(r.min_disk);
  check_min_ram(r.min_ram);
  image.visibility = r.visibility.empty() ? Visibility::Private : parse_visibility(r.visibility);
  check_visibility_allowed(image.visibility, viewer);
  image.container_format = check_formats(r.disk_format, r.container_format, !r.kernel.empty(), !r.ramdisk.empty());
  image.disk_format = r.disk_format;
  image.properties = apply_property_changes({}, r.properties, {});
  image.id = auth::random_uuid();
  image.owner = caller.project_id();
  image.is_protected = r.is_protected;
  image.min_disk = r.min_disk;
  image.min_ram = r.min_ram;
  auto created = pool_.transact([&](pqxx::work& tx) {
    ImageRecord row = image;
    check_kernel_pair(tx, viewer, row, r);
    return insert_new(tx, row);
  });
  logger_.info("image created", {{"image_id", created.id}, {"project_id", created.owner}});
  return created;
}

ImageRecord Images::register_snapshot(const Caller& caller, const SnapshotRequest& r) {
  auth::require_service(caller, "register a snapshot");
  std::string project_id = validate::normalized_uuid("project_id", r.project_id);
  std::string instance_id = validate::normalized_uuid("instance_id", r.instance_id);
  check_min_disk(r.min_disk);
  check_min_ram(r.min_ram);
  ImageRecord image;
  image.id = auth::random_uuid();
  image.name = check_image_name(r.name);
  image.owner = project_id;
  image.visibility = Visibility::Private;
  image.disk_format = r.disk_format.empty() ? "qcow2" : r.disk_format;
  image.container_format = check_formats(image.disk_format, r.container_format, false, false);
  image.min_disk = r.min_disk;
  image.min_ram = r.min_ram;
  image.properties = apply_property_changes({}, r.properties, {});
  // Reserved keys, set by the service only: users cannot forge a snapshot's origin.
  image.properties["image_type"] = "snapshot";
  image.properties["instance_uuid"] = instance_id;
  auto created = pool_.transact([&](pqxx::work& tx) { return insert_new(tx, image); });
  logger_.info("snapshot image registered",
               {{"image_id", created.id}, {"project_id", created.owner}, {"instance_id", instance_id}});
  return created;
}

ImageRecord Images::update(const Caller& caller, const std::string& ref, const ImageChanges& c) {
  Viewer viewer = viewer_of(caller);
  std::optional<std::string> name;
  if (c.name) name = check_image_name(*c.name);
  if (c.min_disk) check_min_disk(*c.min_disk);
  if (c.min_ram) check_min_ram(*c.min_ram);
  check_member_ids(c.add_members, "", true);
  check_member_ids(c.remove_members, "", false);
  auto updated = pool_.transact([&](pqxx::work& tx) {
    ImageRecord image = resolve(tx, viewer, ref, true);
    auth::authorize(caller, image.owner, Access::Write);
    auto adding = check_member_ids(c.add_members, image.owner, true);
    auto removing = check_member_ids(c.remove_members, image.owner, false);
    size_t after = image.members.size();
    for (const auto& p : adding)
      if (!membership_of(image, p)) ++after;
    for (const auto& p : removing)
      if (membership_of(image, p) && std::find(adding.begin(), adding.end(), p) == adding.end()) --after;
    check_member_count(after);
    for (const auto& p : adding)
      if (!membership_of(image, p) && !projects_.exists(p))
        throw invalid_argument("project " + p + " does not exist: an image is shared with existing projects only");
    if (name) image.name = *name;
    if (c.min_disk) image.min_disk = *c.min_disk;
    if (c.min_ram) image.min_ram = *c.min_ram;
    if (c.is_protected) image.is_protected = *c.is_protected;
    if (c.visibility) {
      image.visibility = parse_visibility(*c.visibility);
      check_visibility_allowed(image.visibility, viewer);
    }
    image.visibility = visibility_after_sharing(image.visibility, !c.add_members.empty());
    image.properties = apply_property_changes(image.properties, c.set_properties, c.unset_properties);
    store::update_image(tx, image);
    store::add_members(tx, image.id, adding);
    store::remove_members(tx, image.id, removing);
    return *store::find_image(tx, image.id);
  });
  logger_.info("image updated", {{"image_id", updated.id}});
  return as_seen_by(updated, viewer);
}

ImageRecord Images::answer_offer(const Caller& caller, const std::string& ref, MemberStatus answer) {
  Viewer viewer = viewer_of(caller);
  auth::authorize(caller, caller.project_id(), Access::Write);
  auto answered = pool_.transact([&](pqxx::work& tx) {
    // By id, or by name among the images offered to this project (a pending one has no name
    // in the default view yet).
    std::string id = validate::reference("image", ref);
    if (!validate::is_uuid(id)) {
      std::vector<std::string> offered;
      for (const auto& candidate : store::images_named(tx, id))
        if (!owns(candidate, viewer) && membership_of(candidate, viewer.project_id)) offered.push_back(candidate.id);
      if (offered.empty()) throw not_found("image offered to this project", id);
      if (offered.size() > 1) throw invalid_argument("several images offered are named '" + echo(id) + "': use the id");
      id = offered.front();
    }
    auto image = store::find_image(tx, id, true);
    if (!image || !membership_of(*image, viewer.project_id)) throw not_found("image offered to this project", id);
    store::set_member_status(tx, image->id, viewer.project_id, answer);
    return *store::find_image(tx, image->id);
  });
  logger_.info("image share answered",
               {{"image_id", answered.id}, {"project_id", viewer.project_id}, {"answer", to_string(answer)}});
  return as_seen_by(answered, Viewer{viewer.project_id, false});
}

void Images::remove(const Caller& caller, const std::string& ref) {
  Viewer viewer = viewer_of(caller);
  auto removed = pool_.transact([&](pqxx::work& tx) {
    ImageRecord image = resolve(tx, viewer, ref, true);
    auth::authorize(caller, image.owner, Access::Write);
    check_deletable(image, viewer);
    require_transition(image.status, ImageStatus::Deleted);
    store::mark_deleted(tx, image.id);
    image.status = ImageStatus::Deleted;
    publish(tx, image, "deleted");
    return image;
  });
  // After the commit: a crash here leaves an orphan file, never a record without its bytes.
  try {
    bytes_.remove(removed.id);
  } catch (const std::exception& e) {
    logger_.error("deleted image's bytes could not be removed", {{"image_id", removed.id}, {"error", e.what()}});
  }
  logger_.info("image deleted", {{"image_id", removed.id}});
}

void Images::publish(pqxx::work& tx, const ImageRecord& image, const std::string& event) {
  cloud::image::v1::ImageEvent payload;
  payload.set_image_id(image.id);
  payload.set_owner(image.owner);
  payload.set_status(to_string(image.status));
  payload.set_visibility(to_string(image.visibility));
  outbox::enqueue(tx, settings_.events_exchange, "image.image." + event, payload);
}

// ---------------------------------------------------------------- bytes

std::unique_ptr<Upload> Images::begin_upload(const Caller& caller, const std::string& ref, uint64_t size,
                                             const std::string& sha256) {
  Viewer viewer = viewer_of(caller);
  std::string digest = check_upload_declaration(size, sha256);
  ImageRecord image = pool_.transact([&](pqxx::work& tx) { return resolve(tx, viewer, ref); });
  auth::authorize(caller, image.owner, Access::Write);
  require_transition(image.status, ImageStatus::Saving);
  if (!leases_.try_acquire(image.id)) throw failed_precondition("image is saving: an upload is already in progress");
  try {
    pool_.transact([&](pqxx::work& tx) {
      auto current = store::find_image(tx, image.id, true);
      if (!current) throw not_found("image", ref);
      require_transition(current->status, ImageStatus::Saving);
      store::lock_project(tx, current->owner);
      check_bytes(store::bytes_used(tx, current->owner), size, settings_.quota);
      store::start_saving(tx, image.id, size);
    });
  } catch (...) {
    leases_.release(image.id);
    throw;
  }
  std::unique_ptr<ImageStore::Writer> writer;
  try {
    writer = bytes_.begin_write(image.id);
  } catch (...) {
    kill_upload(image.id);
    throw;
  }
  logger_.info("upload started", {{"image_id", image.id}, {"size", size}});
  return std::make_unique<Upload>(*this, image, size, digest, std::move(writer));
}

ImageRecord Images::activate(const ImageRecord& image, const std::string& sha256) {
  auto active = pool_.transact([&](pqxx::work& tx) -> std::optional<ImageRecord> {
    if (!store::finish_saving(tx, image.id, sha256)) return std::nullopt;
    auto row = *store::find_image(tx, image.id);
    publish(tx, row, "active");
    return row;
  });
  if (!active) {
    bytes_.remove(image.id);
    throw failed_precondition("image was deleted or killed while its bytes were arriving");
  }
  leases_.release(image.id);
  logger_.info("image active", {{"image_id", image.id}, {"size", active->size}});
  return *active;
}

void Images::kill_upload(const std::string& image_id) noexcept {
  try {
    // The row first: if the upload won the race and the image became active meanwhile, its
    // committed bytes must stay; only a leftover partial file goes.
    bool killed = pool_.transact([&](pqxx::work& tx) {
      if (!store::kill(tx, image_id)) return false;
      publish(tx, *store::find_image(tx, image_id), "killed");
      return true;
    });
    if (killed) bytes_.remove(image_id);
    else bytes_.remove_partial(image_id);
    if (killed) logger_.warn("upload failed: image killed", {{"image_id", image_id}});
  } catch (const std::exception& e) {
    // Recovery finishes the job once the lease is free.
    logger_.error("could not kill a failed upload", {{"image_id", image_id}, {"error", e.what()}});
  }
  leases_.release(image_id);
}

Download Images::open_download(const Caller& caller, const std::string& ref, uint64_t offset) {
  Viewer viewer = viewer_of(caller);
  ImageRecord image = pool_.transact([&](pqxx::work& tx) { return resolve(tx, viewer, ref); });
  require_downloadable(image.status);
  if (offset > image.size)
    throw invalid_argument("offset " + std::to_string(offset) + " is beyond the image's " +
                           std::to_string(image.size) + " bytes");
  return Download{image, offset, bytes_.open_read(image.id, offset)};
}

int Images::recover_stuck_uploads() {
  int recovered = 0;
  for (const auto& id : pool_.transact([](pqxx::work& tx) { return store::saving_image_ids(tx); })) {
    if (!leases_.try_acquire(id)) continue;  // alive, here or in another replica
    kill_upload(id);                          // releases the lease
    ++recovered;
  }
  if (recovered > 0) logger_.warn("stuck uploads recovered", {{"images", recovered}});
  return recovered;
}

// ---------------------------------------------------------------- Upload

Upload::Upload(Images& images, ImageRecord image, uint64_t declared_size, std::string declared_sha256,
               std::unique_ptr<ImageStore::Writer> writer)
    : images_(images),
      image_(std::move(image)),
      declared_size_(declared_size),
      declared_sha256_(std::move(declared_sha256)),
      writer_(std::move(writer)) {}

Upload::~Upload() { kill(); }

void Upload::write(const char* data, size_t size) {
  if (size > declared_size_ - received_)
    fail("upload is longer than the declared " + std::to_string(declared_size_) + " bytes");
  writer_->write(data, size);
  hash_.update(data, size);
  received_ += size;
}

ImageRecord Upload::finish() {
  if (received_ != declared_size_)
    fail("upload ended after " + std::to_string(received_) + " of the declared " + std::to_string(declared_size_) +
         " bytes");
  std::string actual = hash_.hex_digest();
  if (actual != declared_sha256_)
    fail("sha256 mismatch: declared " + declared_sha256_ + ", the bytes received hash to " + actual);
  writer_->commit();
  auto active = images_.activate(image_, actual);
  done_ = true;
  return active;
}

void Upload::fail(const std::string& message) {
  kill();
  throw invalid_argument(message);
}

void Upload::kill() noexcept {
  if (done_) return;
  done_ = true;
  writer_->abort();
  images_.kill_upload(image_.id);
}

}  // namespace stratus::image
