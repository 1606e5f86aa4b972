#pragma once
// Identity's use cases: what each API call does, in terms of the store, the key ring and
// the revocation list. Handlers (api/) translate messages and call these; every method that
// acts for somebody takes the verified Caller and checks policy itself.
#include <optional>
#include <string>
#include <vector>

#include "common/auth/policy.h"
#include "common/auth/revocations.h"
#include "common/db/pool.h"
#include "common/log/log.h"
#include "services/identity/domain/credential_keys.h"
#include "services/identity/domain/key_ring.h"
#include "services/identity/domain/password_gate.h"
#include "services/identity/domain/rules.h"
#include "services/identity/domain/sigv4.h"
#include "services/identity/store/identity_store.h"
#include "identity/v1/identity.pb.h"

namespace stratus::identity {

struct Settings {
  int64_t token_ttl_s = 3600;
  int64_t key_rotation_s = 7 * 24 * 3600;  // 0: rotate only on request
  LoginThrottle throttle;
  int concurrent_password_checks = 4;  // each Argon2id verification holds 19 MiB
  std::string region = "RegionOne";
  std::string events_exchange = "stratus.events";
};

struct IssuedToken {
  std::string token;
  auth::TokenClaims claims;
};

struct CreatedAccessKey {
  AccessKeyRow key;
  std::string secret;
};

// The outcome of a SigV4 verification: a token, or why not.
struct SignatureCheck {
  enum class Refusal { None, UnknownKey, Malformed, Expired, SignatureMismatch };
  Refusal refusal = Refusal::None;
  std::string message;
  std::optional<IssuedToken> token;
};

struct UserChanges {
  std::optional<std::string> name, email;
  std::optional<bool> enabled;
};

// The event payload (and API message) of a revocation.
cloud::identity::v1::Revocation revocation_to_proto(const RevocationRow& r);

class Identity {
 public:
  // `credential_keys` seals new access-key secrets (empty: keys keep only a hash and cannot sign).
  Identity(db::Pool& pool, KeyRing& keys, auth::RevocationList& revocations, Settings settings, log::Logger logger,
           CredentialKeys credential_keys = {});

  // Creates the first admin, its project and role when absent; safe on every start.
  void bootstrap(const std::string& admin_user, const std::string& admin_password, const std::string& admin_project);
  // Loads signing keys, creating or rotating the active one when due, and forgets old ones.
  void refresh_signing_keys();
  // Reloads every revocation still in force (heals lost revocation events).
  void reload_revocations();

  // ---- tokens ----
  IssuedToken authenticate_password(const std::string& user, const std::string& password, const std::string& project);
  IssuedToken authenticate_access_key(const std::string& key_id, const std::string& secret, const std::string& project);
  IssuedToken authenticate_token(const auth::TokenClaims& current, const std::string& project);
  // SigV4 for a front (service or admin callers only): the signature of `request` under the
  // secret of `key_id`, at `now`; a token of the key's project when it holds.
  SignatureCheck verify_signature(const auth::Caller& caller, const std::string& key_id,
                                  const sigv4::SignedRequest& request, const std::string& signature, int64_t now);
  // `target` needs a valid signature only: revoking an expired or revoked token is a no-op.
  void revoke_token(const auth::Caller& caller, const auth::TokenClaims& target);
  SigningKeyRow rotate_signing_key(const auth::Caller& caller);
  std::vector<SigningKeyRow> published_signing_keys();
  std::vector<RevocationRow> revocations(const auth::Caller& caller);
  const Settings& settings() const { return settings_; }

  // ---- projects ----
  ProjectRow create_project(const auth::Caller& caller, const std::string& name, const std::string& description);
  ProjectRow get_project(const auth::Caller& caller, const std::string& project);
  std::vector<ProjectRow> list_projects(const auth::Caller& caller);
  void delete_project(const auth::Caller& caller, const std::string& project);

  // ---- users ----
  // `host`: for an agent user, the hypervisor host its tokens are confined to.
  UserRow create_user(const auth::Caller& caller, const std::string& name, const std::string& password,
                      const std::string& email, const std::string& host = "");
  UserRow get_user(const auth::Caller& caller, const std::string& user);
  std::vector<UserRow> list_users(const auth::Caller& caller);
  UserRow update_user(const auth::Caller& caller, const std::string& user, const UserChanges& changes);
  void delete_user(const auth::Caller& caller, const std::string& user);
  void set_password(const auth::Caller& caller, const std::string& user, const std::string& new_password,
                    const std::string& current_password);

  // ---- roles ----
  RoleAssignmentRow add_role(const auth::Caller& caller, const std::string& user, const std::string& project,
                             const std::string& role);
  void remove_role(const auth::Caller& caller, const std::string& user, const std::string& project,
                   const std::string& role);
  std::vector<RoleAssignmentRow> list_role_assignments(const auth::Caller& caller, const std::string& user,
                                                       const std::string& project);

  // ---- access keys ----
  CreatedAccessKey create_access_key(const auth::Caller& caller);
  std::vector<AccessKeyRow> list_access_keys(const auth::Caller& caller);
  void delete_access_key(const auth::Caller& caller, const std::string& key_id);

  // ---- catalog ----
  EndpointRow register_endpoint(const auth::Caller& caller, const std::string& service, const std::string& url,
                                const std::string& region);
  // Used at start for identity's own entry (no caller).
  void register_own_endpoint(const std::string& url);
  std::vector<EndpointRow> list_endpoints();

 private:
  // What must still hold when the token is issued, re-checked under a row lock because the
  // password check before it takes a while (a password change or a disable may land meanwhile).
  struct IssueCheck {
    std::optional<std::string> password_hash;      // the hash the password was verified against
    std::optional<auth::TokenClaims> renewing;      // the token being renewed: not revoked
    std::optional<std::string> access_key_id;       // the key the token is issued for
  };
  IssuedToken issue(const std::string& user_id, const std::string& project, const IssueCheck& check);
  bool verify_password_bounded(const std::string& hash, const std::string& password);
  // Records a revocation and its event in `tx`; apply_revocations() after the commit makes it
  // take effect in this process at once (other processes get the event).
  RevocationRow revoke(pqxx::work& tx, const RevocationRow& revocation);
  RevocationRow revoke_user_tokens(pqxx::work& tx, const std::string& user_id);
  void apply_revocations(const std::vector<RevocationRow>& rows);
  UserRow require_user(pqxx::work& tx, const std::string& user, store::RowLock lock = store::RowLock::None);
  ProjectRow require_project(pqxx::work& tx, const std::string& project);

  db::Pool& pool_;
  KeyRing& keys_;
  auth::RevocationList& revocations_;
  Settings settings_;
  log::Logger logger_;
  CredentialKeys credential_keys_;
  PasswordGate password_gate_;
  UnknownNameAttempts unknown_names_;
};

}  // namespace stratus::identity
