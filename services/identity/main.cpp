// stratus-identity: users, projects, roles, tokens, access keys and the service catalog.
//
//   stratus-identity --config /etc/stratus/identity.conf
//
// Settings (file or STRATUS_* environment): server.listen, db.url, db.pool_size, bus.url,
// identity.{bootstrap_admin_user, bootstrap_admin_password, bootstrap_admin_project,
// public_endpoint, region, token_ttl, key_rotation, max_failed_logins, lockout,
// resync_interval, credential_keys_file}, tls.{ca_file, cert_file, key_file}, log.{level, format}.
// See docs/identity.md.
#include "common/config/config.h"
#include "common/identity_client/identity_client.h"
#include "common/rpc/service_main.h"
#include "common/service/service_runtime.h"
#include "services/identity/api/identity_api.h"

using namespace stratus;

namespace {

identity::Settings settings_from(const Config& config) {
  identity::Settings s;
  s.token_ttl_s = config.get_int("identity.token_ttl", 3600);
  s.key_rotation_s = config.get_int("identity.key_rotation", 7 * 24 * 3600);
  s.throttle.max_failures = static_cast<int>(config.get_int("identity.max_failed_logins", 5));
  s.throttle.lock_seconds = config.get_int("identity.lockout", 60);
  s.region = config.get("identity.region", "RegionOne");
  s.concurrent_password_checks = static_cast<int>(config.get_int("identity.concurrent_password_checks", 4));
  if (s.token_ttl_s < 60) throw std::invalid_argument("identity.token_ttl must be at least 60 seconds");
  if (s.throttle.max_failures < 1) throw std::invalid_argument("identity.max_failed_logins must be at least 1");
  if (s.throttle.lock_seconds < 1) throw std::invalid_argument("identity.lockout must be at least 1 second");
  if (s.concurrent_password_checks < 1)
    throw std::invalid_argument("identity.concurrent_password_checks must be at least 1");
  return s;
}

int run(const Config& config) {
  ServiceRuntime runtime(config, {"identity", "127.0.0.1:7100", &db::identity_migrations(), /*is_identity=*/true});
  auto& pool = runtime.pool();
  const auto& logger = runtime.logger();

  // The verifier re-reads the keys when a token names one it has not seen (another replica rotated).
  auth::TokenVerifier verifier([&pool] {
    std::map<std::string, std::string> keys;
    pool.transact([&](pqxx::work& tx) {
      for (const auto& k : identity::store::signing_keys(tx)) keys[k.id] = k.public_key;
    });
    return keys;
  });
  identity::KeyRing keys(verifier);
  auth::RevocationList revocations;
  // Sealing access-key secrets needs a ring; without it keys keep only a hash (no SigV4).
  identity::CredentialKeys credential_keys;
  if (auto ring = config.find("identity.credential_keys_file"); ring && !ring->empty()) {
    credential_keys = identity::CredentialKeys::load_file(*ring);
    logger.info("access-key secrets are sealed", {{"credential_key_id", credential_keys.active_key_id()}});
  } else {
    logger.warn("identity.credential_keys_file is not set: new access keys cannot sign EC2 (SigV4) requests");
  }
  identity::Identity domain(pool, keys, revocations, settings_from(config), logger, std::move(credential_keys));

  domain.bootstrap(config.get("identity.bootstrap_admin_user", "admin"),
                   config.get("identity.bootstrap_admin_password", ""),
                   config.get("identity.bootstrap_admin_project", "admin"));
  domain.refresh_signing_keys();
  domain.reload_revocations();
  domain.register_own_endpoint(config.get("identity.public_endpoint", runtime.listen_address()));
  runtime.trust_own_tokens(verifier, revocations);

  if (runtime.bus_url()) {
    // Revocations made by other replicas; a reload after each reconnect covers what was missed.
    runtime.add_consumer(identity_client::consume_revocation_events(*runtime.bus_url(), revocations, logger,
                                                                    [&domain] { domain.reload_revocations(); }));
  } else {
    logger.warn("bus.url is not set: revocations reach other replicas only by periodic reload");
  }
  runtime.every("identity-upkeep", std::chrono::seconds(config.get_int("identity.resync_interval", 30)), [&] {
    domain.refresh_signing_keys();
    domain.reload_revocations();
  });

  identity::IdentityApi api(domain, runtime.authenticator(), logger.child("api"));
  runtime.serve(api);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return rpc::service_main(argc, argv, "stratus-identity", run); }
