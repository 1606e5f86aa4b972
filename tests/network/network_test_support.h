#pragma once
// What the network API tests share: one real stratus-identity and one stratus-network
// process for the whole test binary (each on a database of its own), tenants made through
// identity's API, and a gRPC client for the network API that carries a tenant's token.
// Tests keep apart by working in projects of their own.
#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "identity/v1/identity.grpc.pb.h"
#include "network/v1/network.grpc.pb.h"
#include "tests/support/identity_setup.h"
#include "tests/support/reply.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"

namespace stratus::network_test {

namespace v1 = cloud::network::v1;
using Stub = v1::Network::Stub;
using AgentStub = v1::NetworkAgent::Stub;  // the agent-facing API
using grpc::StatusCode;

using test_support::must;
using test_support::Reply;

class NetworkClient {
 public:
  NetworkClient(std::shared_ptr<grpc::Channel> channel, std::string token)
      : channel_(channel), stub_(std::make_shared<Stub>(channel)), agent_stub_(std::make_shared<AgentStub>(channel)),
        token_(std::move(token)) {}

  template <typename Request, typename Response>
  Reply<Response> call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                       const Request& request) const {
    return call_on(*stub_, method, request);
  }
  template <typename Request, typename Response>
  Reply<Response> call(grpc::Status (AgentStub::*method)(grpc::ClientContext*, const Request&, Response*),
                       const Request& request) const {
    return call_on(*agent_stub_, method, request);
  }

  // For calls made by reflection (tests/network/api_fuzz.h).
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  const std::string& token() const { return token_; }

  // The calls most tests make.
  Reply<v1::NetworkInfo> create_network(const std::string& name, bool external = false, bool shared = false) const;
  Reply<v1::Subnet> create_subnet(const std::string& name, const std::string& network, const std::string& cidr) const;
  Reply<v1::Port> create_port(const std::string& network, const std::string& name = "") const;
  Reply<v1::SecurityGroup> get_group(const std::string& group) const;

 private:
  template <typename S, typename Request, typename Response>
  Reply<Response> call_on(S& stub, grpc::Status (S::*method)(grpc::ClientContext*, const Request&, Response*),
                          const Request& request) const {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    context.AddMetadata("authorization", "Bearer " + token_);
    Reply<Response> reply;
    reply.status = (stub.*method)(&context, request, &reply.value);
    return reply;
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::shared_ptr<Stub> stub_;
  std::shared_ptr<AgentStub> agent_stub_;
  std::string token_;
};

struct Tenant {
  std::string project_id;
  NetworkClient client;
  std::string user_name, project_name;  // for logging in elsewhere (cloudctl); password kMemberPassword
};

class Cloud {
 public:
  // The one cloud of this test binary, started on first use.
  static Cloud& instance();
  Cloud();

  // A new project with a member user; names get a unique suffix.
  Tenant tenant(const std::string& name);
  const NetworkClient& admin() const { return *admin_; }
  const std::string& network_address() const { return network_->address(); }
  const std::string& identity_address() const { return identity_->address(); }

 private:
  test_support::TestDatabase identity_db_, network_db_;
  std::unique_ptr<test_support::ServiceProcess> identity_, network_;
  std::unique_ptr<test_support::IdentitySetup> identity_setup_;
  std::unique_ptr<NetworkClient> admin_;
};

// "name-1a2b3c": unique per call.
std::string unique(const std::string& name);

}  // namespace stratus::network_test
