#include "services/identity/domain/key_ring.h"

#include "common/error/error.h"

namespace stratus::identity {

void KeyRing::load(const std::vector<SigningKeyRow>& rows) {
  std::map<std::string, std::string> public_keys;
  std::vector<SigningKeyRow> published;
  auth::SigningKey active;
  for (const auto& row : rows) {
    public_keys[row.id] = row.public_key;
    published.push_back({row.id, row.public_key, "", row.created_at, row.retired_at});
    if (row.retired_at == 0) active = {row.id, row.public_key, row.secret_key};
  }
  verifier_.set_public_keys(std::move(public_keys));
  std::lock_guard<std::mutex> lock(mutex_);
  if (!active.key_id.empty()) active_ = std::move(active);
  published_ = std::move(published);
}

auth::SigningKey KeyRing::active() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (active_.key_id.empty()) throw unavailable("identity has no signing key yet");
  return active_;
}

std::vector<SigningKeyRow> KeyRing::published() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return published_;
}

}  // namespace stratus::identity
