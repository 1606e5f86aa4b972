#pragma once
// gRPC handlers for cloud.compute.v1.ComputeAgent, the API the hypervisor agents call with a
// credential confined to their host. The image bytes an agent needs, and the snapshots it
// takes, go through compute (with compute's own credential) so that an agent credential
// opens nothing in the image service.
#include "common/log/log.h"
#include "common/rpc/authenticator.h"
#include "compute/v1/compute.grpc.pb.h"
#include "services/compute/app/compute.h"
#include "services/compute/console/console_broker.h"

namespace stratus::compute {

namespace v1 = cloud::compute::v1;

class ComputeAgentApi final : public v1::ComputeAgent::Service {
 public:
  ComputeAgentApi(Compute& compute, Peers& peers, ConsoleBroker& consoles, const rpc::Authenticator& auth,
                  log::Logger logger)
      : compute_(compute), peers_(peers), consoles_(consoles), auth_(auth), logger_(std::move(logger)) {}

  grpc::Status RegisterHost(grpc::ServerContext*, const v1::RegisterHostRequest*, v1::Host*) override;
  grpc::Status Heartbeat(grpc::ServerContext*, const v1::HeartbeatRequest*, google::protobuf::Empty*) override;
  grpc::Status GetInstanceSpec(grpc::ServerContext*, const v1::GetInstanceSpecRequest*, v1::InstanceSpec*) override;
  grpc::Status ListInstancesOnHost(grpc::ServerContext*, const v1::ListInstancesOnHostRequest*,
                                   v1::ListInstancesOnHostResponse*) override;
  grpc::Status ReportInstance(grpc::ServerContext*, const v1::ReportInstanceRequest*,
                              google::protobuf::Empty*) override;
  grpc::Status ReportVolume(grpc::ServerContext*, const v1::ReportVolumeRequest*, google::protobuf::Empty*) override;
  grpc::Status DownloadImage(grpc::ServerContext*, const v1::DownloadImageRequest*,
                             grpc::ServerWriter<v1::DownloadImageChunk>*) override;
  grpc::Status UploadSnapshot(grpc::ServerContext*, grpc::ServerReader<v1::UploadSnapshotRequest>*,
                              google::protobuf::Empty*) override;
  grpc::Status ConsoleTunnel(grpc::ServerContext*,
                             grpc::ServerReaderWriter<v1::ConsoleData, v1::ConsoleTunnelMessage>*) override;

 private:
  Compute& compute_;
  Peers& peers_;
  ConsoleBroker& consoles_;
  const rpc::Authenticator& auth_;
  log::Logger logger_;
};

// The InstanceSpec message of an instance (shared with tests through the API only).
void to_proto(const InstanceSpecView& view, v1::InstanceSpec* out);

}  // namespace stratus::compute
