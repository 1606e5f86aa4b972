// stratus-image: image records and their bytes.
//
//   stratus-image --config /etc/stratus/image.conf
//
// Settings (file or STRATUS_* environment): server.listen (127.0.0.1:7200), db.url,
// db.pool_size, bus.url, identity.{url, service_user, service_password, service_project},
// image.{public_endpoint, store_dir, quota_images, quota_bytes, chunk_size, recovery_interval},
// log.{level, format}. See docs/image.md.
#include "common/config/config.h"
#include "common/rpc/service_main.h"
#include "common/service/service_runtime.h"
#include "common/task/periodic.h"
#include "services/image/api/image_api.h"
#include "services/image/drivers/local_dir_store.h"
#include "services/image/drivers/project_directory.h"
#include "services/image/store/image_rows.h"

using namespace stratus;

namespace {

// Chunks must stay under gRPC's default 4 MiB message limit.
constexpr long kMaxChunkSize = 3 << 20;

image::Settings settings_from(const Config& config) {
  image::Settings s;
  s.quota.max_images = static_cast<uint64_t>(config.get_int("image.quota_images", 100));
  s.quota.max_bytes = static_cast<uint64_t>(config.get_int("image.quota_bytes", 100L << 30));
  long chunk = config.get_int("image.chunk_size", 1 << 20);
  if (chunk < 4096 || chunk > kMaxChunkSize)
    throw std::invalid_argument("image.chunk_size must be between 4096 and " + std::to_string(kMaxChunkSize));
  s.chunk_size = static_cast<size_t>(chunk);
  return s;
}

int run(const Config& config) {
  auto settings = settings_from(config);
  ServiceRuntime runtime(config, {"image", "127.0.0.1:7200", &db::image_migrations()});
  const auto& logger = runtime.logger();
  image::LocalDirStore bytes(config.get("image.store_dir", "/var/lib/stratus/images"));
  image::UploadLeases leases(config.require("db.url"), logger.child("leases"));
  auto projects = image::identity_project_directory(runtime.identity());
  image::Images images(runtime.pool(), bytes, leases, *projects, settings, logger.child("images"));
  images.recover_stuck_uploads();
  // Uploads orphaned by another replica that died are recovered without waiting for a restart.
  PeriodicTask recovery("image-recovery", config.get_seconds("image.recovery_interval", std::chrono::seconds(60)),
                        [&] { images.recover_stuck_uploads(); }, logger);
  image::ImageApi api(images, runtime.authenticator(), logger.child("api"));
  runtime.serve(api, [&] { recovery.stop(); });
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return rpc::service_main(argc, argv, "stratus-image", run); }
