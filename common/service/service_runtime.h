#pragma once
// What every API service other than identity starts the same way, in one place:
//   its database (pool, outbox and own migrations), identity (a service token, local token
//   verification kept current, its catalog entry), the outbox relay to the bus, and the
//   gRPC server that runs until SIGTERM.
// A service's main() builds its domain on top and calls serve(); see services/network/main.cpp.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "common/bus/publisher.h"
#include "common/bus/url.h"
#include "common/config/config.h"
#include "common/db/migrations.h"
#include "common/db/pool.h"
#include "common/identity_client/identity_client.h"
#include "common/log/log.h"
#include "common/outbox/outbox.h"
#include "common/rpc/authenticator.h"

namespace stratus {

struct ServiceSpec {
  std::string name;            // catalog name and config section: "image", "network", ...
  std::string default_listen;  // e.g. 127.0.0.1:7200
  const std::vector<db::Migration>* migrations;
};

class ServiceRuntime {
 public:
  // Connects and migrates the database, waits for identity (identity.wait, default 120 s),
  // loads trusted keys and revocations, registers <name>.public_endpoint (or the listen
  // address) in the catalog, and starts the outbox relay when bus.url is set.
  ServiceRuntime(const Config& config, ServiceSpec spec);
  ~ServiceRuntime();

  const log::Logger& logger() const { return logger_; }
  db::Pool& pool() { return *pool_; }
  identity_client::IdentityConnection& identity() { return *identity_; }
  const rpc::Authenticator& authenticator() const { return *authenticator_; }
  const std::optional<bus::BusUrl>& bus_url() const { return bus_url_; }

  // Serves `api` until SIGTERM/SIGINT. After calls in flight have finished, `before_stop`
  // stops the service's own background work, then the runtime stops its own.
  void serve(grpc::Service& api, const std::function<void()>& before_stop = nullptr);

 private:
  ServiceSpec spec_;
  std::string listen_;
  log::Logger logger_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<identity_client::IdentityConnection> identity_;
  std::optional<bus::BusUrl> bus_url_;
  std::unique_ptr<identity_client::TrustedTokens> tokens_;
  std::unique_ptr<rpc::Authenticator> authenticator_;
  std::unique_ptr<bus::Publisher> publisher_;
  std::unique_ptr<outbox::Relay> relay_;
};

}  // namespace stratus
