#include "services/dashboard/app/sessions.h"

#include "common/rpc/authenticator.h"

namespace stratus::dashboard {

namespace v1 = cloud::identity::v1;

void IdentitySessions::prepare(grpc::ClientContext& context, const std::string& token) const {
  context.set_deadline(std::chrono::system_clock::now() + deadline_);
  if (!token.empty()) rpc::attach_token(context, token);
}

grpc::Status IdentitySessions::log_in(const std::string& username, const std::string& password,
                                      const std::string& project, v1::Token* token) {
  v1::AuthenticateRequest request;
  request.mutable_password()->set_username(username);
  request.mutable_password()->set_password(password);
  request.set_project(project);
  grpc::ClientContext context;
  prepare(context, "");
  return identity_.Authenticate(&context, request, token);
}

grpc::Status IdentitySessions::switch_project(const std::string& token, const std::string& project,
                                              v1::Token* scoped) {
  v1::AuthenticateRequest request;
  request.set_token(token);
  request.set_project(project);
  grpc::ClientContext context;
  prepare(context, "");
  return identity_.Authenticate(&context, request, scoped);
}

grpc::Status IdentitySessions::validate(const std::string& token, v1::TokenInfo* info) {
  v1::ValidateTokenRequest request;
  request.set_token(token);
  grpc::ClientContext context;
  prepare(context, token);  // a user may check their own token
  return identity_.ValidateToken(&context, request, info);
}

grpc::Status IdentitySessions::log_out(const std::string& token) {
  v1::RevokeTokenRequest request;
  request.set_token(token);
  grpc::ClientContext context;
  prepare(context, token);
  v1::Empty empty;
  return identity_.RevokeToken(&context, request, &empty);
}

}  // namespace stratus::dashboard
