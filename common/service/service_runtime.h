#pragma once
// What every service process starts the same way, in one place:
//   its database (pool, outbox and own migrations; optional, for stateless fronts),
//   identity trust (a service token, local token verification kept current, its catalog
//   entry; identity itself trusts its own keys instead), the outbox relay to the bus, channels
//   to other services (TLS when configured), its background work (bus consumers, periodic
//   tasks), and the gRPC server with one or more services that runs until SIGTERM.
// A service's main() builds its domain on top and calls serve(); see services/network/main.cpp
// (two gRPC services, public and agent-facing) and services/identity/main.cpp (own trust).
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "common/auth/revocations.h"
#include "common/auth/token.h"
#include "common/bus/consumer.h"
#include "common/bus/publisher.h"
#include "common/bus/url.h"
#include "common/config/config.h"
#include "common/db/migrations.h"
#include "common/db/pool.h"
#include "common/identity_client/identity_client.h"
#include "common/log/log.h"
#include "common/outbox/outbox.h"
#include "common/rpc/authenticator.h"
#include "common/rpc/channel.h"
#include "common/task/periodic.h"

namespace stratus {

struct ServiceSpec {
  std::string name;            // catalog name and config section: "image", "network", ...
  std::string default_listen;  // e.g. 127.0.0.1:7200
  // Its own schema; nullptr: no database at all (a stateless front such as the EC2 API).
  const std::vector<db::Migration>* migrations = nullptr;
  // Identity itself: no identity to connect to; it trusts its own keys (trust_own_tokens)
  // and registers its own endpoint.
  bool is_identity = false;
};

class ServiceRuntime {
 public:
  // Connects and migrates the database, waits for identity (identity.wait, default 120 s),
  // loads trusted keys and revocations, registers <name>.public_endpoint (or the listen
  // address) in the catalog, and starts the outbox relay when bus.url is set.
  ServiceRuntime(const Config& config, ServiceSpec spec);
  ~ServiceRuntime();

  const log::Logger& logger() const { return logger_; }
  const Config& config() const { return config_; }
  db::Pool& pool();                                   // throws without a database
  identity_client::IdentityConnection& identity();    // throws in identity itself
  const rpc::Authenticator& authenticator() const;
  const std::optional<bus::BusUrl>& bus_url() const { return bus_url_; }
  const rpc::ChannelFactory& channels() const { return channels_; }
  const std::string& listen_address() const { return listen_; }

  // A channel to another service: `<service>.url` from the config when set, else the
  // catalog's entry (waiting for it to appear).
  std::shared_ptr<grpc::Channel> channel_to(const std::string& service);

  // Identity only: verify tokens with identity's own keys and revocation list.
  void trust_own_tokens(const auth::TokenVerifier& verifier, const auth::RevocationList& revocations);

  // Background work that runs while the service serves, stopped after the last call in
  // flight has finished, in reverse order of adding.
  void add_consumer(std::unique_ptr<bus::Consumer> consumer);
  void every(const std::string& name, std::chrono::milliseconds interval, std::function<void()> run);

  // Serves `services` until SIGTERM/SIGINT. After calls in flight have finished, `before_stop`
  // stops the service's own other work, then the runtime stops its own.
  void serve(const std::vector<grpc::Service*>& services, const std::function<void()>& before_stop = nullptr);
  void serve(grpc::Service& api, const std::function<void()>& before_stop = nullptr) { serve({&api}, before_stop); }

 private:
  void stop_background();

  Config config_;
  ServiceSpec spec_;
  std::string listen_;
  log::Logger logger_;
  rpc::ChannelFactory channels_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<identity_client::IdentityConnection> identity_;
  std::optional<bus::BusUrl> bus_url_;
  std::unique_ptr<identity_client::TrustedTokens> tokens_;
  std::unique_ptr<rpc::Authenticator> authenticator_;
  std::unique_ptr<bus::Publisher> publisher_;
  std::unique_ptr<outbox::Relay> relay_;
  std::vector<std::unique_ptr<bus::Consumer>> consumers_;
  std::vector<std::unique_ptr<PeriodicTask>> tasks_;
};

}  // namespace stratus
