#include "tests/network/network_test_support.h"

#include <random>
#include <stdexcept>

namespace stratus::network_test {
namespace idv1 = cloud::identity::v1;

namespace {

const std::string kAdminPassword = "Bootstrap-Admin-Pw-7";
const std::string kTenantPassword = "Tenant-Password-93q";

template <typename Request, typename Response>
Response identity_call(idv1::Identity::Stub& stub,
                       grpc::Status (idv1::Identity::Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                       const Request& request, const std::string& token, const std::string& what) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  Response response;
  auto status = (stub.*method)(&context, request, &response);
  if (!status.ok()) throw std::runtime_error(what + " failed: " + status.error_message());
  return response;
}

}  // namespace

std::string unique(const std::string& name) {
  static std::mt19937 random{std::random_device{}()};
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  std::string suffix;
  for (int i = 0; i < 6; ++i) suffix += "abcdefghijklmnopqrstuvwxyz0123456789"[random() % 36];
  return name + "-" + suffix;
}

Cloud& Cloud::instance() {
  static Cloud cloud;
  return cloud;
}

Cloud::Cloud() {
  test_support::ServiceOptions identity_options;
  identity_options.binary = STRATUS_IDENTITY_BIN;
  identity_options.db_url = identity_db_.url();
  identity_options.env["STRATUS_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD"] = kAdminPassword;
  identity_ = std::make_unique<test_support::ServiceProcess>(identity_options);

  test_support::ServiceOptions network_options;
  network_options.binary = STRATUS_NETWORK_BIN;
  network_options.db_url = network_db_.url();
  network_options.env["STRATUS_IDENTITY_URL"] = identity_->address();
  network_options.env["STRATUS_IDENTITY_SERVICE_USER"] = "admin";
  network_options.env["STRATUS_IDENTITY_SERVICE_PASSWORD"] = kAdminPassword;
  network_options.env["STRATUS_IDENTITY_SERVICE_PROJECT"] = "admin";
  network_options.env["STRATUS_NETWORK_QUOTA_PORTS"] = "40";
  network_ = std::make_unique<test_support::ServiceProcess>(network_options);

  identity_stub_ = idv1::Identity::NewStub(grpc::CreateChannel(identity_->address(), grpc::InsecureChannelCredentials()));
  admin_token_ = login("admin", kAdminPassword, "admin");
  admin_ = std::make_unique<NetworkClient>(
      grpc::CreateChannel(network_->address(), grpc::InsecureChannelCredentials()), admin_token_);
}

std::string Cloud::login(const std::string& user, const std::string& password, const std::string& project) {
  idv1::AuthenticateRequest request;
  request.mutable_password()->set_username(user);
  request.mutable_password()->set_password(password);
  request.set_project(project);
  return identity_call(*identity_stub_, &idv1::Identity::Stub::Authenticate, request, "", "login").token();
}

Tenant Cloud::tenant(const std::string& name) {
  std::string project_name = unique(name);
  idv1::CreateProjectRequest project;
  project.set_name(project_name);
  auto created = identity_call(*identity_stub_, &idv1::Identity::Stub::CreateProject, project, admin_token_,
                               "create project");
  idv1::CreateUserRequest user;
  user.set_name(project_name + "-user");
  user.set_password(kTenantPassword);
  identity_call(*identity_stub_, &idv1::Identity::Stub::CreateUser, user, admin_token_, "create user");
  idv1::RoleRequest role;
  role.set_user(user.name());
  role.set_project(project_name);
  role.set_role("member");
  identity_call(*identity_stub_, &idv1::Identity::Stub::AddRole, role, admin_token_, "add role");
  std::string token = login(user.name(), kTenantPassword, project_name);
  return Tenant{created.id(),
                NetworkClient(grpc::CreateChannel(network_->address(), grpc::InsecureChannelCredentials()), token)};
}

Reply<v1::NetworkInfo> NetworkClient::create_network(const std::string& name, bool external, bool shared) const {
  v1::CreateNetworkRequest request;
  request.set_name(name);
  request.set_external(external);
  request.set_shared(shared);
  return call(&Stub::CreateNetwork, request);
}

Reply<v1::Subnet> NetworkClient::create_subnet(const std::string& name, const std::string& network,
                                               const std::string& cidr) const {
  v1::CreateSubnetRequest request;
  request.set_name(name);
  request.set_network(network);
  request.set_cidr(cidr);
  return call(&Stub::CreateSubnet, request);
}

Reply<v1::Port> NetworkClient::create_port(const std::string& network, const std::string& name) const {
  v1::CreatePortRequest request;
  request.set_network(network);
  request.set_name(name);
  return call(&Stub::CreatePort, request);
}

Reply<v1::SecurityGroup> NetworkClient::get_group(const std::string& group) const {
  v1::GetSecurityGroupRequest request;
  request.set_security_group(group);
  return call(&Stub::GetSecurityGroup, request);
}

}  // namespace stratus::network_test
