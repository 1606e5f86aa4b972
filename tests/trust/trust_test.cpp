// The trust boundary between the cloud's own processes, on real stratus-identity and
// stratus-network processes: an agent credential names its host and is refused for anything
// about another host; services act for any project but manage no identities; failed logins
// never lock out a service or agent user; only services bind ports to hosts.
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>

#include "identity/v1/identity.grpc.pb.h"
#include "network/v1/network.grpc.pb.h"
#include "tests/support/identity_setup.h"
#include "tests/support/reply.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"

namespace {

using namespace stratus;
using grpc::StatusCode;
using test_support::must;
using test_support::Reply;
namespace net = cloud::network::v1;
namespace idv1 = cloud::identity::v1;

const std::string kMachinePassword = "Machine-Secret-0123456789abcdef";

// A client of every API the test touches, carrying one token.
class Client {
 public:
  Client(const std::string& identity, const std::string& network, std::string token)
      : identity_(idv1::Identity::NewStub(grpc::CreateChannel(identity, grpc::InsecureChannelCredentials()))),
        network_(net::Network::NewStub(grpc::CreateChannel(network, grpc::InsecureChannelCredentials()))),
        agent_(net::NetworkAgent::NewStub(grpc::CreateChannel(network, grpc::InsecureChannelCredentials()))),
        token_(std::move(token)) {}

  template <typename S, typename Request, typename Response>
  Reply<Response> call(grpc::Status (S::*method)(grpc::ClientContext*, const Request&, Response*),
                       const Request& request) const {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_);
    Reply<Response> reply;
    reply.status = (stub_of<S>().*method)(&context, request, &reply.value);
    return reply;
  }

 private:
  template <typename S>
  S& stub_of() const {
    if constexpr (std::is_same_v<S, idv1::Identity::Stub>) return *identity_;
    else if constexpr (std::is_same_v<S, net::Network::Stub>) return *network_;
    else return *agent_;
  }
  std::unique_ptr<idv1::Identity::Stub> identity_;
  std::unique_ptr<net::Network::Stub> network_;
  std::unique_ptr<net::NetworkAgent::Stub> agent_;
  std::string token_;
};

using Id = idv1::Identity::Stub;
using Net = net::Network::Stub;
using Agent = net::NetworkAgent::Stub;

class Cloud {
 public:
  static Cloud& instance() {
    static Cloud cloud;
    return cloud;
  }
  Cloud() {
    identity_ = std::make_unique<test_support::ServiceProcess>(
        test_support::identity_service_options(STRATUS_IDENTITY_BIN, identity_db_.url()));
    test_support::ServiceOptions options;
    options.binary = STRATUS_NETWORK_BIN;
    options.db_url = network_db_.url();
    test_support::use_admin_as_service_user(options, identity_->address());
    network_ = std::make_unique<test_support::ServiceProcess>(options);
    setup_ = std::make_unique<test_support::IdentitySetup>(identity_->address());
  }
  Client client(const std::string& token) const { return Client(identity_->address(), network_->address(), token); }
  const test_support::IdentitySetup& identity() const { return *setup_; }

 private:
  test_support::TestDatabase identity_db_, network_db_;
  std::unique_ptr<test_support::ServiceProcess> identity_, network_;
  std::unique_ptr<test_support::IdentitySetup> setup_;
};

struct TenantPorts {
  std::string project_id, port_a, port_b;  // port_a bound to host-a, port_b to host-b
};

// A tenant with one port on each of two hosts, bound by the admin (as compute would).
TenantPorts tenant_with_ports(const Cloud& cloud, const std::string& host_a, const std::string& host_b) {
  auto member = cloud.identity().create_member(test_support::unique_name("trust"));
  auto tenant = cloud.client(member.token);
  auto admin = cloud.client(cloud.identity().admin_token());
  net::CreateNetworkRequest network;
  network.set_name("net");
  auto n = must(tenant.call(&Net::CreateNetwork, network), "network");
  net::CreateSubnetRequest subnet;
  subnet.set_name("sub");
  subnet.set_network(n.id());
  subnet.set_cidr("10.30.0.0/24");
  must(tenant.call(&Net::CreateSubnet, subnet), "subnet");
  TenantPorts out{member.project_id, "", ""};
  for (auto [host, id] : {std::pair{host_a, &out.port_a}, std::pair{host_b, &out.port_b}}) {
    net::CreatePortRequest port;
    port.set_network(n.id());
    *id = must(tenant.call(&Net::CreatePort, port), "port").id();
    net::UpdatePortRequest bind;
    bind.set_port(*id);
    bind.set_host(host);
    must(admin.call(&Net::UpdatePort, bind), "bind to " + host);
  }
  return out;
}

}  // namespace

