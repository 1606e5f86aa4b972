#pragma once
// What every service other than identity needs from identity:
//  - IdentityConnection: a channel to identity and a service token (from the service's own
//    credentials, renewed before it expires) for service-to-service calls and the catalog;
//  - TrustedTokens: local token verification. Public keys are fetched once and again when a
//    token names an unknown key; revocations are loaded at start, applied from events as they
//    come, and reloaded periodically and after every bus reconnect, so a lost event heals.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <grpcpp/grpcpp.h>

#include "common/auth/revocations.h"
#include "common/auth/token.h"
#include "common/bus/consumer.h"
#include "common/bus/url.h"
#include "common/config/config.h"
#include "common/log/log.h"
#include "common/rpc/channel.h"
#include "common/task/periodic.h"
#include "identity/v1/identity.grpc.pb.h"

namespace stratus::identity_client {

struct ServiceCredentials {
  std::string username;
  std::string password;
  std::string project = "service";
  // From identity.service_user, identity.service_password (or the first line of the file
  // identity.service_password_file), identity.service_project.
  static ServiceCredentials from_config(const Config& config);
};

class IdentityConnection {
 public:
  IdentityConnection(std::string endpoint, ServiceCredentials credentials, log::Logger logger,
                     const rpc::ChannelFactory& channels = rpc::ChannelFactory());

  cloud::identity::v1::Identity::Stub& stub() { return *stub_; }
  const std::string& endpoint() const { return endpoint_; }

  // Blocks, retrying with backoff, until identity answers (services may start before it).
  void wait_until_reachable(std::chrono::seconds timeout);
  // A token of the service user, renewed when less than five minutes remain.
  std::string service_token();
  void register_endpoint(const std::string& service, const std::string& url, const std::string& region = "");
  // The catalog's endpoint of `service` ("network" -> "127.0.0.1:7300"), waiting up to
  // `timeout` for it to register (services start in any order). Throws UNAVAILABLE after.
  std::string endpoint_of(const std::string& service, std::chrono::seconds timeout = std::chrono::seconds(120));
  std::map<std::string, std::string> fetch_public_keys();
  auth::RevocationList::Snapshot fetch_revocations();

 private:
  std::string endpoint_;
  ServiceCredentials credentials_;
  log::Logger logger_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<cloud::identity::v1::Identity::Stub> stub_;
  std::mutex token_mutex_;
  std::string token_;
  int64_t token_expires_at_ = 0;
};

class TrustedTokens {
 public:
  // Loads keys and revocations now (throws if identity cannot be reached), then keeps them
  // current: from `bus` events when given, and every `resync` regardless.
  TrustedTokens(IdentityConnection& identity, std::optional<bus::BusUrl> bus, log::Logger logger,
                std::chrono::seconds resync = std::chrono::seconds(30));
  ~TrustedTokens();

  const auth::TokenVerifier& verifier() const { return verifier_; }
  const auth::RevocationList& revocations() const { return revocations_; }
  void reload_revocations();
  void stop();

 private:
  IdentityConnection& identity_;
  log::Logger logger_;
  auth::TokenVerifier verifier_;
  auth::RevocationList revocations_;
  std::unique_ptr<bus::Consumer> events_;
  std::unique_ptr<PeriodicTask> resync_;
};

// Applies a Revocation event payload to `list`; false when the payload is unreadable.
bool apply_revocation_event(const std::string& body, auth::RevocationList& list);

// Consumes revocation events into `list` on a queue of this process's own (every process
// needs every revocation); `on_connected` should reload the full list, to cover what was
// missed while disconnected.
std::unique_ptr<bus::Consumer> consume_revocation_events(const bus::BusUrl& url, auth::RevocationList& list,
                                                         const log::Logger& logger,
                                                         std::function<void()> on_connected);

}  // namespace stratus::identity_client
