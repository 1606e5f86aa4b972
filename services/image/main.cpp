// stratus-image: image records and their bytes.
//
//   stratus-image --config /etc/stratus/image.conf
//
// Settings (file or STRATUS_* environment): server.listen (127.0.0.1:7200), db.url,
// db.pool_size, bus.url, identity.{url, service_user, service_password, service_project},
// image.{public_endpoint, store_dir, quota_images, quota_bytes, chunk_size, recovery_interval},
// log.{level, format}. See docs/image.md.
#include <memory>
#include <optional>

#include "common/bus/publisher.h"
#include "common/config/config.h"
#include "common/db/migrations.h"
#include "common/identity_client/identity_client.h"
#include "common/outbox/outbox.h"
#include "common/rpc/authenticator.h"
#include "common/rpc/server.h"
#include "common/rpc/service_main.h"
#include "common/task/periodic.h"
#include "services/image/api/image_api.h"
#include "services/image/drivers/local_dir_store.h"
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
  auto logger = log::Logger::from_config(config, "image");
  db::Pool pool(config.require("db.url"), static_cast<size_t>(config.get_int("db.pool_size", 8)), logger.child("db"));
  db::migrate(pool, "outbox", db::outbox_migrations(), logger);
  db::migrate(pool, "image", db::image_migrations(), logger);

  identity_client::IdentityConnection identity(config.require("identity.url"),
                                               identity_client::ServiceCredentials::from_config(config),
                                               logger.child("identity"));
  identity.wait_until_reachable(config.get_seconds("identity.wait", std::chrono::seconds(120)));
  std::optional<bus::BusUrl> bus_url;
  if (config.find("bus.url")) bus_url = bus::BusUrl::parse(config.require("bus.url"));
  identity_client::TrustedTokens tokens(identity, bus_url, logger.child("tokens"));

  std::string listen = config.get("server.listen", "127.0.0.1:7200");
  identity.register_endpoint("image", config.get("image.public_endpoint", listen));

  image::LocalDirStore bytes(config.get("image.store_dir", "/var/lib/stratus/images"));
  image::UploadLeases leases(config.require("db.url"), logger.child("leases"));
  image::Images images(pool, bytes, leases, settings_from(config), logger.child("images"));
  images.recover_stuck_uploads();
  // Uploads orphaned by another replica that died are recovered without waiting for a restart.
  PeriodicTask recovery("image-recovery", config.get_seconds("image.recovery_interval", std::chrono::seconds(60)),
                        [&] { images.recover_stuck_uploads(); }, logger);

  std::unique_ptr<bus::Publisher> publisher;
  std::unique_ptr<outbox::Relay> relay;
  if (bus_url) {
    publisher = std::make_unique<bus::Publisher>(*bus_url, logger.child("bus"));
    relay = std::make_unique<outbox::Relay>(config.require("db.url"), *publisher, logger.child("outbox"));
  } else {
    logger.warn("bus.url is not set: image events stay in the outbox until it is");
  }

  rpc::Authenticator authenticator(tokens.verifier(), tokens.revocations());
  image::ImageApi api(images, authenticator, logger.child("api"));
  rpc::Server server(listen, logger);
  server.add_service(&api);
  server.run_until_signal([&] {
    recovery.stop();
    tokens.stop();
    if (relay) relay->stop();
  });
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return rpc::service_main(argc, argv, "stratus-image", run); }
