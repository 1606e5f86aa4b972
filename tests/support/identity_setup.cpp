#include "tests/support/identity_setup.h"

#include <mutex>
#include <random>
#include <stdexcept>

#include "tests/support/reply.h"

namespace stratus::test_support {
namespace idv1 = cloud::identity::v1;

namespace {

template <typename Request, typename Response>
Response identity_call(idv1::Identity::Stub& stub,
                       grpc::Status (idv1::Identity::Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                       const Request& request, const std::string& token, const std::string& what) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  Response response;
  auto status = (stub.*method)(&context, request, &response);
  if (!status.ok()) throw std::runtime_error(what + " failed: " + describe(status));
  return response;
}

}  // namespace

ServiceOptions identity_service_options(const std::string& identity_binary, const std::string& db_url) {
  ServiceOptions options;
  options.binary = identity_binary;
  options.db_url = db_url;
  options.env["STRATUS_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD"] = kBootstrapAdminPassword;
  return options;
}

void use_admin_as_service_user(ServiceOptions& options, const std::string& identity_address) {
  options.env["STRATUS_IDENTITY_URL"] = identity_address;
  options.env["STRATUS_IDENTITY_SERVICE_USER"] = "admin";
  options.env["STRATUS_IDENTITY_SERVICE_PASSWORD"] = kBootstrapAdminPassword;
  options.env["STRATUS_IDENTITY_SERVICE_PROJECT"] = "admin";
}

std::string unique_name(const std::string& name) {
  static std::mt19937 random{std::random_device{}()};
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  std::string suffix;
  for (int i = 0; i < 6; ++i) suffix += "abcdefghijklmnopqrstuvwxyz0123456789"[random() % 36];
  return name + "-" + suffix;
}

IdentitySetup::IdentitySetup(const std::string& identity_address)
    : stub_(idv1::Identity::NewStub(grpc::CreateChannel(identity_address, grpc::InsecureChannelCredentials()))) {
  idv1::AuthenticateRequest request;
  request.mutable_password()->set_username("admin");
  request.mutable_password()->set_password(kBootstrapAdminPassword);
  request.set_project("admin");
  auto token = identity_call(*stub_, &idv1::Identity::Stub::Authenticate, request, "", "login of admin");
  admin_token_ = token.token();
  admin_project_id_ = token.info().project_id();
}

std::string IdentitySetup::login(const std::string& user, const std::string& password,
                                 const std::string& project) const {
  idv1::AuthenticateRequest request;
  request.mutable_password()->set_username(user);
  request.mutable_password()->set_password(password);
  request.set_project(project);
  return identity_call(*stub_, &idv1::Identity::Stub::Authenticate, request, "", "login of " + user).token();
}

IdentitySetup::Member IdentitySetup::create_member(const std::string& project_name, const std::string& role) const {
  idv1::CreateProjectRequest project;
  project.set_name(project_name);
  auto created =
      identity_call(*stub_, &idv1::Identity::Stub::CreateProject, project, admin_token_, "create project");
  idv1::CreateUserRequest user;
  user.set_name(project_name + "-user");
  user.set_password(kMemberPassword);
  identity_call(*stub_, &idv1::Identity::Stub::CreateUser, user, admin_token_, "create user");
  idv1::RoleRequest grant;
  grant.set_user(user.name());
  grant.set_project(project_name);
  grant.set_role(role);
  identity_call(*stub_, &idv1::Identity::Stub::AddRole, grant, admin_token_, "grant " + role);
  return Member{created.id(), project_name, user.name(), login(user.name(), kMemberPassword, project_name)};
}

IdentitySetup::Member IdentitySetup::create_machine_user(const std::string& user_name, const std::string& role,
                                                        const std::string& project, const std::string& password,
                                                        const std::string& host) const {
  idv1::CreateProjectRequest create_project;
  create_project.set_name(project);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + admin_token_);
  idv1::Project made;
  auto status = stub_->CreateProject(&context, create_project, &made);  // ALREADY_EXISTS is fine
  if (!status.ok() && status.error_code() != grpc::StatusCode::ALREADY_EXISTS)
    throw std::runtime_error("create project failed: " + describe(status));
  idv1::CreateUserRequest user;
  user.set_name(user_name);
  user.set_password(password);
  user.set_host(host);
  identity_call(*stub_, &idv1::Identity::Stub::CreateUser, user, admin_token_, "create user " + user_name);
  idv1::RoleRequest grant;
  grant.set_user(user_name);
  grant.set_project(project);
  grant.set_role(role);
  identity_call(*stub_, &idv1::Identity::Stub::AddRole, grant, admin_token_, "grant " + role);
  idv1::AuthenticateRequest login_request;
  login_request.mutable_password()->set_username(user_name);
  login_request.mutable_password()->set_password(password);
  login_request.set_project(project);
  auto token = identity_call(*stub_, &idv1::Identity::Stub::Authenticate, login_request, "", "login of " + user_name);
  return Member{token.info().project_id(), project, user_name, token.token()};
}

}  // namespace stratus::test_support
