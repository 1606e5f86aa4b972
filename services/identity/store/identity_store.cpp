#include "services/identity/store/identity_store.h"

#include "common/db/pool.h"
#include "common/error/error.h"
#include "common/validate/validate.h"

namespace stratus::identity::store {
namespace {

// Columns as unix seconds, so rows map to plain integers.
constexpr const char* kProjectColumns =
    "id::text, name, description, enabled, extract(epoch from created_at)::bigint";
constexpr const char* kUserColumns =
    "id::text, name, email, enabled, password_hash, failed_logins, "
    "coalesce(extract(epoch from locked_until)::bigint, 0), extract(epoch from created_at)::bigint, host";

ProjectRow project_from(const pqxx::row& r) {
  return ProjectRow{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<bool>(),
                    r[4].as<int64_t>()};
}

UserRow user_from(const pqxx::row& r) {
  UserRow u;
  u.id = r[0].as<std::string>();
  u.name = r[1].as<std::string>();
  u.email = r[2].as<std::string>();
  u.enabled = r[3].as<bool>();
  u.password_hash = r[4].as<std::string>();
  u.failed_logins = r[5].as<int>();
  u.locked_until = r[6].as<int64_t>();
  u.created_at = r[7].as<int64_t>();
  u.host = r[8].as<std::string>();
  return u;
}

std::string bytes_of(const pqxx::field& f) {
  pqxx::binarystring b(f);
  return b.str();
}

// Lookups by a name-or-id argument: ids are UUIDs and names may not be, so the shape decides.
std::string where_id_or_name(const std::string& value) {
  return validate::is_uuid(value) ? " WHERE id = $1::uuid" : " WHERE name = $1";
}

template <typename Write>
void insert_unique(const char* kind, const std::string& name, Write&& write) {
  try {
    write();
  } catch (const pqxx::unique_violation&) {
    throw already_exists(kind, name);
  }
}

}  // namespace

// ---- projects ----
void insert_project(pqxx::work& tx, const ProjectRow& p) {
  insert_unique("project", p.name, [&] {
    tx.exec_params("INSERT INTO projects (id, name, description, enabled) VALUES ($1, $2, $3, $4)", p.id, p.name,
                   p.description, p.enabled);
  });
}

std::optional<ProjectRow> find_project(pqxx::work& tx, const std::string& id_or_name) {
  auto rows = tx.exec_params(std::string("SELECT ") + kProjectColumns + " FROM projects" + where_id_or_name(id_or_name),
                             id_or_name);
  if (rows.empty()) return std::nullopt;
  return project_from(rows[0]);
}

std::vector<ProjectRow> list_projects(pqxx::work& tx) {
  std::vector<ProjectRow> out;
  for (const auto& r : tx.exec(std::string("SELECT ") + kProjectColumns + " FROM projects ORDER BY name"))
    out.push_back(project_from(r));
  return out;
}

std::vector<ProjectRow> projects_of_user(pqxx::work& tx, const std::string& user_id) {
  std::vector<ProjectRow> out;
  auto rows = tx.exec_params(std::string("SELECT DISTINCT ") + kProjectColumns +
                                 " FROM projects WHERE id IN (SELECT project_id FROM role_assignments WHERE user_id = "
                                 "$1::uuid) ORDER BY name",
                             user_id);
  for (const auto& r : rows) out.push_back(project_from(r));
  return out;
}

void delete_project(pqxx::work& tx, const std::string& id) {
  tx.exec_params("DELETE FROM projects WHERE id = $1::uuid", id);
}

// ---- users ----
void insert_user(pqxx::work& tx, const UserRow& u) {
  insert_unique("user", u.name, [&] {
    tx.exec_params("INSERT INTO users (id, name, email, enabled, password_hash, host) VALUES ($1, $2, $3, $4, $5, $6)",
                   u.id, u.name, u.email, u.enabled, u.password_hash, u.host);
  });
}

std::optional<UserRow> find_user(pqxx::work& tx, const std::string& id_or_name, RowLock lock) {
  const char* suffix = lock == RowLock::Update ? " FOR UPDATE" : lock == RowLock::Share ? " FOR SHARE" : "";
  auto rows = tx.exec_params(std::string("SELECT ") + kUserColumns + " FROM users" + where_id_or_name(id_or_name) + suffix,
                             id_or_name);
  if (rows.empty()) return std::nullopt;
  return user_from(rows[0]);
}

std::vector<UserRow> list_users(pqxx::work& tx) {
  std::vector<UserRow> out;
  for (const auto& r : tx.exec(std::string("SELECT ") + kUserColumns + " FROM users ORDER BY name"))
    out.push_back(user_from(r));
  return out;
}

std::vector<UserRow> users_of_project(pqxx::work& tx, const std::string& project_id) {
  std::vector<UserRow> out;
  auto rows = tx.exec_params(std::string("SELECT ") + kUserColumns +
                                 " FROM users WHERE id IN (SELECT user_id FROM role_assignments WHERE project_id = "
                                 "$1::uuid) ORDER BY name",
                             project_id);
  for (const auto& r : rows) out.push_back(user_from(r));
  return out;
}

void update_user(pqxx::work& tx, const UserRow& u) {
  insert_unique("user", u.name, [&] {
    tx.exec_params("UPDATE users SET name = $2, email = $3, enabled = $4 WHERE id = $1::uuid", u.id, u.name, u.email,
                   u.enabled);
  });
}

void delete_user(pqxx::work& tx, const std::string& id) { tx.exec_params("DELETE FROM users WHERE id = $1::uuid", id); }

void set_password_hash(pqxx::work& tx, const std::string& user_id, const std::string& hash) {
  tx.exec_params("UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE id = $1::uuid",
                 user_id, hash);
}

std::optional<int> count_login_attempt(pqxx::work& tx, const std::string& user_id) {
  auto rows = tx.exec_params(
      "UPDATE users SET failed_logins = failed_logins + 1, locked_until = NULL "
      "WHERE id = $1::uuid AND (locked_until IS NULL OR locked_until <= now()) RETURNING failed_logins",
      user_id);
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<int>();
}

void lock_user(pqxx::work& tx, const std::string& user_id, int64_t lock_seconds) {
  tx.exec_params(
      "UPDATE users SET failed_logins = 0, locked_until = now() + make_interval(secs => $2::bigint) "
      "WHERE id = $1::uuid",
      user_id, lock_seconds);
}

void reset_login_attempts(pqxx::work& tx, const std::string& user_id) {
  tx.exec_params("UPDATE users SET failed_logins = 0 WHERE id = $1::uuid AND failed_logins <> 0", user_id);
}

// ---- role assignments ----
bool add_role(pqxx::work& tx, const std::string& user_id, const std::string& project_id, const std::string& role) {
  auto r = tx.exec_params(
      "INSERT INTO role_assignments (user_id, project_id, role) VALUES ($1::uuid, $2::uuid, $3) ON CONFLICT DO NOTHING",
      user_id, project_id, role);
  return r.affected_rows() == 1;
}

bool remove_role(pqxx::work& tx, const std::string& user_id, const std::string& project_id, const std::string& role) {
  auto r = tx.exec_params(
      "DELETE FROM role_assignments WHERE user_id = $1::uuid AND project_id = $2::uuid AND role = $3", user_id,
      project_id, role);
  return r.affected_rows() == 1;
}

bool has_machine_role(pqxx::work& tx, const std::string& user_id) {
  return !tx.exec_params("SELECT 1 FROM role_assignments WHERE user_id = $1::uuid AND role IN ('service', 'agent') LIMIT 1",
                         user_id)
              .empty();
}

std::vector<std::string> roles_of(pqxx::work& tx, const std::string& user_id, const std::string& project_id) {
  std::vector<std::string> out;
  auto rows = tx.exec_params(
      "SELECT role FROM role_assignments WHERE user_id = $1::uuid AND project_id = $2::uuid ORDER BY role", user_id,
      project_id);
  for (const auto& r : rows) out.push_back(r[0].as<std::string>());
  return out;
}

std::vector<RoleAssignmentRow> role_assignments(pqxx::work& tx, const std::string& user_id,
                                                const std::string& project_id) {
  std::vector<RoleAssignmentRow> out;
  auto rows = tx.exec_params(
      "SELECT u.id::text, u.name, p.id::text, p.name, a.role FROM role_assignments a "
      "JOIN users u ON u.id = a.user_id JOIN projects p ON p.id = a.project_id "
      "WHERE ($1 = '' OR a.user_id = nullif($1, '')::uuid) AND ($2 = '' OR a.project_id = nullif($2, '')::uuid) "
      "ORDER BY p.name, u.name, a.role",
      user_id, project_id);
  for (const auto& r : rows)
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>(),
                   r[4].as<std::string>()});
  return out;
}

