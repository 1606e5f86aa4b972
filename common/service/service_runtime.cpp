#include "common/service/service_runtime.h"

#include "common/rpc/server.h"

namespace stratus {

ServiceRuntime::ServiceRuntime(const Config& config, ServiceSpec spec)
    : spec_(std::move(spec)), listen_(config.get("server.listen", spec_.default_listen)),
      logger_(log::Logger::from_config(config, spec_.name)) {
  pool_ = std::make_unique<db::Pool>(config.require("db.url"), static_cast<size_t>(config.get_int("db.pool_size", 8)),
                                     logger_.child("db"));
  db::migrate(*pool_, "outbox", db::outbox_migrations(), logger_);
  db::migrate(*pool_, spec_.name, *spec_.migrations, logger_);

  identity_ = std::make_unique<identity_client::IdentityConnection>(
      config.require("identity.url"), identity_client::ServiceCredentials::from_config(config),
      logger_.child("identity"));
  identity_->wait_until_reachable(config.get_seconds("identity.wait", std::chrono::seconds(120)));
  if (config.find("bus.url")) bus_url_ = bus::BusUrl::parse(config.require("bus.url"));
  tokens_ = std::make_unique<identity_client::TrustedTokens>(*identity_, bus_url_, logger_.child("tokens"));
  authenticator_ = std::make_unique<rpc::Authenticator>(tokens_->verifier(), tokens_->revocations());
  identity_->register_endpoint(spec_.name, config.get(spec_.name + ".public_endpoint", listen_));

  if (bus_url_) {
    publisher_ = std::make_unique<bus::Publisher>(*bus_url_, logger_.child("bus"));
    relay_ = std::make_unique<outbox::Relay>(config.require("db.url"), *publisher_, logger_.child("outbox"));
  } else {
    logger_.warn("bus.url is not set: events stay in the outbox until it is");
  }
}

ServiceRuntime::~ServiceRuntime() {
  if (tokens_) tokens_->stop();
  if (relay_) relay_->stop();
}

void ServiceRuntime::serve(grpc::Service& api, const std::function<void()>& before_stop) {
  rpc::Server server(listen_, logger_);
  server.add_service(&api);
  server.run_until_signal([&] {
    if (before_stop) before_stop();
    tokens_->stop();
    if (relay_) relay_->stop();
  });
}

}  // namespace stratus
