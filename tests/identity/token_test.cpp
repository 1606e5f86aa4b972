// What makes a token fail: forgery, tampering, expiry, revocation (also across replicas, over
// the outbox and the bus), disabling a user, a password change; and signing-key rotation.
#include <pqxx/pqxx>

#include "common/auth/token.h"
#include "tests/identity/identity_test_support.h"

using namespace stratus::identity_test;
using stratus::test_support::eventually;
namespace auth = stratus::auth;

namespace {

// The active signing key, secret part included, straight from identity's database: only
// what can read that table can forge tokens, and the tests can.
auth::SigningKey active_signing_key(const TestDatabase& database) {
  pqxx::connection connection(database.url());
  pqxx::work tx(connection);
  auto row = tx.exec1(
      "SELECT id, encode(public_key, 'hex'), encode(secret_key, 'hex') FROM signing_keys WHERE retired_at IS NULL");
  return {row[0].as<std::string>(), bytes_from_hex(row[1].as<std::string>()), bytes_from_hex(row[2].as<std::string>())};
}

auth::TokenClaims claims_of(const v1::TokenInfo& info) {
  auth::TokenClaims claims;
  claims.token_id = info.token_id();
  claims.user_id = info.user_id();
  claims.user_name = info.user_name();
  claims.project_id = info.project_id();
  claims.project_name = info.project_name();
  claims.roles.assign(info.roles().begin(), info.roles().end());
  claims.issued_at_ms = info.issued_at().seconds() * 1000 + info.issued_at().nanos() / 1000000;
  claims.expires_at = info.expires_at().seconds();
  return claims;
}

// A token refused with UNAUTHENTICATED and a message containing `reason`.
void check_refused(const IdentityClient& anonymous, const std::string& token, const std::string& reason) {
  auto reply = anonymous.with_token(token).list_projects();
  INFO("token: " << token);
  CHECK(reply.code() == StatusCode::UNAUTHENTICATED);
  CHECK_THAT(reply.message(), Catch::Contains(reason, Catch::CaseSensitive::No));
}

}  // namespace

TEST_CASE("calls without a valid token are UNAUTHENTICATED and say what is wrong", "[identity][token]") {
  IdentityService identity;
  const std::string good = identity.admin_token;
  REQUIRE(identity.admin.list_projects().ok());

  SECTION("missing or badly formed metadata") {
    auto missing = identity.anonymous.list_projects();
    CHECK(missing.code() == StatusCode::UNAUTHENTICATED);
    CHECK_THAT(missing.message(), Catch::Contains("needs a token"));
    auto not_bearer = identity.anonymous.with_authorization("Basic " + good).list_projects();
    CHECK(not_bearer.code() == StatusCode::UNAUTHENTICATED);
    CHECK_THAT(not_bearer.message(), Catch::Contains("Bearer"));
  }
  SECTION("garbage") {
    check_refused(identity.anonymous, "not-a-token", "malformed");
    check_refused(identity.anonymous, "", "malformed");
    check_refused(identity.anonymous, good + ".extra", "malformed");
  }
  SECTION("tampered claims") {
    auto parts = token_parts(good);
    REQUIRE(parts.size() == 4);
    std::string& claims = parts[2];
    char& c = claims[claims.size() / 2];
    c = c == 'A' ? 'B' : 'A';
    check_refused(identity.anonymous, parts[0] + "." + parts[1] + "." + claims + "." + parts[3], "signature");
  }
  SECTION("signed by another key") {
    auto claims = claims_of(must(identity.admin.validate(good), "validate"));
    auth::SigningKey stranger = auth::generate_signing_key();
    check_refused(identity.anonymous, auth::sign_token(claims, stranger), "unknown key");
    // The same key id as the real one, but not its secret.
    stranger.key_id = key_id_of(good);
    check_refused(identity.anonymous, auth::sign_token(claims, stranger), "signature");
  }
  SECTION("expired, though signed with the real key") {
    auth::SigningKey real = active_signing_key(identity.database);
    REQUIRE(real.key_id == key_id_of(good));
    auto claims = claims_of(must(identity.admin.validate(good), "validate"));
    claims.token_id = auth::random_uuid();

    // Control: the forging itself works, so the refusal below is about the expiry alone.
    claims.expires_at = auth::unix_now() + 600;
    CHECK(identity.anonymous.with_token(auth::sign_token(claims, real)).list_projects().ok());

    claims.expires_at = auth::unix_now() - 60;
    check_refused(identity.anonymous, auth::sign_token(claims, real), "expired");
  }
}

