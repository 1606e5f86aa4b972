#pragma once
// Revoked tokens still within their lifetime, kept in memory by every service that verifies
// tokens. Fed by revocation events (fast path) and by periodic full reloads from identity
// (so a lost event heals). Entries expire with the tokens they name.
#include <cstdint>
#include <map>
#include <shared_mutex>
#include <string>
#include <utility>

#include "common/auth/token.h"

namespace stratus::auth {

// One revocation as identity stores and sends it: exactly one of token_id, user_id and
// project_id is set. A user or project revocation covers every token of that user, or scoped
// to that project, issued before issued_before_ms.
struct Revocation {
  std::string token_id;
  std::string user_id;
  std::string project_id;
  int64_t issued_before_ms = 0;
  int64_t expires_at = 0;  // unix seconds: after this no token it covers is valid anyway

  static Revocation of_token(std::string id, int64_t expires_at) { return {std::move(id), "", "", 0, expires_at}; }
  static Revocation of_user(std::string id, int64_t issued_before_ms, int64_t expires_at) {
    return {"", std::move(id), "", issued_before_ms, expires_at};
  }
  static Revocation of_project(std::string id, int64_t issued_before_ms, int64_t expires_at) {
    return {"", "", std::move(id), issued_before_ms, expires_at};
  }
};

class RevocationList {
 public:
  struct Snapshot {
    using Bound = std::pair<int64_t, int64_t>;  // (issued_before_ms, expires_at)
    std::map<std::string, int64_t> tokens;      // token id -> expires_at
    std::map<std::string, Bound> users;         // user id -> bound
    std::map<std::string, Bound> projects;      // project id -> bound
    void add(const Revocation& r);
  };

  void apply(const Revocation& r);
  bool is_revoked(const TokenClaims& claims) const;

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
