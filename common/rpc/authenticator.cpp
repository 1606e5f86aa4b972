#include "common/rpc/authenticator.h"

#include "common/error/error.h"

namespace stratus::rpc {

auth::TokenClaims Authenticator::verify(const std::string& token) const {
  auto claims = verifier_.verify(token, auth::unix_now());
  if (revocations_.is_revoked(claims)) throw unauthenticated("token has been revoked; log in again");
  return claims;
}

std::string bearer_token(const grpc::ServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) throw unauthenticated("this call needs a token: send 'authorization: Bearer <token>'");
  std::string_view value(it->second.data(), it->second.size());
  constexpr std::string_view kBearer = "Bearer ";
  if (value.substr(0, kBearer.size()) != kBearer)
    throw unauthenticated("authorization metadata must be 'Bearer <token>'");
  return std::string(value.substr(kBearer.size()));
}

auth::Caller Authenticator::authenticate(const grpc::ServerContext& context) const {
  return auth::Caller{verify(bearer_token(context))};
}

void attach_token(grpc::ClientContext& context, const std::string& token) {
  context.AddMetadata("authorization", "Bearer " + token);
}

}  // namespace stratus::rpc
