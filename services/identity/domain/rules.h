#pragma once
// Identity's pure rules: no database, no network; unit-tested in rules_test.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stratus::identity {

// Repeated wrong passwords lock the user for a while, which caps online guessing. Every
// attempt is counted before the password is checked (so parallel guesses count too) and a
// success resets the count.
struct LoginThrottle {
  int max_failures = 5;
  int64_t lock_seconds = 60;

  bool lock_after(int attempts_counted) const { return attempts_counted >= max_failures; }
};

struct ProjectChoice {
  std::optional<std::string> project_id;
  std::string problem;  // why none could be chosen, when project_id is empty
};
// Which project a password login is scoped to: the named one, or the user's only one.
ProjectChoice choose_login_project(const std::string& requested_id, const std::vector<std::string>& user_project_ids);

// Signing keys: rotate when the active key is older than the period; a retired key stays
// published for one token lifetime (plus a margin for clock skew) after its retirement.
bool rotation_due(int64_t active_created_at, int64_t now, int64_t rotation_period_s);
int64_t retired_key_prune_before(int64_t now, int64_t token_ttl_s);

// Access key ids: "STK" and 17 upper-case base32 characters, like AWS's 20-character ids.
std::string make_access_key_id(const std::string& random_bytes);
bool looks_like_access_key_id(const std::string& id);

}  // namespace stratus::identity
