#pragma once
// Identity's pure rules: no database, no network; unit-tested in rules_test.cpp.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
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

// Failed logins for names that no user has, counted and locked as a user's would be, so the
// answers ("invalid credentials", then "too many failed logins") never tell which names exist.
// In memory (per process) and capped: it is a mirror for appearances, not a security control.
class UnknownNameAttempts {
 public:
  explicit UnknownNameAttempts(LoginThrottle throttle, std::size_t capacity = 10000)
      : throttle_(throttle), capacity_(capacity) {}
  // Counts an attempt at `now` (unix seconds); false while the name is "locked".
  bool count(const std::string& name, int64_t now);

 private:
  struct Entry {
    int failures = 0;
    int64_t locked_until = 0;
  };
  LoginThrottle throttle_;
  std::size_t capacity_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
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