TEST_CASE("a revoked token fails at once on the replica that revoked it", "[identity][revocation]") {
  IdentityService identity;
  create_user_with_role(identity.admin, "ivy", "Ivy-Pass-123", kAdminProject, "member");
  v1::Token first = must(identity.anonymous.login("ivy", "Ivy-Pass-123"), "login");
  v1::Token second = must(identity.anonymous.login("ivy", "Ivy-Pass-123"), "login");
  IdentityClient ivy = identity.anonymous.with_token(first.token());

  // Only the owner or an admin may revoke a token.
  v1::RevokeTokenRequest revoke_admins;
  revoke_admins.set_token(identity.admin_token);
  CHECK(ivy.call(&Stub::RevokeToken, revoke_admins).code() == StatusCode::PERMISSION_DENIED);

  v1::RevokeTokenRequest revoke_first;
  revoke_first.set_token(first.token());
  REQUIRE(ivy.call(&Stub::RevokeToken, revoke_first).ok());

  check_refused(identity.anonymous, first.token(), "revoked");
  CHECK(identity.admin.validate(first.token()).code() == StatusCode::UNAUTHENTICATED);
  CHECK(identity.anonymous.renew(first.token()).code() == StatusCode::UNAUTHENTICATED);
  // Only that token: the user's other one still works.
  CHECK(identity.anonymous.with_token(second.token()).list_projects().ok());

  auto revocations = identity.admin.call(&Stub::ListRevocations, v1::ListRevocationsRequest());
  REQUIRE(revocations.ok());
  REQUIRE(revocations.value.revocations_size() == 1);
  CHECK(revocations.value.revocations(0).token_id() == first.info().token_id());
}

TEST_CASE("a token revoked on one replica is refused by another within seconds", "[identity][revocation][replicas]") {
  IdentityService replica_a;
  // No periodic resync on B within the test: only the event over the outbox and the bus can tell it.
  auto replica_b = start_identity(replica_a.database, Env{{"STRATUS_IDENTITY_RESYNC_INTERVAL", "3600"}});
  IdentityClient b(replica_b->address());
  create_user_with_role(replica_a.admin, "ivy", "Ivy-Pass-123", kAdminProject, "member");
  constexpr auto kBound = std::chrono::seconds(10);

  SECTION("one token") {
    v1::Token token = must(replica_a.anonymous.login("ivy", "Ivy-Pass-123"), "login on A");
    REQUIRE(b.with_token(token.token()).list_projects().ok());

    v1::RevokeTokenRequest revoke;
    revoke.set_token(token.token());
    REQUIRE(replica_a.anonymous.with_token(token.token()).call(&Stub::RevokeToken, revoke).ok());
    auto started = std::chrono::steady_clock::now();
    bool refused_by_b = eventually(
        [&] { return b.with_token(token.token()).list_projects().code() == StatusCode::UNAUTHENTICATED; }, kBound);
    CHECK(refused_by_b);
    UNSCOPED_INFO("revocation reached replica B after " << std::chrono::duration_cast<std::chrono::milliseconds>(
                                                               std::chrono::steady_clock::now() - started)
                                                               .count()
                                                        << " ms");
    check_refused(b, token.token(), "revoked");
  }
  SECTION("every token of a user who is disabled, including one issued by the other replica") {
    v1::Token from_b = must(b.login("ivy", "Ivy-Pass-123"), "login on B");
    REQUIRE(replica_a.anonymous.with_token(from_b.token()).list_projects().ok());

    v1::UpdateUserRequest disable;
    disable.set_user("ivy");
    disable.set_enabled(false);
    REQUIRE(replica_a.admin.call(&Stub::UpdateUser, disable).ok());
    check_refused(replica_a.anonymous, from_b.token(), "revoked");
    CHECK(eventually(
        [&] { return b.with_token(from_b.token()).list_projects().code() == StatusCode::UNAUTHENTICATED; }, kBound));
  }
}

