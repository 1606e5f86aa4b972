#pragma once
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "common/identity_client/identity_client.h"
#include "drivers/desired_state.h"
#include "network/v1/network.grpc.pb.h"

namespace stratus::network_agent {

// The network service's agent-facing API (NetworkAgent), called with this host's agent
// credential: the service answers it only about ports bound to this host.
class NetworkServiceSource : public DesiredStateSource {
 public:
  NetworkServiceSource(const std::string& endpoint, identity_client::IdentityConnection& identity,
                       std::chrono::milliseconds call_timeout = std::chrono::seconds(10),
                       const rpc::ChannelFactory& channels = rpc::ChannelFactory());

  std::optional<cloud::network::v1::PortBinding> port_binding(const std::string& port_id) override;
  std::vector<cloud::network::v1::PortBinding> port_bindings(const std::vector<std::string>& port_ids) override;
  std::vector<cloud::network::v1::PortBinding> ports_on_host(const std::string& host) override;
  void report_status(const std::string& port_id, const std::string& host, const std::string& status) override;

 private:
  void prepare(grpc::ClientContext& context);

  identity_client::IdentityConnection& identity_;
  std::chrono::milliseconds call_timeout_;
  std::unique_ptr<cloud::network::v1::NetworkAgent::Stub> stub_;
};

}  // namespace stratus::network_agent