// ---- access keys ----
void insert_access_key(pqxx::work& tx, const AccessKeyRow& k) {
  if (k.secret_key_id.empty()) {
    tx.exec_params("INSERT INTO access_keys (id, user_id, project_id, secret_sha256) VALUES ($1, $2::uuid, $3::uuid, $4)",
                   k.id, k.user_id, k.project_id, pqxx::binarystring(k.secret_sha256));
    return;
  }
  tx.exec_params("INSERT INTO access_keys (id, user_id, project_id, secret_sha256, secret_key_id, secret_nonce, "
                 "secret_sealed) VALUES ($1, $2::uuid, $3::uuid, $4, $5, $6, $7)",
                 k.id, k.user_id, k.project_id, pqxx::binarystring(k.secret_sha256), k.secret_key_id,
                 pqxx::binarystring(k.secret_nonce), pqxx::binarystring(k.secret_sealed));
}

namespace {
AccessKeyRow access_key_from(const pqxx::row& r) {
  AccessKeyRow k{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), bytes_of(r[3]),
                 r[4].as<int64_t>(), "", "", ""};
  if (!r[5].is_null()) {
    k.secret_key_id = r[5].as<std::string>();
    k.secret_nonce = bytes_of(r[6]);
    k.secret_sealed = bytes_of(r[7]);
  }
  return k;
}
constexpr const char* kAccessKeyColumns =
    "id, user_id::text, project_id::text, secret_sha256, extract(epoch from created_at)::bigint, "
    "secret_key_id, secret_nonce, secret_sealed";
}  // namespace