TEST_CASE("an agent credential is refused for anything about another host") {
  auto& cloud = Cloud::instance();
  std::string host_a = test_support::unique_name("host-a"), host_b = test_support::unique_name("host-b");
  auto ports = tenant_with_ports(cloud, host_a, host_b);
  auto agent_user =
      cloud.identity().create_machine_user("agent-" + host_a, "agent", "service", kMachinePassword, host_a);
  auto agent = cloud.client(agent_user.token);

  idv1::ValidateTokenRequest own;
  own.set_token(agent_user.token);
  CHECK(must(agent.call(&Id::ValidateToken, own), "own token").host() == host_a);

  SECTION("it reads its own host's ports and nothing else") {
    net::ListPortsOnHostRequest mine;
    mine.set_host(host_a);
    auto listed = must(agent.call(&Agent::ListPortsOnHost, mine), "ports of its host");
    REQUIRE(listed.bindings_size() == 1);
    CHECK(listed.bindings(0).port_id() == ports.port_a);
    net::ListPortsOnHostRequest theirs;
    theirs.set_host(host_b);
    CHECK(agent.call(&Agent::ListPortsOnHost, theirs).code() == StatusCode::PERMISSION_DENIED);

    net::GetPortBindingRequest binding;
    binding.set_port_id(ports.port_a);
    CHECK(agent.call(&Agent::GetPortBinding, binding).ok());
    binding.set_port_id(ports.port_b);
    CHECK(agent.call(&Agent::GetPortBinding, binding).code() == StatusCode::NOT_FOUND);

    net::GetPortBindingsRequest both;
    both.add_port_ids(ports.port_a);
    both.add_port_ids(ports.port_b);
    auto got = must(agent.call(&Agent::GetPortBindings, both), "bindings");
    REQUIRE(got.bindings_size() == 1);
    CHECK(got.bindings(0).port_id() == ports.port_a);

    net::GetSecurityGroupMembersRequest members;
    members.set_security_group_id(ports.port_a);  // any id: refused before the lookup
    CHECK(agent.call(&Agent::GetSecurityGroupMembers, members).code() == StatusCode::PERMISSION_DENIED);
  }

  SECTION("it reports status only for its own host's ports") {
    net::UpdatePortStatusRequest status;
    status.set_port_id(ports.port_b);
    status.set_host(host_b);
    status.set_status("ACTIVE");
    CHECK(agent.call(&Agent::UpdatePortStatus, status).code() == StatusCode::PERMISSION_DENIED);
    status.set_host(host_a);  // lying about the host learns nothing either
    CHECK(agent.call(&Agent::UpdatePortStatus, status).code() == StatusCode::NOT_FOUND);
    status.set_port_id(ports.port_a);
    CHECK(must(agent.call(&Agent::UpdatePortStatus, status), "own port").status() == "ACTIVE");
  }

  SECTION("it can neither rebind ports, nor read tenants' resources, nor act as admin") {
    net::UpdatePortRequest rebind;
    rebind.set_port(ports.port_b);
    rebind.set_host(host_a);
    auto rebound = agent.call(&Net::UpdatePort, rebind);
    CHECK((rebound.code() == StatusCode::PERMISSION_DENIED || rebound.code() == StatusCode::NOT_FOUND));
    net::GetPortRequest get;
    get.set_port(ports.port_a);
    CHECK_FALSE(agent.call(&Net::GetPort, get).ok());
    net::ListNetworksRequest list;
    list.set_project(ports.project_id);
    CHECK_FALSE(agent.call(&Net::ListNetworks, list).ok());
    idv1::CreateUserRequest user;
    user.set_name(test_support::unique_name("intruder"));
    user.set_password(kMachinePassword);
    CHECK(agent.call(&Id::CreateUser, user).code() == StatusCode::PERMISSION_DENIED);
    CHECK(agent.call(&Id::ListRevocations, idv1::ListRevocationsRequest()).code() == StatusCode::PERMISSION_DENIED);
  }

  // Re-checked with the port really rebound by the admin, so the last section's refusal is not
  // vacuous: port_b stays on host_b.
  net::ListPortsOnHostRequest b;
  b.set_host(host_b);
  auto on_b = must(cloud.client(cloud.identity().admin_token()).call(&Agent::ListPortsOnHost, b), "ports of b");
  REQUIRE(on_b.bindings_size() == 1);
  CHECK(on_b.bindings(0).port_id() == ports.port_b);
}

