#pragma once
// The signing keys this process holds: the active one signs, all published ones verify.
// Reloaded from the database periodically and after a rotation, so replicas converge.
#include <mutex>
#include <vector>

#include "common/auth/token.h"
#include "services/identity/store/identity_store.h"

namespace stratus::identity {

class KeyRing {
 public:
  explicit KeyRing(auth::TokenVerifier& verifier) : verifier_(verifier) {}

  // Installs the keys of `rows` (the active one has retired_at == 0).
  void load(const std::vector<SigningKeyRow>& rows);
  // Throws stratus::Error(Unavailable) before the first load.
  auth::SigningKey active() const;
  std::vector<SigningKeyRow> published() const;  // public parts only

 private:
  auth::TokenVerifier& verifier_;
  mutable std::mutex mutex_;
  auth::SigningKey active_;
  std::vector<SigningKeyRow> published_;
};

}  // namespace stratus::identity
