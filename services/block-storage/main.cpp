// stratus-block-storage: volumes of projects, their status machine, per-project quotas, and
// the driver that holds their bytes (first: qcow2 files in a directory).
//
//   stratus-block-storage --config /etc/stratus/block-storage.conf
//
// Settings (file or STRATUS_* environment; the section is [block-storage], its variables
// STRATUS_BLOCK_STORAGE_*): server.listen (127.0.0.1:7400), db.url, db.pool_size, bus.url,
// identity.{url, service_user, service_password, service_project}, image.url (default: the
// catalog, looked up when a volume is first made from an image),
// block-storage.{public_endpoint, backend (qcow2), volumes_path (/var/lib/stratus/volumes),
// qemu_img (qemu-img), default_availability_zone (nova), max_volume_size_gib (1024),
// quota_volumes (10), quota_gigabytes (1000), quota_snapshots (10), stuck_after (600 s), recover_interval (60 s)},
// log.{level, format}. See services/block-storage/README.md and docs/block-storage.md.
#include <memory>

#include "common/bus/topology.h"
#include "common/config/config.h"
#include "common/rpc/service_main.h"
#include "common/service/service_runtime.h"
#include "services/block-storage/api/block_storage_api.h"
#include "services/block-storage/domain/volume_spec.h"
#include "services/block-storage/drivers/qcow2_driver.h"

using namespace stratus;

namespace {

const std::string kSection = "block-storage.";

int quota_setting(const Config& config, const std::string& name, int fallback) {
  long value = config.get_int(kSection + "quota_" + name, fallback);
  if (value < -1 || value > INT32_MAX)
    throw std::invalid_argument(kSection + "quota_" + name + " must be a count or -1 (unlimited)");
  return static_cast<int>(value);
}

std::chrono::seconds positive_seconds(const Config& config, const std::string& name, std::chrono::seconds fallback) {
  auto value = config.get_seconds(kSection + name, fallback);
  if (value.count() < 1) throw std::invalid_argument(kSection + name + " must be at least 1 second");
  return value;
}

block_storage::Settings settings_from(const Config& config) {
  block_storage::Settings s;
  s.default_availability_zone = config.get(kSection + "default_availability_zone", s.default_availability_zone);
  block_storage::check_availability_zone(s.default_availability_zone);
  s.max_volume_size_gib = config.get_int(kSection + "max_volume_size_gib", s.max_volume_size_gib);
  if (s.max_volume_size_gib < 1 || s.max_volume_size_gib > block_storage::kMaxVolumeSizeGib)
    throw std::invalid_argument(kSection + "max_volume_size_gib must be between 1 and " +
                                std::to_string(block_storage::kMaxVolumeSizeGib));
  s.default_quota.volumes = quota_setting(config, "volumes", s.default_quota.volumes);
  s.default_quota.gigabytes = quota_setting(config, "gigabytes", s.default_quota.gigabytes);
  s.default_quota.snapshots = quota_setting(config, "snapshots", s.default_quota.snapshots);
  s.stuck_after = positive_seconds(config, "stuck_after", s.stuck_after);
  s.events_exchange = bus::kEventsExchange;
  return s;
}

std::unique_ptr<block_storage::VolumeDriver> driver_from(const Config& config) {
  std::string backend = config.get(kSection + "backend", "qcow2");
  if (backend != "qcow2") throw std::invalid_argument(kSection + "backend must be qcow2 (the only driver so far)");
  return std::make_unique<block_storage::Qcow2Driver>(config.get(kSection + "volumes_path", "/var/lib/stratus/volumes"),
                                                      config.get(kSection + "qemu_img", "qemu-img"));
}

int run(const Config& config) {
  auto settings = settings_from(config);
  auto recover_interval = positive_seconds(config, "recover_interval", std::chrono::seconds(60));
  auto driver = driver_from(config);
  // Registers "block-storage" in the identity catalog (block-storage.public_endpoint or the listen address).
  ServiceRuntime runtime(config, {"block-storage", "127.0.0.1:7400", &db::block_storage_migrations()});
  // The image service only when a volume is made from an image (its catalog entry then).
  block_storage::GrpcImageSource images([&runtime] { return runtime.channel_to("image"); });
  block_storage::BlockStorage service(runtime.pool(), *driver, images, settings, runtime.logger().child("block-storage"));
  // What a crash left in creating/deleting; the first pass comes one interval after the start,
  // by when requests in flight before it are long over or are this process's own.
  runtime.every("block-storage-recover", recover_interval, [&] { service.recover(); });

  block_storage::BlockStorageApi api(service, runtime.authenticator(), runtime.logger().child("api"));
  runtime.serve(api);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return rpc::service_main(argc, argv, "stratus-block-storage", run); }
