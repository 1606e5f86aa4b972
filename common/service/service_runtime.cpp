#include "common/service/service_runtime.h"

#include <stdexcept>

#include "common/error/error.h"
#include "common/rpc/server.h"

namespace stratus {

ServiceRuntime::ServiceRuntime(const Config& config, ServiceSpec spec)
    : config_(config), spec_(std::move(spec)), listen_(config.get("server.listen", spec_.default_listen)),
      logger_(log::Logger::from_config(config, spec_.name)), channels_(rpc::ChannelFactory::from_config(config)) {
  if (spec_.migrations) {
    pool_ = std::make_unique<db::Pool>(config.require("db.url"), static_cast<size_t>(config.get_int("db.pool_size", 8)),
                                       logger_.child("db"));
    db::migrate(*pool_, "outbox", db::outbox_migrations(), logger_);
    db::migrate(*pool_, spec_.name, *spec_.migrations, logger_);
  }
  if (config.find("bus.url")) bus_url_ = bus::BusUrl::parse(config.require("bus.url"));

  if (!spec_.is_identity) {
    identity_ = std::make_unique<identity_client::IdentityConnection>(
        config.require("identity.url"), identity_client::ServiceCredentials::from_config(config),
        logger_.child("identity"), channels_);
    identity_->wait_until_reachable(config.get_seconds("identity.wait", std::chrono::seconds(120)));
    tokens_ = std::make_unique<identity_client::TrustedTokens>(*identity_, bus_url_, logger_.child("tokens"));
    authenticator_ = std::make_unique<rpc::Authenticator>(tokens_->verifier(), tokens_->revocations());
    identity_->register_endpoint(spec_.name, config.get(spec_.name + ".public_endpoint", listen_));
  }

  if (bus_url_ && pool_) {
    publisher_ = std::make_unique<bus::Publisher>(*bus_url_, logger_.child("bus"));
    relay_ = std::make_unique<outbox::Relay>(config.require("db.url"), *publisher_, logger_.child("outbox"));
  } else if (pool_) {
    logger_.warn("bus.url is not set: events stay in the outbox until it is");
  }
}

ServiceRuntime::~ServiceRuntime() { stop_background(); }

db::Pool& ServiceRuntime::pool() {
  if (!pool_) throw std::logic_error(spec_.name + " runs without a database");
  return *pool_;
}

identity_client::IdentityConnection& ServiceRuntime::identity() {
  if (!identity_) throw std::logic_error("identity has no identity connection of its own");
  return *identity_;
}

const rpc::Authenticator& ServiceRuntime::authenticator() const {
  if (!authenticator_) throw std::logic_error("identity must call trust_own_tokens() first");
  return *authenticator_;
}

void ServiceRuntime::trust_own_tokens(const auth::TokenVerifier& verifier, const auth::RevocationList& revocations) {
  authenticator_ = std::make_unique<rpc::Authenticator>(verifier, revocations);
}

std::shared_ptr<grpc::Channel> ServiceRuntime::channel_to(const std::string& service) {
  auto configured = config_.get(service + ".url", "");
  std::string endpoint = configured.empty() ? identity().endpoint_of(service) : configured;
  logger_.info("peer service", {{"service", service}, {"endpoint", endpoint}});
  return channels_.open(endpoint);
}

void ServiceRuntime::add_consumer(std::unique_ptr<bus::Consumer> consumer) { consumers_.push_back(std::move(consumer)); }

void ServiceRuntime::every(const std::string& name, std::chrono::milliseconds interval, std::function<void()> run) {
  tasks_.push_back(std::make_unique<PeriodicTask>(name, interval, std::move(run), logger_));
}

void ServiceRuntime::stop_background() {
  for (auto it = tasks_.rbegin(); it != tasks_.rend(); ++it) (*it)->stop();
  for (auto it = consumers_.rbegin(); it != consumers_.rend(); ++it) (*it)->stop();
  if (tokens_) tokens_->stop();
  if (relay_) relay_->stop();
}

void ServiceRuntime::serve(const std::vector<grpc::Service*>& services, const std::function<void()>& before_stop) {
  rpc::Server server(listen_, logger_, channels_);
  for (auto* service : services) server.add_service(service);
  server.run_until_signal([&] {
    if (before_stop) before_stop();
    stop_background();
  });
}

}  // namespace stratus