TEST_CASE("the agent role needs a user that names its host") {
  auto& cloud = Cloud::instance();
  CHECK_THROWS_WITH(cloud.identity().create_machine_user(test_support::unique_name("hostless"), "agent", "service",
                                                         kMachinePassword),
                    Catch::Contains("FAILED_PRECONDITION") && Catch::Contains("host"));
}

TEST_CASE("only services and admins bind ports to hosts") {
  auto& cloud = Cloud::instance();
  auto member = cloud.identity().create_member(test_support::unique_name("binder"));
  auto tenant = cloud.client(member.token);
  net::CreateNetworkRequest network;
  network.set_name("net");
  auto n = must(tenant.call(&Net::CreateNetwork, network), "network");
  net::CreateSubnetRequest subnet;
  subnet.set_name("sub");
  subnet.set_network(n.id());
  subnet.set_cidr("10.31.0.0/24");
  must(tenant.call(&Net::CreateSubnet, subnet), "subnet");
  net::CreatePortRequest port;
  port.set_network(n.id());
  port.set_host("some-host");
  CHECK(tenant.call(&Net::CreatePort, port).code() == StatusCode::PERMISSION_DENIED);

  auto service_user = cloud.identity().create_machine_user(test_support::unique_name("svc"), "service", "service",
                                                           kMachinePassword);
  auto service = cloud.client(service_user.token);
  port.set_project(member.project_id);  // compute creates ports on behalf of the instance's project
  auto made = must(service.call(&Net::CreatePort, port), "a service binds on behalf of the project");
  CHECK(made.host() == "some-host");
  CHECK(made.project_id() == member.project_id);

  SECTION("a service manages no identities, but may read revocations") {
    idv1::CreateUserRequest user;
    user.set_name(test_support::unique_name("by-service"));
    user.set_password(kMachinePassword);
    CHECK(service.call(&Id::CreateUser, user).code() == StatusCode::PERMISSION_DENIED);
    CHECK(service.call(&Id::ListRevocations, idv1::ListRevocationsRequest()).ok());
  }
  SECTION("a member reads neither revocations nor other people's tokens") {
    CHECK(tenant.call(&Id::ListRevocations, idv1::ListRevocationsRequest()).code() == StatusCode::PERMISSION_DENIED);
    idv1::ValidateTokenRequest other;
    other.set_token(cloud.identity().admin_token());
    CHECK(tenant.call(&Id::ValidateToken, other).code() == StatusCode::PERMISSION_DENIED);
    idv1::ValidateTokenRequest own;
    own.set_token(member.token);
    CHECK(tenant.call(&Id::ValidateToken, own).ok());
  }
}

TEST_CASE("failed logins never lock out a service or agent user, and still lock people") {
  auto& cloud = Cloud::instance();
  auto anonymous = cloud.client("");
  auto wrong_logins = [&](const std::string& user, const std::string& project, int n) {
    for (int i = 0; i < n; ++i) {
      idv1::AuthenticateRequest request;
      request.mutable_password()->set_username(user);
      request.mutable_password()->set_password("wrong-password-" + std::to_string(i));
      request.set_project(project);
      REQUIRE(anonymous.call(&Id::Authenticate, request).code() == StatusCode::UNAUTHENTICATED);
    }
  };
  auto login = [&](const std::string& user, const std::string& password, const std::string& project) {
    idv1::AuthenticateRequest request;
    request.mutable_password()->set_username(user);
    request.mutable_password()->set_password(password);
    request.set_project(project);
    return anonymous.call(&Id::Authenticate, request);
  };

  auto service_user = cloud.identity().create_machine_user(test_support::unique_name("svc"), "service", "service",
                                                           kMachinePassword);
  std::string host = test_support::unique_name("host");
  auto agent_user = cloud.identity().create_machine_user("agent-" + host, "agent", "service", kMachinePassword, host);
  for (const auto* user : {&service_user, &agent_user}) {
    wrong_logins(user->user_name, "service", 8);  // more than identity.max_failed_logins (5)
    CHECK(login(user->user_name, kMachinePassword, "service").ok());
  }

  // The control: the same number of guesses locks a person out (until identity.lockout passes).
  auto person = cloud.identity().create_member(test_support::unique_name("person"));
  wrong_logins(person.user_name, person.project_name, 8);
  auto locked = login(person.user_name, test_support::kMemberPassword, person.project_name);
  CHECK(locked.code() == StatusCode::UNAUTHENTICATED);
  CHECK_THAT(locked.message(), Catch::Contains("too many failed logins"));
}
