#pragma once
// The image service's use cases: what each API call does, in terms of the rules, the SQL
// store, the byte store and the upload leases. Every method acting for somebody takes the
// verified Caller. Transactions stay short: none is open while bytes stream.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/auth/policy.h"
#include "common/db/pool.h"
#include "common/log/log.h"
#include "services/image/client/sha256.h"
#include "services/image/domain/image_record.h"
#include "services/image/domain/rules.h"
#include "services/image/drivers/image_store.h"
#include "services/image/drivers/project_directory.h"
#include "services/image/store/upload_leases.h"

namespace stratus::image {

struct Settings {
  Quota quota;
  size_t chunk_size = 1 << 20;
  std::string events_exchange = "stratus.events";
};

struct NewImage {
  std::string name, disk_format, container_format, visibility, kernel, ramdisk;
  bool is_protected = false;
  uint32_t min_disk = 0, min_ram = 0;
  std::map<std::string, std::string> properties;
};

struct ImageChanges {
  std::optional<std::string> name, visibility;
  std::optional<uint32_t> min_disk, min_ram;
  std::optional<bool> is_protected;
  std::map<std::string, std::string> set_properties;
  std::vector<std::string> unset_properties, add_members, remove_members;
};

struct SnapshotRequest {
  std::string project_id, name, instance_id, disk_format, container_format;
  uint32_t min_disk = 0, min_ram = 0;
  std::map<std::string, std::string> properties;
};

struct ListRequest {
  std::string visibility, owner, status, name, page_token;
  uint32_t page_size = 0;
  bool all_projects = false;
  std::string member_status;  // "" (accepted), pending, accepted, rejected, all
};

struct ImagePage {
  std::vector<ImageRecord> images;
  std::string next_page_token;
};

class Images;

// One upload in progress (the image is saving and this process holds its lease). Chunks go
// to the byte store and the hash as they come; finish() checks size and digest and makes
// the image active. Destroyed unfinished (error, client gone), it kills the image and drops
// the bytes.
class Upload {
 public:
  Upload(Images& images, ImageRecord image, uint64_t declared_size, std::string declared_sha256,
         std::unique_ptr<ImageStore::Writer> writer);
  ~Upload();
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;

  // INVALID_ARGUMENT (and the image killed) when the bytes exceed the declared size.
  void write(const char* data, size_t size);
  // INVALID_ARGUMENT (and the image killed) on a short upload or a digest mismatch.
  ImageRecord finish();
  uint64_t received() const { return received_; }

 private:
  [[noreturn]] void fail(const std::string& message);
  void kill() noexcept;

  Images& images_;
  ImageRecord image_;
  uint64_t declared_size_;
  std::string declared_sha256_;
  std::unique_ptr<ImageStore::Writer> writer_;
  Sha256 hash_;
  uint64_t received_ = 0;
  bool done_ = false;
};

struct Download {
  ImageRecord image;
  uint64_t offset = 0;
  std::unique_ptr<ImageStore::Reader> reader;
};

class Images {
 public:
  Images(db::Pool& pool, ImageStore& bytes, UploadLeases& leases, ProjectDirectory& projects, Settings settings,
         log::Logger logger);

  ImageRecord create(const auth::Caller& caller, const NewImage& request);
  ImageRecord get(const auth::Caller& caller, const std::string& image);
  ImagePage list(const auth::Caller& caller, const ListRequest& request);
  ImageRecord update(const auth::Caller& caller, const std::string& image, const ImageChanges& changes);
  void remove(const auth::Caller& caller, const std::string& image);
  ImageRecord register_snapshot(const auth::Caller& caller, const SnapshotRequest& request);
  // The caller's project answers an offer of an image shared with it (NOT_FOUND when it has
  // none). Accepting puts the image in its list and names; rejecting takes it out again.
  ImageRecord answer_offer(const auth::Caller& caller, const std::string& image, MemberStatus answer);

  // queued -> saving after the checks (visibility, write access, declaration, byte quota).
  std::unique_ptr<Upload> begin_upload(const auth::Caller& caller, const std::string& image, uint64_t size,
                                       const std::string& sha256);
  Download open_download(const auth::Caller& caller, const std::string& image, uint64_t offset);

  // Images left saving by a dead process become killed and their partial bytes go. Run at
  // start and periodically; live uploads (here or in another replica) are left alone.
  int recover_stuck_uploads();

  const Settings& settings() const { return settings_; }

 private:
  friend class Upload;
  // The image `ref` (id or name) names among those the caller sees; NOT_FOUND otherwise,
  // the same answer whether it does not exist or belongs to another project.
  ImageRecord resolve(pqxx::work& tx, const Viewer& viewer, const std::string& ref, bool for_update = false);
  ImageRecord insert_new(pqxx::work& tx, ImageRecord image);
  void check_kernel_pair(pqxx::work& tx, const Viewer& viewer, ImageRecord& image, const NewImage& request);
  ImageRecord activate(const ImageRecord& image, const std::string& sha256);
  void kill_upload(const std::string& image_id) noexcept;
  void publish(pqxx::work& tx, const ImageRecord& image, const std::string& event);

  db::Pool& pool_;
  ImageStore& bytes_;
  UploadLeases& leases_;
  ProjectDirectory& projects_;
  Settings settings_;
  log::Logger logger_;
};

Viewer viewer_of(const auth::Caller& caller);

}  // namespace stratus::image
