#include "services/identity/domain/identity.h"

#include <set>

#include <sodium.h>

#include "common/auth/password.h"
#include "common/error/error.h"
#include "common/outbox/outbox.h"
#include "common/validate/validate.h"
#include "identity/v1/identity.pb.h"

namespace stratus::identity {
namespace {

using auth::Access;
using auth::Caller;

std::string sha256(const std::string& data) {
  std::string digest(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(digest.data()),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return digest;
}

void check_role_name(const std::string& role) {
  if (!auth::is_known_role(role))
    throw invalid_argument("role must be admin, member, reader, service or agent, got '" + role + "'");
}

bool is_self(const Caller& caller, const UserRow& user) { return caller.user_id() == user.id; }

// The same answer for an unknown user and a wrong password, so names cannot be probed.
Error bad_credentials() { return unauthenticated("invalid user name or password"); }

}  // namespace

Identity::Identity(db::Pool& pool, KeyRing& keys, auth::RevocationList& revocations, Settings settings,
                   log::Logger logger, CredentialKeys credential_keys)
    : pool_(pool), keys_(keys), revocations_(revocations), settings_(std::move(settings)), logger_(std::move(logger)),
      credential_keys_(std::move(credential_keys)),
      password_gate_(settings_.concurrent_password_checks),
      unknown_names_(settings_.throttle) {}

// ---------------------------------------------------------------- start-up and upkeep

void Identity::bootstrap(const std::string& admin_user, const std::string& admin_password,
                         const std::string& admin_project) {
  pool_.transact([&](pqxx::work& tx) {
    tx.exec("SELECT pg_advisory_xact_lock(hashtext('stratus.identity.bootstrap'))");
    auto project = store::find_project(tx, admin_project);
    if (!project) {
      validate::name("admin project name", admin_project);
      project = ProjectRow{auth::random_uuid(), admin_project, "Cloud administration", true, 0};
      store::insert_project(tx, *project);
      logger_.info("bootstrapped admin project", {{"project_id", project->id}, {"project", admin_project}});
    }
    auto user = store::find_user(tx, admin_user);
    if (!user) {
      validate::name("admin user name", admin_user);
      if (admin_password.empty())
        throw invalid_argument("identity.bootstrap_admin_password must be set to create the first admin");
      auth::check_password_strength(admin_password, admin_user);
      user = UserRow{};
      user->id = auth::random_uuid();
      user->name = admin_user;
      user->password_hash = auth::hash_password(admin_password);
      store::insert_user(tx, *user);
      logger_.info("bootstrapped admin user", {{"user_id", user->id}, {"user", admin_user}});
    }
    store::add_role(tx, user->id, project->id, auth::kRoleAdmin);
  });
}

void Identity::refresh_signing_keys() {
  auto rows = pool_.transact([&](pqxx::work& tx) {
    tx.exec("SELECT pg_advisory_xact_lock(hashtext('stratus.identity.keys'))");
    auto keys = store::signing_keys(tx);
    int64_t now = auth::unix_now();
    const SigningKeyRow* active = nullptr;
    for (const auto& k : keys)
      if (k.retired_at == 0) active = &k;
    if (!active || rotation_due(active->created_at, now, settings_.key_rotation_s)) {
      auto fresh = auth::generate_signing_key();
      store::activate_signing_key(tx, {fresh.key_id, fresh.public_key, fresh.secret_key, now, 0});
      logger_.info(active ? "rotated the token signing key" : "created the token signing key",
                   {{"key_id", fresh.key_id}});
    }
    store::prune_signing_keys(tx, retired_key_prune_before(now, settings_.token_ttl_s));
    return store::signing_keys(tx);
  });
  keys_.load(rows);
}

void Identity::reload_revocations() {
  int64_t now = auth::unix_now();
  auto rows = pool_.transact([&](pqxx::work& tx) {
    store::prune_revocations(tx, now);
    return store::active_revocations(tx, now);
  });
  auth::RevocationList::Snapshot snapshot;
  for (const auto& r : rows) snapshot.add(r);
  revocations_.merge(snapshot);
  revocations_.forget_expired(auth::unix_now());
}

cloud::identity::v1::Revocation revocation_to_proto(const RevocationRow& r) {
  cloud::identity::v1::Revocation out;
  if (!r.token_id.empty()) out.set_token_id(r.token_id);
  else if (!r.user_id.empty()) out.set_user_id(r.user_id);
  else out.set_project_id(r.project_id);
  out.mutable_issued_before()->set_seconds(r.issued_before_ms / 1000);
  out.mutable_issued_before()->set_nanos(static_cast<int32_t>(r.issued_before_ms % 1000) * 1000000);
  out.mutable_expires_at()->set_seconds(r.expires_at);
  return out;
}

RevocationRow Identity::revoke(pqxx::work& tx, const RevocationRow& r) {
  store::insert_revocation(tx, r);
  outbox::enqueue(tx, settings_.events_exchange, "identity.token.revoked", revocation_to_proto(r));
  return r;
}

RevocationRow Identity::revoke_user_tokens(pqxx::work& tx, const std::string& user_id) {
  // Covers the current millisecond too; tokens issued from now on are stamped no earlier than
  // this bound (see issue()), so none issued before escapes and none issued after is caught.
  return revoke(tx, RevocationRow::of_user(user_id, auth::unix_now_ms() + 1, auth::unix_now() + settings_.token_ttl_s));
}

void Identity::apply_revocations(const std::vector<RevocationRow>& rows) {
  for (const auto& r : rows) revocations_.apply(r);
}

// ---------------------------------------------------------------- tokens

IssuedToken Identity::issue(const std::string& user_id, const std::string& project, const IssueCheck& check) {
  auto claims = pool_.transact([&](pqxx::work& tx) {
    // A password that worked resets the failure count, in the issue's transaction. First, so
    // this transaction takes the row's exclusive lock before its share lock below: two
    // logins of one user then queue here instead of deadlocking on share -> exclusive.
    if (check.password_hash) store::reset_login_attempts(tx, user_id);
    // FOR SHARE: concurrent logins proceed together, a password change or disable waits.
    auto user = store::find_user(tx, user_id, store::RowLock::Share);
    if (!user || !user->enabled) throw unauthenticated("the user no longer exists or is disabled");
    if (check.password_hash && user->password_hash != *check.password_hash)
      throw unauthenticated("the password was changed meanwhile; log in again");

    if (check.renewing &&
        store::is_revoked(tx, *check.renewing))
      throw unauthenticated("token has been revoked; log in again");
    auto p = store::find_project(tx, project);
    if (!p) throw permission_denied("user " + user->name + " has no role on project " + project);
    if (!p->enabled) throw unauthenticated("project " + p->name + " is disabled");
    // A token from an access key, renewed, stays in the key's project and dies with the key.
    std::optional<std::string> access_key_id = check.access_key_id;
    if (check.renewing) {
      access_key_id = store::access_key_of_token(tx, check.renewing->token_id);
      if (access_key_id && p->id != check.renewing->project_id)
        throw permission_denied("a token from an access key stays in the key's project; log in with a password "
                                "to work in another project");
    }
    auto roles = store::roles_of(tx, user->id, p->id);
    if (roles.empty()) throw permission_denied("user " + user->name + " has no role on project " + p->name);

    auth::TokenClaims c;
    c.token_id = auth::random_uuid();
    c.user_id = user->id;
    c.user_name = user->name;
    c.project_id = p->id;
    c.project_name = p->name;
    c.roles = roles;
    c.host = user->host;
    // Under the user's row lock, which revocations of this user also take: never earlier
    // than the latest of them, whatever the clock's resolution.
    c.issued_at_ms = std::max(auth::unix_now_ms(), store::latest_user_revocation_ms(tx, user->id));
    c.expires_at = c.issued_at_ms / 1000 + settings_.token_ttl_s;
    // A renewed token never outlives the one it came from, so a stolen token cannot be
    // kept alive forever by renewing it.
    if (check.renewing) c.expires_at = std::min(c.expires_at, check.renewing->expires_at);
    // Recorded with the token's issue: a token its key cannot revoke never leaves.
    if (access_key_id) store::record_access_key_token(tx, *access_key_id, c.token_id, c.expires_at);
    return c;
  });
  return {auth::sign_token(claims, keys_.active()), claims};
}

bool Identity::verify_password_bounded(const std::string& hash, const std::string& password) {
  bool matches = false;
  bool ran = password_gate_.run(std::chrono::seconds(2), [&] {
    if (hash.empty()) {
      auth::burn_password_verification(password);
      return false;
    }
    return auth::verify_password(hash, password);
  }, matches);
  if (!ran) throw resource_exhausted("too many logins in progress; try again in a moment");
  return matches;
}

IssuedToken Identity::authenticate_password(const std::string& user_name, const std::string& password,
                                            const std::string& project) {
  if (user_name.empty() || password.empty()) throw unauthenticated("user name and password are required");
  struct Lookup {
    std::optional<UserRow> user;
    bool machine = false;  // a service or agent user: never locked out by failed logins
    std::vector<std::string> project_ids;
    std::string requested_project_id;
    std::optional<int> attempts;  // this attempt's number; nullopt for machine users
    bool locked = false;
  };
  // One transaction reads the user and counts the attempt, before the (slow) check, so
  // parallel guesses all count.
  auto found = pool_.transact([&](pqxx::work& tx) {
    Lookup l;
    l.user = store::find_user(tx, user_name);
    if (!l.user) return l;
    l.machine = store::has_machine_role(tx, l.user->id);
    // The cloud's own processes must not be switched off by anyone sending wrong passwords
    // for their users: service and agent users are never locked out. Their passwords are long
    // random secrets, and guesses are bounded by the Argon2id gate like every other login.
    if (!l.machine) {
      l.attempts = store::count_login_attempt(tx, l.user->id);
      if (!l.attempts) {
        l.locked = true;
        return l;
      }
    }
    for (const auto& p : store::projects_of_user(tx, l.user->id)) l.project_ids.push_back(p.id);
    if (!project.empty()) {
      auto p = store::find_project(tx, project);
      l.requested_project_id = p ? p->id : "-";
    }
    return l;
  });
  if (!found.user) {
    // Answered as for a user with that name: "locked" after as many failures, and after the
    // same time as a real check, so names cannot be probed.
    if (!unknown_names_.count(user_name, auth::unix_now())) throw unauthenticated("too many failed logins; try again later");
    verify_password_bounded("", password);
    throw bad_credentials();
  }
  const UserRow& user = *found.user;
  if (found.locked) throw unauthenticated("too many failed logins; try again later");
  const std::optional<int>& attempts = found.attempts;
  if (!verify_password_bounded(user.password_hash, password)) {
    bool lock = attempts && settings_.throttle.lock_after(*attempts);
    if (lock) pool_.transact([&](pqxx::work& tx) { store::lock_user(tx, user.id, settings_.throttle.lock_seconds); });
    logger_.warn("failed login", {{"user_id", user.id}, {"locked", lock ? "yes" : "no"}});
    throw bad_credentials();
  }
  if (!user.enabled) {
    if (attempts) pool_.transact([&](pqxx::work& tx) { store::reset_login_attempts(tx, user.id); });
    throw unauthenticated("user " + user.name + " is disabled");
  }

  auto choice = choose_login_project(found.requested_project_id, found.project_ids);
  if (!choice.project_id) {
    if (attempts) pool_.transact([&](pqxx::work& tx) { store::reset_login_attempts(tx, user.id); });
    throw permission_denied(choice.problem);
  }
  return issue(user.id, *choice.project_id, IssueCheck{user.password_hash, std::nullopt, {}});
}

IssuedToken Identity::authenticate_access_key(const std::string& key_id, const std::string& secret,
                                              const std::string& project) {
  if (!looks_like_access_key_id(key_id)) throw unauthenticated("invalid access key");
  auto [key, requested] = pool_.transact([&](pqxx::work& tx) {
    auto p = project.empty() ? std::nullopt : store::find_project(tx, project);
    return std::make_pair(store::find_access_key(tx, key_id), p);
  });
  std::string digest = sha256(secret);
  if (!key || key->secret_sha256.size() != digest.size() ||
      sodium_memcmp(key->secret_sha256.data(), digest.data(), digest.size()) != 0)
    throw unauthenticated("invalid access key");
  if (!project.empty() && (!requested || requested->id != key->project_id))
    throw permission_denied("an access key is bound to the project it was created in");
  return issue(key->user_id, key->project_id, IssueCheck{std::nullopt, std::nullopt, key->id});
}

SignatureCheck Identity::verify_signature(const Caller& caller, const std::string& key_id,
                                          const sigv4::SignedRequest& request, const std::string& signature,
                                          int64_t now) {
  auth::require_service(caller, "verifying request signatures");
  using Refusal = SignatureCheck::Refusal;
  // The same answer for an unknown key and one that cannot sign, so ids cannot be probed.
  SignatureCheck unknown{Refusal::UnknownKey, "AWS was not able to validate the provided access credentials", {}};
  if (!looks_like_access_key_id(key_id)) return unknown;
  auto key = pool_.transact([&](pqxx::work& tx) { return store::find_access_key(tx, key_id); });
  if (!key || key->secret_key_id.empty()) return unknown;
  auto secret = credential_keys_.open(key->id, SealedSecret{key->secret_key_id, key->secret_nonce, key->secret_sealed});
  if (!secret) {
    // The ring lost the key that sealed it, or the row was tampered with: an operator's problem.
    logger_.error("cannot open an access key's sealed secret",
                  {{"access_key_id", key->id}, {"credential_key_id", key->secret_key_id}});
    return unknown;
  }
  std::string problem;
  auto verdict = sigv4::verify(request, signature, *secret, now, &problem);
  sodium_memzero(secret->data(), secret->size());
  switch (verdict) {
    case sigv4::Verdict::Malformed: return {Refusal::Malformed, problem, {}};
    case sigv4::Verdict::Expired: return {Refusal::Expired, problem, {}};
    case sigv4::Verdict::SignatureMismatch: return {Refusal::SignatureMismatch, problem, {}};
    case sigv4::Verdict::Valid: break;
  }
  try {
    return {Refusal::None, "", issue(key->user_id, key->project_id, IssueCheck{std::nullopt, std::nullopt, key->id})};
  } catch (const Error& e) {
    // A disabled user or project, or a role taken away: the key exists but may not act.
    if (e.code() == ErrorCode::Unauthenticated || e.code() == ErrorCode::PermissionDenied)
      return {Refusal::UnknownKey, e.what(), {}};
    throw;
  }
}

IssuedToken Identity::authenticate_token(const auth::TokenClaims& current, const std::string& project) {
  return issue(current.user_id, project.empty() ? current.project_id : project, IssueCheck{std::nullopt, current, {}});
}

void Identity::revoke_token(const Caller& caller, const auth::TokenClaims& target) {
  if (target.user_id != caller.user_id() && !caller.is_admin())
    throw permission_denied("only the token's owner or an admin may revoke it");
  if (target.expires_at <= auth::unix_now() || revocations_.is_revoked(target)) return;  // nothing left to do
  auto r = pool_.transact([&](pqxx::work& tx) { return revoke(tx, RevocationRow::of_token(target.token_id, target.expires_at)); });
  apply_revocations({r});
  logger_.info("token revoked", {{"token_id", target.token_id}, {"user_id", target.user_id}});
}

SigningKeyRow Identity::rotate_signing_key(const Caller& caller) {
  auth::require_admin(caller, "rotating the signing key");
  auto fresh = auth::generate_signing_key();
  auto rows = pool_.transact([&](pqxx::work& tx) {
    tx.exec("SELECT pg_advisory_xact_lock(hashtext('stratus.identity.keys'))");
    store::activate_signing_key(tx, {fresh.key_id, fresh.public_key, fresh.secret_key, auth::unix_now(), 0});
    return store::signing_keys(tx);
  });
  keys_.load(rows);
  logger_.info("rotated the token signing key", {{"key_id", fresh.key_id}, {"by", caller.user_id()}});
  for (const auto& k : keys_.published())
    if (k.id == fresh.key_id) return k;
  throw Error(ErrorCode::Internal, "the new signing key vanished");
}

std::vector<SigningKeyRow> Identity::published_signing_keys() {
  // From the database, not this replica's memory: a key rotated on another replica must be
  // published here at once, or services fetching keys from here would refuse its tokens.
  keys_.load(pool_.transact([&](pqxx::work& tx) { return store::signing_keys(tx); }));
  return keys_.published();
}

std::vector<RevocationRow> Identity::revocations(const Caller& caller) {
  // Which users and tokens were revoked is no business of users: services and admins only.
  auth::require_service(caller, "listing revocations");
  return pool_.transact([&](pqxx::work& tx) { return store::active_revocations(tx, auth::unix_now()); });
}

// ---------------------------------------------------------------- projects

UserRow Identity::require_user(pqxx::work& tx, const std::string& user, store::RowLock lock) {
  if (user.empty()) throw invalid_argument("a user name or id is required");
  auto u = store::find_user(tx, user, lock);
  if (!u) throw not_found("user", user);
  return *u;
}

ProjectRow Identity::require_project(pqxx::work& tx, const std::string& project) {
  if (project.empty()) throw invalid_argument("a project name or id is required");
  auto p = store::find_project(tx, project);
  if (!p) throw not_found("project", project);
  return *p;
}

ProjectRow Identity::create_project(const Caller& caller, const std::string& name, const std::string& description) {
  auth::require_admin(caller, "creating a project");
  validate::name("project name", name);
  validate::optional_text("description", description, 255);
  ProjectRow p{auth::random_uuid(), name, description, true, auth::unix_now()};
  pool_.transact([&](pqxx::work& tx) { store::insert_project(tx, p); });
  logger_.info("project created", {{"project_id", p.id}, {"name", name}});
  return p;
}

ProjectRow Identity::get_project(const Caller& caller, const std::string& project) {
  return pool_.transact([&](pqxx::work& tx) {
    auto p = require_project(tx, project);
    if (!caller.is_admin() && store::roles_of(tx, caller.user_id(), p.id).empty()) throw not_found("project", project);
    return p;
  });
}

std::vector<ProjectRow> Identity::list_projects(const Caller& caller) {
  return pool_.transact([&](pqxx::work& tx) {
    return caller.is_admin() ? store::list_projects(tx) : store::projects_of_user(tx, caller.user_id());
  });
}

void Identity::delete_project(const Caller& caller, const std::string& project) {
  auth::require_admin(caller, "deleting a project");
  RevocationRow revoked;
  auto deleted = pool_.transact([&](pqxx::work& tx) {
    auto p = require_project(tx, project);
    if (p.id == caller.project_id())
      throw failed_precondition("you cannot delete project " + p.name + ": your token is scoped to it");
    // Tokens scoped to the project stop working with it; its members' tokens for other
    // projects go on. A project id never comes back, so the bound is "any issue time" (the
    // last millisecond a protobuf Timestamp holds): a token issued for it while this commits is
    // caught too (with a minute's margin on expiry).
    constexpr int64_t kEndOfTime_ms = 253402300799999;  // 9999-12-31T23:59:59.999Z
    revoked = revoke(tx, RevocationRow::of_project(p.id, kEndOfTime_ms, auth::unix_now() + settings_.token_ttl_s + 60));
    store::delete_project(tx, p.id);
    return p;
  });
  apply_revocations({revoked});
  logger_.info("project deleted", {{"project_id", deleted.id}, {"name", deleted.name}});
}

// ---------------------------------------------------------------- users

UserRow Identity::create_user(const Caller& caller, const std::string& name, const std::string& password,
                              const std::string& email, const std::string& host) {
  auth::require_admin(caller, "creating a user");
  validate::name("user name", name);
  validate::email("email", email);
  if (!host.empty()) validate::name("host", host);
  auth::check_password_strength(password, name);
  UserRow u;
  u.id = auth::random_uuid();
  u.name = name;
  u.email = email;
  u.host = host;
  u.created_at = auth::unix_now();
  u.password_hash = auth::hash_password(password);
  pool_.transact([&](pqxx::work& tx) { store::insert_user(tx, u); });
  logger_.info("user created", {{"user_id", u.id}, {"name", name}});
  return u;
}

UserRow Identity::get_user(const Caller& caller, const std::string& user) {
  // Policy before lookup, so that a non-admin cannot tell existing names from unknown ones.
  if (!caller.is_admin() && user != caller.user_id() && user != caller.claims.user_name)
    throw permission_denied("reading another user needs the admin role");
  return pool_.transact([&](pqxx::work& tx) { return require_user(tx, user); });
}

std::vector<UserRow> Identity::list_users(const Caller& caller) {
  auth::require_admin(caller, "listing users");
  return pool_.transact([&](pqxx::work& tx) { return store::list_users(tx); });
}

UserRow Identity::update_user(const Caller& caller, const std::string& user, const UserChanges& changes) {
  if (changes.name) validate::name("user name", *changes.name);
  if (changes.email) validate::email("email", *changes.email);
  std::vector<RevocationRow> revoked;
  auto updated = pool_.transact([&](pqxx::work& tx) {
    revoked.clear();
    auto u = require_user(tx, user, store::RowLock::Update);
    bool only_own_email = is_self(caller, u) && !changes.name && !changes.enabled;
    if (!caller.is_admin() && !only_own_email)
      throw permission_denied("changing a user needs the admin role (you may change your own e-mail)");
    if (changes.enabled && !*changes.enabled && is_self(caller, u))
      throw failed_precondition("you cannot disable yourself");
    bool disabling = changes.enabled && !*changes.enabled && u.enabled;
    if (changes.name) u.name = *changes.name;
    if (changes.email) u.email = *changes.email;
    if (changes.enabled) u.enabled = *changes.enabled;
    store::update_user(tx, u);
    if (disabling) revoked.push_back(revoke_user_tokens(tx, u.id));
    return u;
  });
  apply_revocations(revoked);
  logger_.info("user updated", {{"user_id", updated.id}, {"disabled", revoked.empty() ? "no" : "yes"}});
  return updated;
}

void Identity::delete_user(const Caller& caller, const std::string& user) {
  auth::require_admin(caller, "deleting a user");
  std::vector<RevocationRow> revoked;
  auto deleted = pool_.transact([&](pqxx::work& tx) {
    revoked.clear();
    auto u = require_user(tx, user, store::RowLock::Update);
    if (is_self(caller, u)) throw failed_precondition("you cannot delete yourself");
    store::delete_user(tx, u.id);
    revoked.push_back(revoke_user_tokens(tx, u.id));
    return u;
  });
  apply_revocations(revoked);
  logger_.info("user deleted", {{"user_id", deleted.id}, {"name", deleted.name}});
}

void Identity::set_password(const Caller& caller, const std::string& user, const std::string& new_password,
                            const std::string& current_password) {
  bool self = user == caller.user_id() || user == caller.claims.user_name;
  if (!self && !caller.is_admin()) throw permission_denied("changing another user's password needs the admin role");
  auto u = pool_.transact([&](pqxx::work& tx) { return require_user(tx, user); });
  if (self) {
    // The same throttle as logins: a stolen token must not allow unlimited password guesses.
    auto attempts = pool_.transact([&](pqxx::work& tx) { return store::count_login_attempt(tx, u.id); });
    if (!attempts) throw unauthenticated("too many failed password checks; try again later");
    if (!verify_password_bounded(u.password_hash, current_password)) {
      if (settings_.throttle.lock_after(*attempts))
        pool_.transact([&](pqxx::work& tx) { store::lock_user(tx, u.id, settings_.throttle.lock_seconds); });
      throw permission_denied("the current password is wrong");
    }
  }
  auth::check_password_strength(new_password, u.name);
  auto hash = auth::hash_password(new_password);
  auto revoked = pool_.transact([&](pqxx::work& tx) {
    store::set_password_hash(tx, u.id, hash);
    return revoke_user_tokens(tx, u.id);  // every session opened with the old password ends
  });
  apply_revocations({revoked});
  logger_.info("password changed", {{"user_id", u.id}, {"by", caller.user_id()}});
}

// ---------------------------------------------------------------- roles

RoleAssignmentRow Identity::add_role(const Caller& caller, const std::string& user, const std::string& project,
                                     const std::string& role) {
  auth::require_admin(caller, "granting a role");
  check_role_name(role);
  return pool_.transact([&](pqxx::work& tx) {
    auto u = require_user(tx, user);
    auto p = require_project(tx, project);
    if (role == auth::kRoleAgent && u.host.empty())
      throw failed_precondition("the agent role needs a user that names its host (user create --host HOST)");
    if (!store::add_role(tx, u.id, p.id, role))
      throw already_exists("role assignment", role + " for " + u.name + " on " + p.name);
    logger_.info("role granted", {{"user_id", u.id}, {"project_id", p.id}, {"role", role}});
    return RoleAssignmentRow{u.id, u.name, p.id, p.name, role};
  });
}

void Identity::remove_role(const Caller& caller, const std::string& user, const std::string& project,
                           const std::string& role) {
  auth::require_admin(caller, "removing a role");
  check_role_name(role);
  auto [revoked, u, p] = pool_.transact([&](pqxx::work& tx) {
    auto u = require_user(tx, user, store::RowLock::Update);  // serialises with token issue
    auto p = require_project(tx, project);
    if (!store::remove_role(tx, u.id, p.id, role))
      throw not_found("role assignment", role + " for " + u.name + " on " + p.name);
    // Tokens carry roles: end the user's sessions so the removal takes effect now.
    return std::make_tuple(revoke_user_tokens(tx, u.id), u, p);
  });
  apply_revocations({revoked});
  logger_.info("role removed", {{"user_id", u.id}, {"project_id", p.id}, {"role", role}});
}

std::vector<RoleAssignmentRow> Identity::list_role_assignments(const Caller& caller, const std::string& user,
                                                               const std::string& project) {
  return pool_.transact([&](pqxx::work& tx) -> std::vector<RoleAssignmentRow> {
    if (caller.is_admin()) {
      std::string user_id = user.empty() ? "" : require_user(tx, user).id;
      std::string project_id = project.empty() ? "" : require_project(tx, project).id;
      return store::role_assignments(tx, user_id, project_id);
    }
    // A member sees only their own assignments, and the answer must not tell which other
    // users or projects exist: any other user is refused alike, an unknown project is as
    // empty as a project the caller has no role on.
    if (!user.empty() && user != caller.user_id() && user != caller.claims.user_name)
      throw permission_denied("listing another user's roles needs the admin role");
    std::string project_id;
    if (!project.empty()) {
      auto p = store::find_project(tx, project);
      if (!p) return {};
      project_id = p->id;
    }
    return store::role_assignments(tx, caller.user_id(), project_id);
  });
}

// ---------------------------------------------------------------- access keys

CreatedAccessKey Identity::create_access_key(const Caller& caller) {
  std::string random(32, '\0');
  randombytes_buf(random.data(), random.size());
  CreatedAccessKey created;
  created.secret = auth::random_secret(30);
  created.key = AccessKeyRow{make_access_key_id(random), caller.user_id(), caller.project_id(),
                             sha256(created.secret), auth::unix_now(), "", "", ""};
  if (!credential_keys_.empty()) {
    auto sealed = credential_keys_.seal(created.key.id, created.secret);
    created.key.secret_key_id = sealed.key_id;
    created.key.secret_nonce = sealed.nonce;
    created.key.secret_sealed = sealed.ciphertext;
  }
  pool_.transact([&](pqxx::work& tx) { store::insert_access_key(tx, created.key); });
  logger_.info("access key created",
               {{"access_key_id", created.key.id}, {"user_id", caller.user_id()}, {"project_id", caller.project_id()}});
  return created;
}

std::vector<AccessKeyRow> Identity::list_access_keys(const Caller& caller) {
  return pool_.transact([&](pqxx::work& tx) { return store::access_keys_of_user(tx, caller.user_id()); });
}

void Identity::delete_access_key(const Caller& caller, const std::string& key_id) {
  auto revoked = pool_.transact([&](pqxx::work& tx) {
    auto k = store::find_access_key(tx, key_id);
    if (!k || (k->user_id != caller.user_id() && !caller.is_admin())) throw not_found("access key", key_id);
    store::delete_access_key(tx, key_id);
    // Its tokens go with it (every service hears of it through the revocation events).
    std::vector<RevocationRow> rows;
    for (const auto& [token_id, expires_at] : store::take_access_key_tokens(tx, key_id, auth::unix_now()))
      rows.push_back(revoke(tx, RevocationRow::of_token(token_id, expires_at)));
    return rows;
  });
  apply_revocations(revoked);
  logger_.info("access key deleted", {{"access_key_id", key_id}, {"by", caller.user_id()},
                                      {"tokens_revoked", static_cast<int64_t>(revoked.size())}});
}

// ---------------------------------------------------------------- catalog

EndpointRow Identity::register_endpoint(const Caller& caller, const std::string& service, const std::string& url,
                                        const std::string& region) {
  // Each service registers itself at start with its service credential.
  auth::require_service(caller, "registering an endpoint");
  static const std::set<std::string> kServices = {"identity", "image", "network", "compute",
                                                  "block-storage", "ec2", "dashboard"};
  if (!kServices.count(service))
    throw invalid_argument("unknown service '" + service.substr(0, 64) +
                           "': one of identity, image, network, compute, block-storage, ec2, dashboard");
  validate::host_port("endpoint url", url);
  std::string r = region.empty() ? settings_.region : region;
  validate::name("region", r);
  return pool_.transact([&](pqxx::work& tx) { return store::upsert_endpoint(tx, service, r, url); });
}

void Identity::register_own_endpoint(const std::string& url) {
  pool_.transact([&](pqxx::work& tx) { store::upsert_endpoint(tx, "identity", settings_.region, url); });
}

std::vector<EndpointRow> Identity::list_endpoints() {
  return pool_.transact([&](pqxx::work& tx) { return store::list_endpoints(tx); });
}

}  // namespace stratus::identity
