#pragma once
// Revoked tokens still within their lifetime, kept in memory by every service that verifies
// tokens. Fed by revocation events (fast path) and by periodic full reloads from identity
// (so a lost event heals). Entries expire with the tokens they name.
#include <cstdint>
#include <map>
#include <shared_mutex>
#include <string>

#include "common/auth/token.h"

namespace stratus::auth {

class RevocationList {
 public:
  void revoke_token(const std::string& token_id, int64_t expires_at);
  // Revokes every token of `user_id` issued before `issued_before_ms`.
  void revoke_user(const std::string& user_id, int64_t issued_before_ms, int64_t expires_at);
  bool is_revoked(const TokenClaims& claims) const;

  struct Snapshot {
    std::map<std::string, int64_t> tokens;                       // token id -> expires_at
    std::map<std::string, std::pair<int64_t, int64_t>> users;    // user id -> (issued_before_ms, expires_at)
  };
  // Adds everything of a full reload. A revocation is never undone, so a reload only adds:
  // replacing could drop one that arrived by event while the reload was in flight.
  void merge(const Snapshot& snapshot);
  void forget_expired(int64_t now);
  size_t size() const;

 private:
  mutable std::shared_mutex mutex_;
  Snapshot entries_;
};

}  // namespace stratus::auth
