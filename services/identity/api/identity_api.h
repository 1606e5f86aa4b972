#pragma once
// gRPC handlers for cloud.identity.v1.Identity: authenticate the caller, translate the
// request, call the domain, translate the answer. No logic of their own.
#include "common/log/log.h"
#include "common/rpc/authenticator.h"
#include "identity/v1/identity.grpc.pb.h"
#include "services/identity/domain/identity.h"

namespace stratus::identity {

namespace v1 = cloud::identity::v1;

class IdentityApi final : public v1::Identity::Service {
 public:
  IdentityApi(Identity& identity, const rpc::Authenticator& auth, log::Logger logger)
      : identity_(identity), auth_(auth), logger_(std::move(logger)) {}

  grpc::Status Authenticate(grpc::ServerContext*, const v1::AuthenticateRequest*, v1::Token*) override;
  grpc::Status ValidateToken(grpc::ServerContext*, const v1::ValidateTokenRequest*, v1::TokenInfo*) override;
  grpc::Status RevokeToken(grpc::ServerContext*, const v1::RevokeTokenRequest*, v1::Empty*) override;
  grpc::Status ListSigningKeys(grpc::ServerContext*, const v1::ListSigningKeysRequest*,
                               v1::ListSigningKeysResponse*) override;
  grpc::Status RotateSigningKey(grpc::ServerContext*, const v1::RotateSigningKeyRequest*, v1::SigningKey*) override;
  grpc::Status ListRevocations(grpc::ServerContext*, const v1::ListRevocationsRequest*,
                               v1::ListRevocationsResponse*) override;

  grpc::Status CreateProject(grpc::ServerContext*, const v1::CreateProjectRequest*, v1::Project*) override;
  grpc::Status GetProject(grpc::ServerContext*, const v1::GetProjectRequest*, v1::Project*) override;
  grpc::Status ListProjects(grpc::ServerContext*, const v1::ListProjectsRequest*, v1::ListProjectsResponse*) override;
  grpc::Status DeleteProject(grpc::ServerContext*, const v1::DeleteProjectRequest*, v1::Empty*) override;

  grpc::Status CreateUser(grpc::ServerContext*, const v1::CreateUserRequest*, v1::User*) override;
  grpc::Status GetUser(grpc::ServerContext*, const v1::GetUserRequest*, v1::User*) override;
  grpc::Status ListUsers(grpc::ServerContext*, const v1::ListUsersRequest*, v1::ListUsersResponse*) override;
  grpc::Status UpdateUser(grpc::ServerContext*, const v1::UpdateUserRequest*, v1::User*) override;
  grpc::Status DeleteUser(grpc::ServerContext*, const v1::DeleteUserRequest*, v1::Empty*) override;
  grpc::Status SetPassword(grpc::ServerContext*, const v1::SetPasswordRequest*, v1::Empty*) override;

  grpc::Status AddRole(grpc::ServerContext*, const v1::RoleRequest*, v1::RoleAssignment*) override;
  grpc::Status RemoveRole(grpc::ServerContext*, const v1::RoleRequest*, v1::Empty*) override;
  grpc::Status ListRoleAssignments(grpc::ServerContext*, const v1::ListRoleAssignmentsRequest*,
                                   v1::ListRoleAssignmentsResponse*) override;

  grpc::Status CreateAccessKey(grpc::ServerContext*, const v1::CreateAccessKeyRequest*,
                               v1::CreatedAccessKey*) override;
  grpc::Status ListAccessKeys(grpc::ServerContext*, const v1::ListAccessKeysRequest*,
                              v1::ListAccessKeysResponse*) override;
  grpc::Status DeleteAccessKey(grpc::ServerContext*, const v1::DeleteAccessKeyRequest*, v1::Empty*) override;
  grpc::Status VerifySignature(grpc::ServerContext*, const v1::VerifySignatureRequest*,
                               v1::VerifySignatureResponse*) override;

  grpc::Status RegisterEndpoint(grpc::ServerContext*, const v1::RegisterEndpointRequest*, v1::Endpoint*) override;
  grpc::Status ListEndpoints(grpc::ServerContext*, const v1::ListEndpointsRequest*,
                             v1::ListEndpointsResponse*) override;

 private:
  Identity& identity_;
  const rpc::Authenticator& auth_;
  log::Logger logger_;
};

}  // namespace stratus::identity