std::optional<AccessKeyRow> find_access_key(pqxx::work& tx, const std::string& id) {
  auto rows = tx.exec_params(std::string("SELECT ") + kAccessKeyColumns + " FROM access_keys WHERE id = $1", id);
  if (rows.empty()) return std::nullopt;
  return access_key_from(rows[0]);
}

std::vector<AccessKeyRow> access_keys_of_user(pqxx::work& tx, const std::string& user_id) {
  std::vector<AccessKeyRow> out;
  auto rows = tx.exec_params(
      std::string("SELECT ") + kAccessKeyColumns + " FROM access_keys WHERE user_id = $1::uuid ORDER BY created_at",
      user_id);
  for (const auto& r : rows) out.push_back(access_key_from(r));
  return out;
}

void delete_access_key(pqxx::work& tx, const std::string& id) {
  tx.exec_params("DELETE FROM access_keys WHERE id = $1", id);
}

void record_access_key_token(pqxx::work& tx, const std::string& access_key_id, const std::string& token_id,
                             int64_t expires_at) {
  tx.exec_params("DELETE FROM access_key_tokens WHERE access_key_id = $1 AND expires_at < extract(epoch from now())",
                 access_key_id);
  tx.exec_params("INSERT INTO access_key_tokens (token_id, access_key_id, expires_at) VALUES ($1, $2, $3)", token_id,
                 access_key_id, expires_at);
}

std::optional<std::string> access_key_of_token(pqxx::work& tx, const std::string& token_id) {
  auto rows = tx.exec_params("SELECT access_key_id FROM access_key_tokens WHERE token_id = $1", token_id);
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<std::string>();
}

std::map<std::string, int64_t> take_access_key_tokens(pqxx::work& tx, const std::string& access_key_id, int64_t now) {
  std::map<std::string, int64_t> live;
  for (const auto& r : tx.exec_params("DELETE FROM access_key_tokens WHERE access_key_id = $1 "
                                      "RETURNING token_id, expires_at", access_key_id))
    if (r[1].as<int64_t>() > now) live[r[0].as<std::string>()] = r[1].as<int64_t>();
  return live;
}

