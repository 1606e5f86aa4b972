#pragma once
// Identity's SQL, one section per table. Every function runs in the caller's transaction,
// so the domain can combine several writes (and an outbox event) atomically.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "common/auth/revocations.h"
#include "common/auth/token.h"
#include "common/db/migrations.h"

namespace stratus::db {
const std::vector<Migration>& identity_migrations();  // generated from migrations/
}

namespace stratus::identity {

struct ProjectRow {
  std::string id, name, description;
  bool enabled = true;
  int64_t created_at = 0;
};

struct UserRow {
  std::string id, name, email;
  bool enabled = true;
  std::string password_hash;
  int failed_logins = 0;
  int64_t locked_until = 0;  // unix seconds; 0 when not locked
  int64_t created_at = 0;
  std::string host;  // an agent user's host (tokens carry it); empty for everyone else
};

struct RoleAssignmentRow {
  std::string user_id, user_name, project_id, project_name, role;
};

struct AccessKeyRow {
  std::string id, user_id, project_id;
  std::string secret_sha256;
  int64_t created_at = 0;
  // The secret sealed under the credential key ring (domain/credential_keys.h); all empty
  // for keys made without a ring, which cannot sign EC2 requests.
  std::string secret_key_id, secret_nonce, secret_sealed;
};

struct SigningKeyRow {
  std::string id, public_key, secret_key;
  int64_t created_at = 0;
  int64_t retired_at = 0;  // 0 while active
};

using RevocationRow = auth::Revocation;

struct EndpointRow {
  std::string service, region, url;
  int64_t updated_at = 0;
};

namespace store {

// projects
void insert_project(pqxx::work& tx, const ProjectRow& p);  // throws ALREADY_EXISTS on the name
std::optional<ProjectRow> find_project(pqxx::work& tx, const std::string& id_or_name);
std::vector<ProjectRow> list_projects(pqxx::work& tx);
std::vector<ProjectRow> projects_of_user(pqxx::work& tx, const std::string& user_id);
void delete_project(pqxx::work& tx, const std::string& id);

// users
void insert_user(pqxx::work& tx, const UserRow& u);  // throws ALREADY_EXISTS on the name
enum class RowLock { None, Share, Update };
std::optional<UserRow> find_user(pqxx::work& tx, const std::string& id_or_name, RowLock lock = RowLock::None);
std::vector<UserRow> list_users(pqxx::work& tx);
std::vector<UserRow> users_of_project(pqxx::work& tx, const std::string& project_id);
void update_user(pqxx::work& tx, const UserRow& u);  // name, email, enabled
void delete_user(pqxx::work& tx, const std::string& id);
void set_password_hash(pqxx::work& tx, const std::string& user_id, const std::string& hash);
// Counts a login attempt before the password is checked, atomically, so parallel guesses
// cannot all read the same count. Returns the new count, or nothing while the user is locked.
std::optional<int> count_login_attempt(pqxx::work& tx, const std::string& user_id);
void lock_user(pqxx::work& tx, const std::string& user_id, int64_t lock_seconds);
void reset_login_attempts(pqxx::work& tx, const std::string& user_id);
// The latest `issued_before_ms` of the user's revocations in force (0 if none): a new token
// is stamped no earlier, so a revocation made in the same millisecond cannot catch it.
int64_t latest_user_revocation_ms(pqxx::work& tx, const std::string& user_id);
// True when a revocation in force covers this token (the authoritative check, for renewals).
bool is_revoked(pqxx::work& tx, const auth::TokenClaims& claims);

// role assignments
bool add_role(pqxx::work& tx, const std::string& user_id, const std::string& project_id, const std::string& role);
bool remove_role(pqxx::work& tx, const std::string& user_id, const std::string& project_id, const std::string& role);
// True when the user holds the service or agent role on any project: a machine credential.
bool has_machine_role(pqxx::work& tx, const std::string& user_id);
std::vector<std::string> roles_of(pqxx::work& tx, const std::string& user_id, const std::string& project_id);
std::vector<RoleAssignmentRow> role_assignments(pqxx::work& tx, const std::string& user_id,
                                                const std::string& project_id);  // empty = any

// access keys
void insert_access_key(pqxx::work& tx, const AccessKeyRow& k);
std::optional<AccessKeyRow> find_access_key(pqxx::work& tx, const std::string& id);
std::vector<AccessKeyRow> access_keys_of_user(pqxx::work& tx, const std::string& user_id);
void delete_access_key(pqxx::work& tx, const std::string& id);
// Tokens issued from an access key (and their renewals): they stay in its project and die with it.
void record_access_key_token(pqxx::work& tx, const std::string& access_key_id, const std::string& token_id,
                             int64_t expires_at);
// The key a token came from; nullopt for tokens from a password.
std::optional<std::string> access_key_of_token(pqxx::work& tx, const std::string& token_id);
// Removes the key's token rows and returns those not yet expired (token id -> expires_at).
std::map<std::string, int64_t> take_access_key_tokens(pqxx::work& tx, const std::string& access_key_id, int64_t now);

// signing keys
std::vector<SigningKeyRow> signing_keys(pqxx::work& tx);
// Retires the active key (if any) and makes `key` the active one.
void activate_signing_key(pqxx::work& tx, const SigningKeyRow& key);
// Forgets retired keys that no unexpired token can name any more.
void prune_signing_keys(pqxx::work& tx, int64_t retired_before);

// revocations
void insert_revocation(pqxx::work& tx, const RevocationRow& r);
std::vector<RevocationRow> active_revocations(pqxx::work& tx, int64_t now);
void prune_revocations(pqxx::work& tx, int64_t now);

// catalog
EndpointRow upsert_endpoint(pqxx::work& tx, const std::string& service, const std::string& region,
                            const std::string& url);
std::vector<EndpointRow> list_endpoints(pqxx::work& tx);

}  // namespace store
}  // namespace stratus::identity