TEST_CASE("disabling a user revokes their tokens and refuses their logins until enabled again",
          "[identity][revocation]") {
  IdentityService identity;
  create_user_with_role(identity.admin, "ivy", "Ivy-Pass-123", kAdminProject, "member");
  v1::Token token = must(identity.anonymous.login("ivy", "Ivy-Pass-123"), "login");

  v1::UpdateUserRequest disable;
  disable.set_user("ivy");
  disable.set_enabled(false);
  auto disabled = identity.admin.call(&Stub::UpdateUser, disable);
  REQUIRE(disabled.ok());
  CHECK_FALSE(disabled.value.enabled());

  check_refused(identity.anonymous, token.token(), "revoked");
  auto login = identity.anonymous.login("ivy", "Ivy-Pass-123");
  CHECK(login.code() == StatusCode::UNAUTHENTICATED);
  CHECK_THAT(login.message(), Catch::Contains("disabled"));

  v1::UpdateUserRequest enable;
  enable.set_user("ivy");
  enable.set_enabled(true);
  REQUIRE(identity.admin.call(&Stub::UpdateUser, enable).ok());
  auto again = identity.anonymous.login("ivy", "Ivy-Pass-123");
  REQUIRE(again.ok());
  CHECK(identity.anonymous.with_token(again.value.token()).list_projects().ok());
  // Enabling does not bring the old token back.
  check_refused(identity.anonymous, token.token(), "revoked");
}

TEST_CASE("deleting a project ends the tokens scoped to it and no other token of its members",
          "[identity][revocation]") {
  IdentityService identity;
  create_user_with_role(identity.admin, "una", "Una-Pass-123", kAdminProject, "member");
  REQUIRE(identity.admin.create_project("doomed").ok());
  REQUIRE(identity.admin.add_role("una", "doomed", "member").ok());
  v1::Token in_doomed = must(identity.anonymous.login("una", "Una-Pass-123", "doomed"), "login to doomed");
  v1::Token elsewhere = must(identity.anonymous.login("una", "Una-Pass-123", kAdminProject), "login to the other project");

  v1::DeleteProjectRequest remove;
  remove.set_project("doomed");
  REQUIRE(identity.admin.call(&Stub::DeleteProject, remove).ok());

  check_refused(identity.anonymous, in_doomed.token(), "revoked");
  CHECK(identity.anonymous.renew(in_doomed.token()).code() == StatusCode::UNAUTHENTICATED);
  CHECK(identity.anonymous.with_token(elsewhere.token()).list_projects().ok());
  CHECK(identity.anonymous.renew(elsewhere.token()).ok());
}

TEST_CASE("changing a password revokes earlier tokens, and the new password logs in", "[identity][revocation]") {
  IdentityService identity;
  create_user_with_role(identity.admin, "ivy", "Ivy-Pass-123", kAdminProject, "member");
  v1::Token before = must(identity.anonymous.login("ivy", "Ivy-Pass-123"), "login");
  IdentityClient ivy = identity.anonymous.with_token(before.token());

  v1::SetPasswordRequest change;
  change.set_user("ivy");
  change.set_new_password("Ivy-New-Pass-456");
  change.set_current_password("Not-The-Current-1");
  CHECK(ivy.call(&Stub::SetPassword, change).code() == StatusCode::PERMISSION_DENIED);
  change.set_current_password("Ivy-Pass-123");
  REQUIRE(ivy.call(&Stub::SetPassword, change).ok());

  check_refused(identity.anonymous, before.token(), "revoked");
  CHECK(identity.anonymous.login("ivy", "Ivy-Pass-123").code() == StatusCode::UNAUTHENTICATED);
  auto after = identity.anonymous.login("ivy", "Ivy-New-Pass-456");
  REQUIRE(after.ok());
  CHECK(identity.anonymous.with_token(after.value.token()).list_projects().ok());

  // An admin's reset ends the user's sessions too.
  v1::SetPasswordRequest reset;
  reset.set_user("ivy");
  reset.set_new_password("Ivy-Reset-Pass-789");
  REQUIRE(identity.admin.call(&Stub::SetPassword, reset).ok());
  check_refused(identity.anonymous, after.value.token(), "revoked");
  CHECK(identity.anonymous.login("ivy", "Ivy-Reset-Pass-789").ok());
}

