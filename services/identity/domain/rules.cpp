#include "services/identity/domain/rules.h"

#include <algorithm>

namespace stratus::identity {

ProjectChoice choose_login_project(const std::string& requested_id, const std::vector<std::string>& user_project_ids) {
  if (!requested_id.empty()) {
    bool member = std::find(user_project_ids.begin(), user_project_ids.end(), requested_id) != user_project_ids.end();
    if (member) return {requested_id, ""};
    return {std::nullopt, "you have no role on that project"};
  }
  if (user_project_ids.size() == 1) return {user_project_ids.front(), ""};
  if (user_project_ids.empty()) return {std::nullopt, "you have no role on any project; ask an admin for one"};
  return {std::nullopt, "you have roles on several projects; name one (--project)"};
}

bool rotation_due(int64_t active_created_at, int64_t now, int64_t rotation_period_s) {
  return rotation_period_s > 0 && now - active_created_at >= rotation_period_s;
}

int64_t retired_key_prune_before(int64_t now, int64_t token_ttl_s) {
  constexpr int64_t kClockSkewMargin = 300;
  return now - token_ttl_s - kClockSkewMargin;
}

bool UnknownNameAttempts::count(const std::string& name, int64_t now) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= capacity_ && !entries_.count(name)) {
    // Full: forget the names that are not locked (a guesser's old tries), keep the locks.
    for (auto it = entries_.begin(); it != entries_.end();)
      it = it->second.locked_until > now ? std::next(it) : entries_.erase(it);
    if (entries_.size() >= capacity_) return true;  // all locked: count nothing more
  }
  Entry& e = entries_[name];
  if (e.locked_until > now) return false;
  e.locked_until = 0;
  if (throttle_.lock_after(++e.failures)) {  // as lock_user: the count restarts after the lock
    e.failures = 0;
    e.locked_until = now + throttle_.lock_seconds;
  }
  return true;
}

std::string make_access_key_id(const std::string& random_bytes) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string id = "STK";
  for (size_t i = 0; id.size() < 20; ++i) id += kAlphabet[static_cast<unsigned char>(random_bytes.at(i)) % 32];
  return id;
}

bool looks_like_access_key_id(const std::string& id) {
  if (id.size() != 20 || id.rfind("STK", 0) != 0) return false;
  return std::all_of(id.begin() + 3, id.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'); });
}

}  // namespace stratus::identity
