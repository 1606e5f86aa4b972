// stratus-network: networks, subnets, IP allocation, ports, security groups, floating IPs.
//
//   stratus-network --config /etc/stratus/network.conf
//
// Settings (file or STRATUS_* environment): server.listen (127.0.0.1:7300), db.url,
// db.pool_size, bus.url, identity.{url, service_user, service_password, service_project},
// network.{public_endpoint, segmentation_range (100-4000), default_mtu (1450),
// quota_networks, quota_subnets, quota_ports, quota_security_groups,
// quota_security_group_rules, quota_floating_ips}, log.{level, format}. See docs/network.md.
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
#include "services/network/api/network_api.h"

using namespace stratus;

namespace {

int quota_setting(const Config& config, const std::string& name, int fallback) {
  long value = config.get_int("network.quota_" + name, fallback);
  if (value < -1) throw std::invalid_argument("network.quota_" + name + " must be a count or -1 (unlimited)");
  return static_cast<int>(value);
}

network::Settings settings_from(const Config& config) {
  network::Settings s;
  auto& q = s.default_quota;
  q.networks = quota_setting(config, "networks", q.networks);
  q.subnets = quota_setting(config, "subnets", q.subnets);
  q.ports = quota_setting(config, "ports", q.ports);
  q.security_groups = quota_setting(config, "security_groups", q.security_groups);
  q.security_group_rules = quota_setting(config, "security_group_rules", q.security_group_rules);
  q.floating_ips = quota_setting(config, "floating_ips", q.floating_ips);
  s.segmentation = network::parse_segmentation_range(config.get("network.segmentation_range", "100-4000"));
  s.default_mtu = static_cast<int>(config.get_int("network.default_mtu", 1450));
  if (s.default_mtu < 576 || s.default_mtu > 9000)
    throw std::invalid_argument("network.default_mtu must be between 576 and 9000");
  return s;
}

int run(const Config& config) {
  auto logger = log::Logger::from_config(config, "network");
  auto settings = settings_from(config);
  db::Pool pool(config.require("db.url"), static_cast<size_t>(config.get_int("db.pool_size", 8)), logger.child("db"));
  db::migrate(pool, "outbox", db::outbox_migrations(), logger);
  db::migrate(pool, "network", db::network_migrations(), logger);

  identity_client::IdentityConnection identity(config.require("identity.url"),
                                               identity_client::ServiceCredentials::from_config(config),
                                               logger.child("identity"));
  identity.wait_until_reachable(config.get_seconds("identity.wait", std::chrono::seconds(120)));
  std::optional<bus::BusUrl> bus_url;
  if (config.find("bus.url")) bus_url = bus::BusUrl::parse(config.require("bus.url"));
  identity_client::TrustedTokens tokens(identity, bus_url, logger.child("tokens"));

  std::string listen = config.get("server.listen", "127.0.0.1:7300");
  identity.register_endpoint("network", config.get("network.public_endpoint", listen));

  std::unique_ptr<bus::Publisher> publisher;
  std::unique_ptr<outbox::Relay> relay;
  if (bus_url) {
    publisher = std::make_unique<bus::Publisher>(*bus_url, logger.child("bus"));
    relay = std::make_unique<outbox::Relay>(config.require("db.url"), *publisher, logger.child("outbox"));
  } else {
    logger.warn("bus.url is not set: network events stay in the outbox until it is");
  }

  network::Networking networking(pool, settings, logger.child("networking"));
  rpc::Authenticator authenticator(tokens.verifier(), tokens.revocations());
  network::NetworkApi api(networking, authenticator, logger.child("api"));
  rpc::Server server(listen, logger);
  server.add_service(&api);
  server.run_until_signal([&] {
    tokens.stop();
    if (relay) relay->stop();
  });
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return rpc::service_main(argc, argv, "stratus-network", run); }
