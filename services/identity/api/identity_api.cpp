#include "services/identity/api/identity_api.h"

#include "common/rpc/status.h"

namespace stratus::identity {
namespace {

void set_time(google::protobuf::Timestamp* t, int64_t unix_seconds) { t->set_seconds(unix_seconds); }

void to_proto(const auth::TokenClaims& c, v1::TokenInfo* out) {
  out->set_token_id(c.token_id);
  out->set_user_id(c.user_id);
  out->set_user_name(c.user_name);
  out->set_project_id(c.project_id);
  out->set_project_name(c.project_name);
  for (const auto& r : c.roles) out->add_roles(r);
  out->set_host(c.host);
  out->mutable_issued_at()->set_seconds(c.issued_at_ms / 1000);
  out->mutable_issued_at()->set_nanos(static_cast<int32_t>(c.issued_at_ms % 1000) * 1000000);
  set_time(out->mutable_expires_at(), c.expires_at);
}

void to_proto(const ProjectRow& p, v1::Project* out) {
  out->set_id(p.id);
  out->set_name(p.name);
  out->set_description(p.description);
  out->set_enabled(p.enabled);
  set_time(out->mutable_created_at(), p.created_at);
}

void to_proto(const UserRow& u, v1::User* out) {
  out->set_id(u.id);
  out->set_name(u.name);
  out->set_email(u.email);
  out->set_enabled(u.enabled);
  set_time(out->mutable_created_at(), u.created_at);
  out->set_host(u.host);
}

void to_proto(const RoleAssignmentRow& a, v1::RoleAssignment* out) {
  out->set_user_id(a.user_id);
  out->set_user_name(a.user_name);
  out->set_project_id(a.project_id);
  out->set_project_name(a.project_name);
  out->set_role(a.role);
}

void to_proto(const AccessKeyRow& k, v1::AccessKey* out) {
  out->set_access_key_id(k.id);
  out->set_user_id(k.user_id);
  out->set_project_id(k.project_id);
  set_time(out->mutable_created_at(), k.created_at);
}

void to_proto(const SigningKeyRow& k, v1::SigningKey* out) {
  out->set_key_id(k.id);
  out->set_public_key(k.public_key);
  set_time(out->mutable_created_at(), k.created_at);
  out->set_active(k.retired_at == 0);
}

void to_proto(const EndpointRow& e, v1::Endpoint* out) {
  out->set_service(e.service);
  out->set_url(e.url);
  out->set_region(e.region);
  set_time(out->mutable_updated_at(), e.updated_at);
}

void to_proto(const IssuedToken& t, v1::Token* out) {
  out->set_token(t.token);
  to_proto(t.claims, out->mutable_info());
}

}  // namespace

// ---- tokens ----
grpc::Status IdentityApi::Authenticate(grpc::ServerContext*, const v1::AuthenticateRequest* req, v1::Token* resp) {
  return rpc::serve(logger_, "Authenticate", [&] {
    switch (req->method_case()) {
      case v1::AuthenticateRequest::kPassword:
        to_proto(identity_.authenticate_password(req->password().username(), req->password().password(),
                                                 req->project()),
                 resp);
        return;
      case v1::AuthenticateRequest::kAccessKey:
        to_proto(identity_.authenticate_access_key(req->access_key().access_key_id(), req->access_key().secret(),
                                                   req->project()),
                 resp);
        return;
      case v1::AuthenticateRequest::kToken:
        to_proto(identity_.authenticate_token(auth_.verify(req->token()), req->project()), resp);
        return;
      default:
        throw invalid_argument("authenticate with a password, an access key or a token");
    }
  });
}

grpc::Status IdentityApi::ValidateToken(grpc::ServerContext* ctx, const v1::ValidateTokenRequest* req,
                                        v1::TokenInfo* resp) {
  return rpc::serve(logger_, "ValidateToken", [&] {
    auto caller = auth_.authenticate(*ctx);
    auto claims = auth_.verify(req->token());
    // Anyone may check their own token; someone else's only the cloud's services and admins.
    if (claims.token_id != caller.claims.token_id) auth::require_service(caller, "validating another token");
    to_proto(claims, resp);
  });
}

grpc::Status IdentityApi::RevokeToken(grpc::ServerContext* ctx, const v1::RevokeTokenRequest* req, v1::Empty*) {
  return rpc::serve(logger_, "RevokeToken", [&] {
    auto caller = auth_.authenticate(*ctx);
    auth::TokenClaims target;
    try {
      target = auth_.verify_signature(req->token());  // expired or already revoked is fine
    } catch (const Error& e) {
      throw invalid_argument(std::string("the token to revoke is not valid: ") + e.what());
    }
    identity_.revoke_token(caller, target);
  });
}

grpc::Status IdentityApi::ListSigningKeys(grpc::ServerContext*, const v1::ListSigningKeysRequest*,
                                          v1::ListSigningKeysResponse* resp) {
  return rpc::serve(logger_, "ListSigningKeys", [&] {
    for (const auto& k : identity_.published_signing_keys()) to_proto(k, resp->add_keys());
  });
}

grpc::Status IdentityApi::RotateSigningKey(grpc::ServerContext* ctx, const v1::RotateSigningKeyRequest*,
                                           v1::SigningKey* resp) {
  return rpc::serve(logger_, "RotateSigningKey",
                    [&] { to_proto(identity_.rotate_signing_key(auth_.authenticate(*ctx)), resp); });
}

grpc::Status IdentityApi::ListRevocations(grpc::ServerContext* ctx, const v1::ListRevocationsRequest*,
                                          v1::ListRevocationsResponse* resp) {
  return rpc::serve(logger_, "ListRevocations", [&] {
    for (const auto& r : identity_.revocations(auth_.authenticate(*ctx)))
      *resp->add_revocations() = revocation_to_proto(r);
  });
}

// ---- projects ----
grpc::Status IdentityApi::CreateProject(grpc::ServerContext* ctx, const v1::CreateProjectRequest* req,
                                        v1::Project* resp) {
  return rpc::serve(logger_, "CreateProject", [&] {
    to_proto(identity_.create_project(auth_.authenticate(*ctx), req->name(), req->description()), resp);
  });
}

grpc::Status IdentityApi::GetProject(grpc::ServerContext* ctx, const v1::GetProjectRequest* req, v1::Project* resp) {
  return rpc::serve(logger_, "GetProject",
                    [&] { to_proto(identity_.get_project(auth_.authenticate(*ctx), req->project()), resp); });
}

grpc::Status IdentityApi::ListProjects(grpc::ServerContext* ctx, const v1::ListProjectsRequest*,
                                       v1::ListProjectsResponse* resp) {
  return rpc::serve(logger_, "ListProjects", [&] {
    for (const auto& p : identity_.list_projects(auth_.authenticate(*ctx))) to_proto(p, resp->add_projects());
  });
}

grpc::Status IdentityApi::DeleteProject(grpc::ServerContext* ctx, const v1::DeleteProjectRequest* req, v1::Empty*) {
  return rpc::serve(logger_, "DeleteProject",
                    [&] { identity_.delete_project(auth_.authenticate(*ctx), req->project()); });
}

// ---- users ----
grpc::Status IdentityApi::CreateUser(grpc::ServerContext* ctx, const v1::CreateUserRequest* req, v1::User* resp) {
  return rpc::serve(logger_, "CreateUser", [&] {
    to_proto(identity_.create_user(auth_.authenticate(*ctx), req->name(), req->password(), req->email(), req->host()),
             resp);
  });
}

grpc::Status IdentityApi::GetUser(grpc::ServerContext* ctx, const v1::GetUserRequest* req, v1::User* resp) {
  return rpc::serve(logger_, "GetUser",
                    [&] { to_proto(identity_.get_user(auth_.authenticate(*ctx), req->user()), resp); });
}

grpc::Status IdentityApi::ListUsers(grpc::ServerContext* ctx, const v1::ListUsersRequest*,
                                    v1::ListUsersResponse* resp) {
  return rpc::serve(logger_, "ListUsers", [&] {
    for (const auto& u : identity_.list_users(auth_.authenticate(*ctx))) to_proto(u, resp->add_users());
  });
}

grpc::Status IdentityApi::UpdateUser(grpc::ServerContext* ctx, const v1::UpdateUserRequest* req, v1::User* resp) {
  return rpc::serve(logger_, "UpdateUser", [&] {
    UserChanges changes;
    if (req->has_name()) changes.name = req->name();
    if (req->has_email()) changes.email = req->email();
    if (req->has_enabled()) changes.enabled = req->enabled();
    to_proto(identity_.update_user(auth_.authenticate(*ctx), req->user(), changes), resp);
  });
}

grpc::Status IdentityApi::DeleteUser(grpc::ServerContext* ctx, const v1::DeleteUserRequest* req, v1::Empty*) {
  return rpc::serve(logger_, "DeleteUser", [&] { identity_.delete_user(auth_.authenticate(*ctx), req->user()); });
}

grpc::Status IdentityApi::SetPassword(grpc::ServerContext* ctx, const v1::SetPasswordRequest* req, v1::Empty*) {
  return rpc::serve(logger_, "SetPassword", [&] {
    identity_.set_password(auth_.authenticate(*ctx), req->user(), req->new_password(), req->current_password());
  });
}

// ---- roles ----
grpc::Status IdentityApi::AddRole(grpc::ServerContext* ctx, const v1::RoleRequest* req, v1::RoleAssignment* resp) {
  return rpc::serve(logger_, "AddRole", [&] {
    to_proto(identity_.add_role(auth_.authenticate(*ctx), req->user(), req->project(), req->role()), resp);
  });
}

grpc::Status IdentityApi::RemoveRole(grpc::ServerContext* ctx, const v1::RoleRequest* req, v1::Empty*) {
  return rpc::serve(logger_, "RemoveRole", [&] {
    identity_.remove_role(auth_.authenticate(*ctx), req->user(), req->project(), req->role());
  });
}

grpc::Status IdentityApi::ListRoleAssignments(grpc::ServerContext* ctx, const v1::ListRoleAssignmentsRequest* req,
                                              v1::ListRoleAssignmentsResponse* resp) {
  return rpc::serve(logger_, "ListRoleAssignments", [&] {
    for (const auto& a : identity_.list_role_assignments(auth_.authenticate(*ctx), req->user(), req->project()))
      to_proto(a, resp->add_assignments());
  });
}

// ---- access keys ----
grpc::Status IdentityApi::CreateAccessKey(grpc::ServerContext* ctx, const v1::CreateAccessKeyRequest*,
                                          v1::CreatedAccessKey* resp) {
  return rpc::serve(logger_, "CreateAccessKey", [&] {
    auto created = identity_.create_access_key(auth_.authenticate(*ctx));
    to_proto(created.key, resp->mutable_key());
    resp->set_secret(created.secret);
  });
}

grpc::Status IdentityApi::ListAccessKeys(grpc::ServerContext* ctx, const v1::ListAccessKeysRequest*,
                                         v1::ListAccessKeysResponse* resp) {
  return rpc::serve(logger_, "ListAccessKeys", [&] {
    for (const auto& k : identity_.list_access_keys(auth_.authenticate(*ctx))) to_proto(k, resp->add_keys());
  });
}

grpc::Status IdentityApi::DeleteAccessKey(grpc::ServerContext* ctx, const v1::DeleteAccessKeyRequest* req,
                                          v1::Empty*) {
  return rpc::serve(logger_, "DeleteAccessKey",
                    [&] { identity_.delete_access_key(auth_.authenticate(*ctx), req->access_key_id()); });
}

grpc::Status IdentityApi::VerifySignature(grpc::ServerContext* ctx, const v1::VerifySignatureRequest* req,
                                          v1::VerifySignatureResponse* resp) {
  return rpc::serve(logger_, "VerifySignature", [&] {
    auto caller = auth_.authenticate(*ctx);
    // Bounds, so that a request cannot make identity hash megabytes: a front never needs more.
    constexpr size_t kMaxPart = 16 * 1024;
    if (req->path().size() > kMaxPart || req->query().size() > kMaxPart || req->headers_size() > 64 ||
        req->signed_headers_size() > 64)
      throw invalid_argument("the signed request is too large to verify");
    sigv4::SignedRequest signed_request;
    signed_request.method = req->method();
    signed_request.path = req->path();
    signed_request.query = req->query();
    for (const auto& h : req->headers()) {
      if (h.name().size() > 256 || h.value().size() > kMaxPart) throw invalid_argument("a signed header is too large");
      signed_request.headers.emplace_back(h.name(), h.value());
    }
    signed_request.signed_headers.assign(req->signed_headers().begin(), req->signed_headers().end());
    signed_request.payload_sha256 = req->payload_sha256();
    signed_request.amz_date = req->amz_date();
    auto scope = sigv4::parse_credential_scope(req->credential_scope());
    if (!scope) {
      resp->set_refusal(v1::VerifySignatureResponse::REFUSAL_MALFORMED);
      resp->set_message("the credential scope must be <date>/<region>/<service>/aws4_request");
      return;
    }
    signed_request.scope = *scope;
    auto check = identity_.verify_signature(caller, req->access_key_id(), signed_request, req->signature(),
                                            auth::unix_now());
    using Refusal = SignatureCheck::Refusal;
    switch (check.refusal) {
      case Refusal::None: resp->set_refusal(v1::VerifySignatureResponse::REFUSAL_NONE); break;
      case Refusal::UnknownKey: resp->set_refusal(v1::VerifySignatureResponse::REFUSAL_UNKNOWN_KEY); break;
      case Refusal::Malformed: resp->set_refusal(v1::VerifySignatureResponse::REFUSAL_MALFORMED); break;
      case Refusal::Expired: resp->set_refusal(v1::VerifySignatureResponse::REFUSAL_EXPIRED); break;
      case Refusal::SignatureMismatch: resp->set_refusal(v1::VerifySignatureResponse::REFUSAL_SIGNATURE_MISMATCH); break;
    }
    resp->set_message(check.message);
    if (check.token) to_proto(*check.token, resp->mutable_token());
  });
}

// ---- catalog ----
grpc::Status IdentityApi::RegisterEndpoint(grpc::ServerContext* ctx, const v1::RegisterEndpointRequest* req,
                                           v1::Endpoint* resp) {
  return rpc::serve(logger_, "RegisterEndpoint", [&] {
    to_proto(identity_.register_endpoint(auth_.authenticate(*ctx), req->service(), req->url(), req->region()), resp);
  });
}

grpc::Status IdentityApi::ListEndpoints(grpc::ServerContext* ctx, const v1::ListEndpointsRequest*,
                                        v1::ListEndpointsResponse* resp) {
  return rpc::serve(logger_, "ListEndpoints", [&] {
    auth_.authenticate(*ctx);
    for (const auto& e : identity_.list_endpoints()) to_proto(e, resp->add_endpoints());
  });
}

}  // namespace stratus::identity
