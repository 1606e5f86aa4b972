#pragma once
// Signed, expiring, project-scoped tokens that any service verifies locally.
//
// Format: "stv1.<key id>.<base64url(JSON claims)>.<base64url(Ed25519 signature)>", the
// signature covering everything before the last dot. Ed25519 verification costs tens of
// microseconds and needs only identity's public keys, so no service calls identity per request.
// Rotation adds a key; old public keys stay published until the tokens they signed expire.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace stratus::auth {

struct TokenClaims {
  std::string token_id;
  std::string user_id;
  std::string user_name;
  std::string project_id;
  std::string project_name;
  std::vector<std::string> roles;
  // The hypervisor host an agent credential is confined to (users with the agent role);
  // empty for people and services.
  std::string host;
  int64_t issued_at_ms = 0;  // unix milliseconds: user-wide revocations compare it finely
  int64_t expires_at = 0;  // unix seconds
};

struct SigningKey {
  std::string key_id;
  std::string public_key;  // 32 raw bytes
  std::string secret_key;  // 64 raw bytes; empty where only verification is needed
};

SigningKey generate_signing_key();
std::string sign_token(const TokenClaims& claims, const SigningKey& key);

// Verifies tokens against a set of public keys. Thread-safe; keys can be replaced while
// requests are being verified. When a token names a key it does not know, it calls
// `refresh_keys` (at most once per `refresh_interval`) so a rotation elsewhere is picked up.
class TokenVerifier {
 public:
  using KeyRefresher = std::function<std::map<std::string, std::string>()>;
  explicit TokenVerifier(KeyRefresher refresh_keys = nullptr, int64_t min_refresh_interval_s = 5);

  void set_public_keys(std::map<std::string, std::string> key_id_to_public_key);
  // Throws stratus::Error(Unauthenticated) naming what is wrong: malformed, unknown key,
  // bad signature, or expired.
  TokenClaims verify(std::string_view token, int64_t now) const;
  // Signature only, expired or not: for revoking a token, where expiry is no error.
  TokenClaims verify_signature(std::string_view token) const;

 private:
  bool lookup_key(const std::string& key_id, std::string& public_key) const;
  TokenClaims check_signature(std::string_view token) const;

  KeyRefresher refresh_keys_;
  int64_t min_refresh_interval_s_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::string> public_keys_;
  mutable int64_t last_refresh_ = 0;
  // Tokens whose signature already checked out: a client sends the same token with every
  // call, and a map lookup is far cheaper than an Ed25519 verification. Keyed by the whole
  // token string, so only an identical token hits; emptied when the keys change or it fills.
  static constexpr size_t kVerifiedCacheSize = 16384;
  mutable std::mutex verified_mutex_;
  mutable std::unordered_map<std::string, TokenClaims> verified_;
};

std::string base64url_encode(std::string_view bytes);
// Returns false on characters outside the alphabet.
bool base64url_decode(std::string_view text, std::string& bytes);

int64_t unix_now();
int64_t unix_now_ms();
// A random RFC 4122 version 4 UUID, from libsodium's CSPRNG.
std::string random_uuid();
// `n` random bytes as base64url: secrets such as access-key secrets.
std::string random_secret(size_t n);

}  // namespace stratus::auth
