#include <catch2/catch.hpp>

#include "common/auth/revocations.h"
#include "common/auth/token.h"
#include "common/error/error.h"

using namespace stratus;
using namespace stratus::auth;

namespace {
TokenClaims sample_claims(int64_t now) {
  TokenClaims c;
  c.token_id = random_uuid();
  c.user_id = "u1";
  c.user_name = "alice";
  c.project_id = "p1";
  c.project_name = "demo";
  c.roles = {"member"};
  c.issued_at_ms = now * 1000;
  c.expires_at = now + 3600;
  return c;
}
std::unique_ptr<TokenVerifier> verifier_for(const SigningKey& key) {
  auto v = std::make_unique<TokenVerifier>();
  v->set_public_keys({{key.key_id, key.public_key}});
  return v;
}
}  // namespace

TEST_CASE("a signed token verifies and gives back its claims") {
  auto key = generate_signing_key();
  int64_t now = unix_now();
  auto claims = sample_claims(now);
  auto verified = verifier_for(key)->verify(sign_token(claims, key), now);
  CHECK(verified.token_id == claims.token_id);
  CHECK(verified.user_name == "alice");
  CHECK(verified.roles == std::vector<std::string>{"member"});
  CHECK(verified.expires_at == claims.expires_at);
}

TEST_CASE("an expired token is refused") {
  auto key = generate_signing_key();
  int64_t now = unix_now();
  auto token = sign_token(sample_claims(now), key);
  CHECK_THROWS_WITH(verifier_for(key)->verify(token, now + 3600), Catch::Contains("expired"));
}

TEST_CASE("a token whose claims were altered is refused") {
  auto key = generate_signing_key();
  int64_t now = unix_now();
  auto claims = sample_claims(now);
  auto token = sign_token(claims, key);
  // Swap in the claims of an admin, keeping the original signature.
  auto forged_claims = claims;
  forged_claims.roles = {"admin"};
  auto forged = sign_token(forged_claims, generate_signing_key());
  auto tampered = forged.substr(0, forged.rfind('.')) + token.substr(token.rfind('.'));
  tampered.replace(5, key.key_id.size(), key.key_id);
  CHECK_THROWS_WITH(verifier_for(key)->verify(tampered, now), Catch::Contains("signature is invalid"));
  CHECK_THROWS_WITH(verifier_for(key)->verify("stv1.x.y", now), Catch::Contains("malformed"));
  CHECK_THROWS_WITH(verifier_for(key)->verify("", now), Catch::Contains("malformed"));
  CHECK_THROWS_WITH(verifier_for(key)->verify(token + "x", now), Catch::Contains("malformed"));
}

TEST_CASE("after rotation, tokens of the old key stay valid while its public key is published") {
  auto old_key = generate_signing_key();
  auto new_key = generate_signing_key();
  int64_t now = unix_now();
  auto old_token = sign_token(sample_claims(now), old_key);
  TokenVerifier v;
  v.set_public_keys({{old_key.key_id, old_key.public_key}, {new_key.key_id, new_key.public_key}});
  CHECK_NOTHROW(v.verify(old_token, now));
  CHECK_NOTHROW(v.verify(sign_token(sample_claims(now), new_key), now));
  v.set_public_keys({{new_key.key_id, new_key.public_key}});
  CHECK_THROWS_WITH(v.verify(old_token, now), Catch::Contains("unknown key"));
}

TEST_CASE("an unknown key id triggers one refresh of the public keys") {
  auto key = generate_signing_key();
  int calls = 0;
  TokenVerifier v([&] {
    ++calls;
    return std::map<std::string, std::string>{{key.key_id, key.public_key}};
  });
  int64_t now = unix_now();
  CHECK_NOTHROW(v.verify(sign_token(sample_claims(now), key), now));
  CHECK_NOTHROW(v.verify(sign_token(sample_claims(now), key), now));
  CHECK(calls == 1);
}

TEST_CASE("revoking a token or all of a user's earlier tokens is seen by is_revoked") {
  RevocationList list;
  int64_t now = unix_now();
  auto a = sample_claims(now);
  auto b = sample_claims(now);
  CHECK_FALSE(list.is_revoked(a));
  list.apply(Revocation::of_token(a.token_id, a.expires_at));
  CHECK(list.is_revoked(a));
  CHECK_FALSE(list.is_revoked(b));
  list.apply(Revocation::of_user("u1", b.issued_at_ms + 1, b.expires_at));
  CHECK(list.is_revoked(b));
  auto later = sample_claims(now);
  later.issued_at_ms = b.issued_at_ms + 5;
  CHECK_FALSE(list.is_revoked(later));
  list.forget_expired(now + 7200);
  CHECK(list.size() == 0);
}

TEST_CASE("a project revocation ends the tokens scoped to that project and no others of its users") {
  RevocationList list;
  int64_t now = unix_now();
  auto in_deleted = sample_claims(now);
  in_deleted.project_id = "p-deleted";
  auto elsewhere = sample_claims(now);  // the same user, another project
  elsewhere.project_id = "p-kept";
  auto unscoped = sample_claims(now);
  unscoped.project_id = "";
  list.apply(Revocation::of_project("p-deleted", 253402300799999, now + 3600));
  CHECK(list.is_revoked(in_deleted));
  CHECK_FALSE(list.is_revoked(elsewhere));
  CHECK_FALSE(list.is_revoked(unscoped));
  RevocationList::Snapshot reload;
  reload.add(Revocation::of_project("p-kept", in_deleted.issued_at_ms, now + 3600));  // before it: no effect
  list.merge(reload);
  CHECK_FALSE(list.is_revoked(elsewhere));
  list.forget_expired(now + 7200);
  CHECK(list.size() == 0);
}

TEST_CASE("a reload adds to the revocations and never drops one that came by event") {
  RevocationList list;
  int64_t now = unix_now();
  auto by_event = sample_claims(now);
  list.apply(Revocation::of_token(by_event.token_id, by_event.expires_at));
  RevocationList::Snapshot older_reload;  // read before the event's revocation committed
  auto other = sample_claims(now);
  older_reload.tokens[other.token_id] = other.expires_at;
  list.merge(older_reload);
  CHECK(list.is_revoked(by_event));
  CHECK(list.is_revoked(other));
}

TEST_CASE("a cached token stops verifying once its key is withdrawn") {
  auto key = generate_signing_key();
  auto other = generate_signing_key();
  int64_t now = unix_now();
  auto token = sign_token(sample_claims(now), key);
  TokenVerifier v;
  v.set_public_keys({{key.key_id, key.public_key}});
  CHECK_NOTHROW(v.verify(token, now));
  CHECK_NOTHROW(v.verify(token, now));  // from the cache
  v.set_public_keys({{other.key_id, other.public_key}});
  CHECK_THROWS_WITH(v.verify(token, now), Catch::Contains("unknown key"));
}

TEST_CASE("a cached token still expires") {
  auto key = generate_signing_key();
  int64_t now = unix_now();
  auto token = sign_token(sample_claims(now), key);
  auto v = verifier_for(key);
  CHECK_NOTHROW(v->verify(token, now));
  CHECK_THROWS_WITH(v->verify(token, now + 7200), Catch::Contains("expired"));
}