TEST_CASE("after key rotation old tokens still validate, new ones carry the new key, and another replica accepts them",
          "[identity][keys][replicas]") {
  IdentityService replica_a;
  auto replica_b = start_identity(replica_a.database);
  IdentityClient b(replica_b->address());
  const std::string old_token = replica_a.admin_token;
  const std::string old_key = key_id_of(old_token);

  auto keys_before = replica_a.anonymous.call(&Stub::ListSigningKeys, v1::ListSigningKeysRequest());
  REQUIRE(keys_before.ok());
  REQUIRE(keys_before.value.keys_size() == 1);
  CHECK(keys_before.value.keys(0).key_id() == old_key);
  CHECK(keys_before.value.keys(0).active());

  create_user_with_role(replica_a.admin, "mia", "Mia-Pass-12", kAdminProject, "member");
  IdentityClient mia = logged_in(replica_a.anonymous, "mia", "Mia-Pass-12");
  CHECK(mia.call(&Stub::RotateSigningKey, v1::RotateSigningKeyRequest()).code() == StatusCode::PERMISSION_DENIED);

  auto rotated = replica_a.admin.call(&Stub::RotateSigningKey, v1::RotateSigningKeyRequest());
  REQUIRE(rotated.ok());
  const std::string new_key = rotated.value.key_id();
  CHECK(new_key != old_key);
  CHECK(rotated.value.active());
  CHECK(rotated.value.public_key().size() == 32);

  // Old tokens keep working, on both replicas.
  CHECK(replica_a.admin.list_projects().ok());
  CHECK(b.with_token(old_token).list_projects().ok());

  v1::Token fresh = must(replica_a.anonymous.login(kAdminName, kAdminPassword), "admin login after rotation");
  CHECK(key_id_of(fresh.token()) == new_key);

  auto keys_after = replica_a.anonymous.call(&Stub::ListSigningKeys, v1::ListSigningKeysRequest());
  REQUIRE(keys_after.ok());
  std::map<std::string, bool> active_by_id;
  for (const auto& k : keys_after.value.keys()) active_by_id[k.key_id()] = k.active();
  CHECK(active_by_id == std::map<std::string, bool>{{old_key, false}, {new_key, true}});

  // Replica B has never seen the new key: it fetches it when a token names it.
  auto on_b = b.with_token(fresh.token()).validate(fresh.token());
  INFO(describe(on_b.status));
  REQUIRE(on_b.ok());
  CHECK(on_b.value.token_id() == fresh.info().token_id());
}

// Services fetch keys from whichever replica they reach, so every replica must publish a
// key rotated elsewhere at once.
TEST_CASE("another replica lists a key rotated elsewhere within seconds", "[identity][keys][replicas]") {
  IdentityService replica_a;
  auto replica_b = start_identity(replica_a.database);
  IdentityClient b(replica_b->address());

  auto rotated = replica_a.admin.call(&Stub::RotateSigningKey, v1::RotateSigningKeyRequest());
  REQUIRE(rotated.ok());
  const std::string new_key = rotated.value.key_id();
  // B even accepts a token signed with it (its verifier fetched the key) ...
  v1::Token fresh = must(replica_a.anonymous.login(kAdminName, kAdminPassword), "admin login after rotation");
  REQUIRE(b.with_token(fresh.token()).list_projects().ok());

  // ... but must also publish it, for the services that verify tokens with B's key list.
  auto b_lists_new_key = [&] {
    auto keys = b.call(&Stub::ListSigningKeys, v1::ListSigningKeysRequest());
    if (!keys.ok()) return false;
    for (const auto& k : keys.value.keys())
      if (k.key_id() == new_key) return true;
    return false;
  };
  CHECK(eventually(b_lists_new_key, std::chrono::seconds(5), std::chrono::milliseconds(200)));
}
