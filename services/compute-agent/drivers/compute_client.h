#pragma once
// ComputeSource over gRPC: the ComputeAgent API of the compute service, called with the
// agent's own token (its credential is confined to this host by compute).
#include <chrono>
#include <memory>
#include <string>

#include "common/identity_client/identity_client.h"
#include "common/rpc/channel.h"
#include "compute/v1/compute.grpc.pb.h"
#include "services/compute-agent/agent/compute_source.h"

namespace stratus::compute_agent {

class ComputeClient : public ComputeSource {
 public:
  ComputeClient(const std::string& endpoint, identity_client::IdentityConnection& identity,
                const rpc::ChannelFactory& channels = rpc::ChannelFactory(),
                std::chrono::milliseconds call_timeout = std::chrono::seconds(30));

  std::optional<cloud::compute::v1::InstanceSpec> instance_spec(const std::string& instance_id) override;
  std::vector<cloud::compute::v1::InstanceSpec> instances_on_host(const std::string& host) override;
  void report(const cloud::compute::v1::ReportInstanceRequest& report) override;
  void report_volume(const cloud::compute::v1::ReportVolumeRequest& report) override;
  std::string download_image(const std::string& instance_id, const std::string& image_id,
                             const std::string& destination) override;
  void upload_snapshot(const std::string& instance_id, const std::string& image_id,
                       const std::string& path) override;

  // The host's end of a user's console session (ComputeAgent.ConsoleTunnel), open until one
  // side ends it; the context cancels it.
  struct ConsoleTunnel {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReaderWriter<cloud::compute::v1::ConsoleTunnelMessage, cloud::compute::v1::ConsoleData>>
        stream;
  };
  ConsoleTunnel open_console_tunnel(const std::string& session_id);

  void register_host(const cloud::compute::v1::RegisterHostRequest& request);
  // False when compute does not know the host (it must register again).
  bool heartbeat(const std::string& host);

 private:
  void prepare(grpc::ClientContext& context, std::chrono::milliseconds timeout);

  identity_client::IdentityConnection& identity_;
  std::chrono::milliseconds call_timeout_;
  std::unique_ptr<cloud::compute::v1::ComputeAgent::Stub> stub_;
};

}  // namespace stratus::compute_agent
