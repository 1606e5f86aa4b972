#pragma once
// gRPC handlers for cloud.compute.v1.Compute (the public API): authenticate the caller,
// translate the request, call the use cases, translate the answer. No logic of their own.
#include "common/log/log.h"
#include "common/rpc/authenticator.h"
#include "compute/v1/compute.grpc.pb.h"
#include "services/compute/app/compute.h"
#include "services/compute/console/console_broker.h"

namespace stratus::compute {

namespace v1 = cloud::compute::v1;
using google::protobuf::Empty;

class ComputeApi final : public v1::Compute::Service {
 public:
  ComputeApi(Compute& compute, ConsoleBroker& consoles, const rpc::Authenticator& auth, log::Logger logger)
      : compute_(compute), consoles_(consoles), auth_(auth), logger_(std::move(logger)) {}

  grpc::Status CreateFlavor(grpc::ServerContext*, const v1::CreateFlavorRequest*, v1::Flavor*) override;
  grpc::Status GetFlavor(grpc::ServerContext*, const v1::GetFlavorRequest*, v1::Flavor*) override;
  grpc::Status ListFlavors(grpc::ServerContext*, const v1::ListFlavorsRequest*, v1::ListFlavorsResponse*) override;
  grpc::Status DeleteFlavor(grpc::ServerContext*, const v1::DeleteFlavorRequest*, Empty*) override;
  grpc::Status AddFlavorAccess(grpc::ServerContext*, const v1::FlavorAccessRequest*, v1::Flavor*) override;
  grpc::Status RemoveFlavorAccess(grpc::ServerContext*, const v1::FlavorAccessRequest*, v1::Flavor*) override;

  grpc::Status CreateKeyPair(grpc::ServerContext*, const v1::CreateKeyPairRequest*, v1::KeyPair*) override;
  grpc::Status ImportKeyPair(grpc::ServerContext*, const v1::ImportKeyPairRequest*, v1::KeyPair*) override;
  grpc::Status GetKeyPair(grpc::ServerContext*, const v1::GetKeyPairRequest*, v1::KeyPair*) override;
  grpc::Status ListKeyPairs(grpc::ServerContext*, const v1::ListKeyPairsRequest*, v1::ListKeyPairsResponse*) override;
  grpc::Status DeleteKeyPair(grpc::ServerContext*, const v1::DeleteKeyPairRequest*, Empty*) override;

  grpc::Status CreateServer(grpc::ServerContext*, const v1::CreateServerRequest*, v1::CreateServerResponse*) override;
  grpc::Status GetServer(grpc::ServerContext*, const v1::GetServerRequest*, v1::Server*) override;
  grpc::Status ListServers(grpc::ServerContext*, const v1::ListServersRequest*, v1::ListServersResponse*) override;
  grpc::Status DeleteServer(grpc::ServerContext*, const v1::ServerActionRequest*, v1::Server*) override;
  grpc::Status StartServer(grpc::ServerContext*, const v1::ServerActionRequest*, v1::Server*) override;
  grpc::Status StopServer(grpc::ServerContext*, const v1::ServerActionRequest*, v1::Server*) override;
  grpc::Status RebootServer(grpc::ServerContext*, const v1::RebootServerRequest*, v1::Server*) override;
  grpc::Status GetConsoleLog(grpc::ServerContext*, const v1::GetConsoleLogRequest*, v1::ConsoleLog*) override;
  grpc::Status OpenConsole(grpc::ServerContext*, grpc::ServerReaderWriter<v1::ConsoleData, v1::ConsoleInput>*) override;
  grpc::Status CreateServerSnapshot(grpc::ServerContext*, const v1::CreateServerSnapshotRequest*,
                                    v1::ServerSnapshot*) override;
  grpc::Status AddSecurityGroup(grpc::ServerContext*, const v1::ServerSecurityGroupRequest*, v1::Server*) override;
  grpc::Status RemoveSecurityGroup(grpc::ServerContext*, const v1::ServerSecurityGroupRequest*, v1::Server*) override;
  grpc::Status AttachVolume(grpc::ServerContext*, const v1::AttachVolumeRequest*, v1::VolumeAttachment*) override;
  grpc::Status DetachVolume(grpc::ServerContext*, const v1::DetachVolumeRequest*, v1::VolumeAttachment*) override;
  grpc::Status ListVolumeAttachments(grpc::ServerContext*, const v1::ListVolumeAttachmentsRequest*,
                                     v1::ListVolumeAttachmentsResponse*) override;
  grpc::Status ListServerActions(grpc::ServerContext*, const v1::ListServerActionsRequest*,
                                 v1::ListServerActionsResponse*) override;

  grpc::Status CreateServerGroup(grpc::ServerContext*, const v1::CreateServerGroupRequest*, v1::ServerGroup*) override;
  grpc::Status GetServerGroup(grpc::ServerContext*, const v1::GetServerGroupRequest*, v1::ServerGroup*) override;
  grpc::Status ListServerGroups(grpc::ServerContext*, const v1::ListServerGroupsRequest*,
                                v1::ListServerGroupsResponse*) override;
  grpc::Status DeleteServerGroup(grpc::ServerContext*, const v1::DeleteServerGroupRequest*, Empty*) override;

  grpc::Status ListHosts(grpc::ServerContext*, const v1::ListHostsRequest*, v1::ListHostsResponse*) override;
  grpc::Status GetHost(grpc::ServerContext*, const v1::GetHostRequest*, v1::Host*) override;
  grpc::Status SetHostEnabled(grpc::ServerContext*, const v1::SetHostEnabledRequest*, v1::Host*) override;
  grpc::Status ListServices(grpc::ServerContext*, const v1::ListServicesRequest*, v1::ListServicesResponse*) override;

  grpc::Status GetQuota(grpc::ServerContext*, const v1::GetQuotaRequest*, v1::Quota*) override;
  grpc::Status SetQuota(grpc::ServerContext*, const v1::SetQuotaRequest*, v1::Quota*) override;

 private:
  Requester requester(const grpc::ServerContext& context) const;

  Compute& compute_;
  ConsoleBroker& consoles_;
  const rpc::Authenticator& auth_;
  log::Logger logger_;
};

// Shared by both APIs.
void to_proto(const HostView& view, const scheduling::Ratios& ratios, v1::Host* out);
void set_time(google::protobuf::Timestamp* t, int64_t unix_seconds);

}  // namespace stratus::compute
