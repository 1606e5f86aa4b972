#include "tests/network/network_test_support.h"

#include <random>
#include <stdexcept>

namespace stratus::network_test {

std::string unique(const std::string& name) { return test_support::unique_name(name); }

Cloud& Cloud::instance() {
  static Cloud cloud;
  return cloud;
}

Cloud::Cloud() {
  identity_ = std::make_unique<test_support::ServiceProcess>(
      test_support::identity_service_options(STRATUS_IDENTITY_BIN, identity_db_.url()));

  test_support::ServiceOptions network_options;
  network_options.binary = STRATUS_NETWORK_BIN;
  network_options.db_url = network_db_.url();
  test_support::use_admin_as_service_user(network_options, identity_->address());
  network_options.env["STRATUS_NETWORK_QUOTA_PORTS"] = "40";
  network_ = std::make_unique<test_support::ServiceProcess>(network_options);

  identity_setup_ = std::make_unique<test_support::IdentitySetup>(identity_->address());
  admin_ = std::make_unique<NetworkClient>(
      grpc::CreateChannel(network_->address(), grpc::InsecureChannelCredentials()), identity_setup_->admin_token());
}

Tenant Cloud::tenant(const std::string& name) {
  auto member = identity_setup_->create_member(unique(name));
  return Tenant{member.project_id,
                NetworkClient(grpc::CreateChannel(network_->address(), grpc::InsecureChannelCredentials()),
                              member.token),
                member.user_name, member.project_name};
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
