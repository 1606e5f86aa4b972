#include "common/auth/revocations.h"

#include <mutex>

namespace stratus::auth {

void RevocationList::revoke_token(const std::string& token_id, int64_t expires_at) {
  std::unique_lock lock(mutex_);
  entries_.tokens[token_id] = expires_at;
}

void RevocationList::revoke_user(const std::string& user_id, int64_t issued_before_ms, int64_t expires_at) {
  std::unique_lock lock(mutex_);
  auto& entry = entries_.users[user_id];
  entry.first = std::max(entry.first, issued_before_ms);
  entry.second = std::max(entry.second, expires_at);
}

bool RevocationList::is_revoked(const TokenClaims& claims) const {
  std::shared_lock lock(mutex_);
  if (entries_.tokens.count(claims.token_id)) return true;
  auto it = entries_.users.find(claims.user_id);
  return it != entries_.users.end() && claims.issued_at_ms < it->second.first;
}

void RevocationList::merge(const Snapshot& snapshot) {
  std::unique_lock lock(mutex_);
  for (const auto& [token_id, expires_at] : snapshot.tokens) entries_.tokens[token_id] = expires_at;
  for (const auto& [user_id, entry] : snapshot.users) {
    auto& mine = entries_.users[user_id];
    mine.first = std::max(mine.first, entry.first);
    mine.second = std::max(mine.second, entry.second);
  }
}

void RevocationList::forget_expired(int64_t now) {
  std::unique_lock lock(mutex_);
  for (auto it = entries_.tokens.begin(); it != entries_.tokens.end();)
    it = it->second <= now ? entries_.tokens.erase(it) : std::next(it);
  for (auto it = entries_.users.begin(); it != entries_.users.end();)
    it = it->second.second <= now ? entries_.users.erase(it) : std::next(it);
}

size_t RevocationList::size() const {
  std::shared_lock lock(mutex_);
  return entries_.tokens.size() + entries_.users.size();
}

}  // namespace stratus::auth