// ---- signing keys ----
std::vector<SigningKeyRow> signing_keys(pqxx::work& tx) {
  std::vector<SigningKeyRow> out;
  auto rows = tx.exec(
      "SELECT id, public_key, secret_key, extract(epoch from created_at)::bigint, "
      "coalesce(extract(epoch from retired_at)::bigint, 0) FROM signing_keys ORDER BY created_at");
  for (const auto& r : rows)
    out.push_back({r[0].as<std::string>(), bytes_of(r[1]), bytes_of(r[2]), r[3].as<int64_t>(), r[4].as<int64_t>()});
  return out;
}

void activate_signing_key(pqxx::work& tx, const SigningKeyRow& key) {
  tx.exec("UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL");
  tx.exec_params("INSERT INTO signing_keys (id, public_key, secret_key) VALUES ($1, $2, $3)", key.id,
                 pqxx::binarystring(key.public_key), pqxx::binarystring(key.secret_key));
}

void prune_signing_keys(pqxx::work& tx, int64_t retired_before) {
  tx.exec_params("DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < to_timestamp($1)",
                 retired_before);
}

// ---- revocations ----
void insert_revocation(pqxx::work& tx, const RevocationRow& r) {
  tx.exec_params(
      "INSERT INTO revocations (token_id, user_id, project_id, issued_before_ms, expires_at) "
      "VALUES (nullif($1, ''), nullif($2, '')::uuid, nullif($3, '')::uuid, $4, to_timestamp($5))",
      r.token_id, r.user_id, r.project_id, r.issued_before_ms, r.expires_at);
}

std::vector<RevocationRow> active_revocations(pqxx::work& tx, int64_t now) {
  std::vector<RevocationRow> out;
  auto rows = tx.exec_params(
      "SELECT coalesce(token_id, ''), coalesce(user_id::text, ''), coalesce(project_id::text, ''), "
      "issued_before_ms, extract(epoch from expires_at)::bigint FROM revocations "
      "WHERE expires_at > to_timestamp($1) ORDER BY id",
      now);
  for (const auto& r : rows)
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<int64_t>(),
                   r[4].as<int64_t>()});
  return out;
}

int64_t latest_user_revocation_ms(pqxx::work& tx, const std::string& user_id) {
  return tx
      .exec_params1("SELECT coalesce(max(issued_before_ms), 0) FROM revocations "
                    "WHERE user_id = $1::uuid AND expires_at > now()",
                    user_id)[0]
      .as<int64_t>();
}

bool is_revoked(pqxx::work& tx, const auth::TokenClaims& claims) {
  auto rows = tx.exec_params(
      "SELECT 1 FROM revocations WHERE expires_at > now() AND "
      "(token_id = $1 OR ((user_id = $2::uuid OR project_id = nullif($3, '')::uuid) AND issued_before_ms > $4::bigint)) "
      "LIMIT 1",
      claims.token_id, claims.user_id, claims.project_id, claims.issued_at_ms);
  return !rows.empty();
}

void prune_revocations(pqxx::work& tx, int64_t now) {
  tx.exec_params("DELETE FROM revocations WHERE expires_at <= to_timestamp($1)", now);
}

// ---- catalog ----
EndpointRow upsert_endpoint(pqxx::work& tx, const std::string& service, const std::string& region,
                            const std::string& url) {
  auto r = tx.exec_params1(
      "INSERT INTO endpoints (service, region, url) VALUES ($1, $2, $3) "
      "ON CONFLICT (service, region) DO UPDATE SET url = excluded.url, updated_at = now() "
      "RETURNING extract(epoch from updated_at)::bigint",
      service, region, url);
  return EndpointRow{service, region, url, r[0].as<int64_t>()};
}

std::vector<EndpointRow> list_endpoints(pqxx::work& tx) {
  std::vector<EndpointRow> out;
  for (const auto& r :
       tx.exec("SELECT service, region, url, extract(epoch from updated_at)::bigint FROM endpoints ORDER BY service"))
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<int64_t>()});
  return out;
}

}  // namespace stratus::identity::store
