#include "tests/identity/identity_test_support.h"

#include <cstdlib>

#include "common/rpc/status.h"

namespace stratus::identity_test {

IdentityClient::IdentityClient(const std::string& address)
    : stub_(v1::Identity::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))) {}

IdentityClient IdentityClient::with_authorization(const std::string& value) const {
  IdentityClient other = *this;
  other.authorization_ = value;
  return other;
}

Reply<v1::Token> IdentityClient::login(const std::string& user, const std::string& password,
                                       const std::string& project) const {
  v1::AuthenticateRequest request;
  request.mutable_password()->set_username(user);
  request.mutable_password()->set_password(password);
  request.set_project(project);
  return call(&Stub::Authenticate, request);
}

Reply<v1::Token> IdentityClient::renew(const std::string& token, const std::string& project) const {
  v1::AuthenticateRequest request;
  request.set_token(token);
  request.set_project(project);
  return call(&Stub::Authenticate, request);
}

Reply<v1::TokenInfo> IdentityClient::validate(const std::string& token) const {
  v1::ValidateTokenRequest request;
  request.set_token(token);
  return call(&Stub::ValidateToken, request);
}

Reply<v1::Project> IdentityClient::create_project(const std::string& name) const {
  v1::CreateProjectRequest request;
  request.set_name(name);
  return call(&Stub::CreateProject, request);
}

Reply<v1::User> IdentityClient::create_user(const std::string& name, const std::string& password) const {
  v1::CreateUserRequest request;
  request.set_name(name);
  request.set_password(password);
  return call(&Stub::CreateUser, request);
}

Reply<v1::RoleAssignment> IdentityClient::add_role(const std::string& user, const std::string& project,
                                                   const std::string& role) const {
  v1::RoleRequest request;
  request.set_user(user);
  request.set_project(project);
  request.set_role(role);
  return call(&Stub::AddRole, request);
}

Reply<v1::ListProjectsResponse> IdentityClient::list_projects() const {
  return call(&Stub::ListProjects, v1::ListProjectsRequest());
}

Reply<v1::ListUsersResponse> IdentityClient::list_users() const {
  return call(&Stub::ListUsers, v1::ListUsersRequest());
}

test_support::ServiceOptions identity_options(const TestDatabase& database,
                                              const std::map<std::string, std::string>& extra) {
  test_support::ServiceOptions options;
  // STRATUS_TEST_IDENTITY_BIN runs the tests against another build (e.g. an installed one).
  const char* binary = std::getenv("STRATUS_TEST_IDENTITY_BIN");
  options.binary = binary && *binary ? binary : STRATUS_IDENTITY_BIN;
  options.db_url = database.url();
  options.env["STRATUS_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD"] = kAdminPassword;
  // Debug level: the no-secrets-in-logs check then covers everything the service can say.
  options.env["STRATUS_LOG_LEVEL"] = "debug";
  for (const auto& [name, value] : extra) options.env[name] = value;
  return options;
}

std::unique_ptr<ServiceProcess> start_identity(const TestDatabase& database,
                                               const std::map<std::string, std::string>& extra) {
  return std::make_unique<ServiceProcess>(identity_options(database, extra));
}

IdentityService::IdentityService(const std::map<std::string, std::string>& extra_env)
    : process(start_identity(database, extra_env)),
      anonymous(process->address()),
      admin_token(must(anonymous.login(kAdminName, kAdminPassword), "bootstrap admin login").token()),
      admin(anonymous.with_token(admin_token)) {}

v1::User create_user_with_role(const IdentityClient& admin, const std::string& name, const std::string& password,
                               const std::string& project, const std::string& role) {
  v1::User user = must(admin.create_user(name, password), "creating user " + name);
  must(admin.add_role(name, project, role), "granting " + role + " on " + project + " to " + name);
  return user;
}

IdentityClient logged_in(const IdentityClient& any, const std::string& user, const std::string& password,
                         const std::string& project) {
  return any.with_token(must(any.login(user, password, project), "login of " + user).token());
}

std::vector<std::string> token_parts(const std::string& token) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot; (dot = token.find('.', start)) != std::string::npos; start = dot + 1)
    parts.push_back(token.substr(start, dot - start));
  parts.push_back(token.substr(start));
  return parts;
}

std::string key_id_of(const std::string& token) {
  auto parts = token_parts(token);
  return parts.size() > 1 ? parts[1] : "";
}

std::string bytes_from_hex(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return bytes;
}

std::vector<std::string> project_names(const v1::ListProjectsResponse& projects) {
  std::vector<std::string> names;
  for (const auto& p : projects.projects()) names.push_back(p.name());
  return names;
}

std::vector<std::string> user_names(const v1::ListUsersResponse& users) {
  std::vector<std::string> names;
  for (const auto& u : users.users()) names.push_back(u.name());
  return names;
}

}  // namespace stratus::identity_test

std::string Catch::StringMaker<grpc::StatusCode>::convert(grpc::StatusCode code) {
  return stratus::rpc::grpc_code_name(code);
}
