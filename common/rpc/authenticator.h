#pragma once
// Turns a request's `authorization: Bearer <token>` metadata into a verified Caller, locally:
// signature and expiry by TokenVerifier, then the RevocationList. Every authenticated handler
// starts with `auto caller = auth_.authenticate(*context);`.
#include <grpcpp/grpcpp.h>

#include "common/auth/policy.h"
#include "common/auth/revocations.h"
#include "common/auth/token.h"

namespace stratus::rpc {

class Authenticator {
 public:
  Authenticator(const auth::TokenVerifier& verifier, const auth::RevocationList& revocations)
      : verifier_(verifier), revocations_(revocations) {}

  // Throws stratus::Error(Unauthenticated) when the token is missing, invalid, expired or revoked.
  auth::Caller authenticate(const grpc::ServerContext& context) const;
  // The same checks for a token passed in a request body (validation, renewal).
  auth::TokenClaims verify(const std::string& token) const;
  // Signature only (expired and revoked tokens pass): to name a token to revoke.
  auth::TokenClaims verify_signature(const std::string& token) const { return verifier_.verify_signature(token); }

 private:
  const auth::TokenVerifier& verifier_;
  const auth::RevocationList& revocations_;
};

// The token of a request's `authorization: Bearer <token>` metadata (UNAUTHENTICATED when
// there is none), for a service that calls its peers as the user.
std::string bearer_token(const grpc::ServerContext& context);

// Adds `authorization: Bearer <token>` to an outgoing call.
void attach_token(grpc::ClientContext& context, const std::string& token);

}  // namespace stratus::rpc
