#include "common/auth/revocations.h"

#include <mutex>

namespace stratus::auth {

namespace {

void widen(RevocationList::Snapshot::Bound& bound, const RevocationList::Snapshot::Bound& by) {
  bound.first = std::max(bound.first, by.first);
  bound.second = std::max(bound.second, by.second);
}

bool covers(const std::map<std::string, RevocationList::Snapshot::Bound>& bounds, const std::string& key,
            int64_t issued_at_ms) {
  auto it = bounds.find(key);
  return it != bounds.end() && issued_at_ms < it->second.first;
}

template <typename Map>
void drop_expired(Map& entries, int64_t now) {
  for (auto it = entries.begin(); it != entries.end();) {
    if constexpr (std::is_same_v<typename Map::mapped_type, int64_t>) it = it->second <= now ? entries.erase(it) : std::next(it);
    else it = it->second.second <= now ? entries.erase(it) : std::next(it);
  }
}

}  // namespace

void RevocationList::Snapshot::add(const Revocation& r) {
  Bound bound{r.issued_before_ms, r.expires_at};
  if (!r.token_id.empty()) {
    auto& expires = tokens[r.token_id];
    expires = std::max(expires, r.expires_at);
  } else if (!r.user_id.empty()) {
    widen(users[r.user_id], bound);
  } else if (!r.project_id.empty()) {
    widen(projects[r.project_id], bound);
  }
}

void RevocationList::apply(const Revocation& r) {
  std::unique_lock lock(mutex_);
  entries_.add(r);
}

bool RevocationList::is_revoked(const TokenClaims& claims) const {
  std::shared_lock lock(mutex_);
  if (entries_.tokens.count(claims.token_id)) return true;
  return covers(entries_.users, claims.user_id, claims.issued_at_ms) ||
         (!claims.project_id.empty() && covers(entries_.projects, claims.project_id, claims.issued_at_ms));
}

void RevocationList::merge(const Snapshot& snapshot) {
  std::unique_lock lock(mutex_);
  for (const auto& [token_id, expires_at] : snapshot.tokens) {
    auto& mine = entries_.tokens[token_id];
    mine = std::max(mine, expires_at);
  }
  for (const auto& [user_id, bound] : snapshot.users) widen(entries_.users[user_id], bound);
  for (const auto& [project_id, bound] : snapshot.projects) widen(entries_.projects[project_id], bound);
}

void RevocationList::forget_expired(int64_t now) {
  std::unique_lock lock(mutex_);
  drop_expired(entries_.tokens, now);
  drop_expired(entries_.users, now);
  drop_expired(entries_.projects, now);
}

size_t RevocationList::size() const {
  std::shared_lock lock(mutex_);
  return entries_.tokens.size() + entries_.users.size() + entries_.projects.size();
}

}  // namespace stratus::auth
