#pragma once
// gRPC handlers for cloud.network.v1.Network (the public API) and NetworkAgent (the
// agent-facing one): authenticate the caller, translate the request, call the domain,
// translate the answer. No logic of their own.
#include "common/log/log.h"
#include "common/rpc/authenticator.h"
#include "network/v1/network.grpc.pb.h"
#include "services/network/domain/networking.h"

namespace stratus::network {

namespace v1 = cloud::network::v1;

class NetworkApi final : public v1::Network::Service {
 public:
  NetworkApi(Networking& networking, const rpc::Authenticator& auth, log::Logger logger)
      : networking_(networking), auth_(auth), logger_(std::move(logger)) {}

  grpc::Status CreateNetwork(grpc::ServerContext*, const v1::CreateNetworkRequest*, v1::NetworkInfo*) override;
  grpc::Status GetNetwork(grpc::ServerContext*, const v1::GetNetworkRequest*, v1::NetworkInfo*) override;
  grpc::Status ListNetworks(grpc::ServerContext*, const v1::ListNetworksRequest*, v1::ListNetworksResponse*) override;
  grpc::Status UpdateNetwork(grpc::ServerContext*, const v1::UpdateNetworkRequest*, v1::NetworkInfo*) override;
  grpc::Status DeleteNetwork(grpc::ServerContext*, const v1::DeleteNetworkRequest*, v1::Empty*) override;
  grpc::Status CreateSubnet(grpc::ServerContext*, const v1::CreateSubnetRequest*, v1::Subnet*) override;
  grpc::Status GetSubnet(grpc::ServerContext*, const v1::GetSubnetRequest*, v1::Subnet*) override;
  grpc::Status ListSubnets(grpc::ServerContext*, const v1::ListSubnetsRequest*, v1::ListSubnetsResponse*) override;
  grpc::Status DeleteSubnet(grpc::ServerContext*, const v1::DeleteSubnetRequest*, v1::Empty*) override;
  grpc::Status CreatePort(grpc::ServerContext*, const v1::CreatePortRequest*, v1::Port*) override;
  grpc::Status GetPort(grpc::ServerContext*, const v1::GetPortRequest*, v1::Port*) override;
  grpc::Status ListPorts(grpc::ServerContext*, const v1::ListPortsRequest*, v1::ListPortsResponse*) override;
  grpc::Status UpdatePort(grpc::ServerContext*, const v1::UpdatePortRequest*, v1::Port*) override;
  grpc::Status DeletePort(grpc::ServerContext*, const v1::DeletePortRequest*, v1::Empty*) override;
  grpc::Status CreateSecurityGroup(grpc::ServerContext*, const v1::CreateSecurityGroupRequest*, v1::SecurityGroup*) override;
  grpc::Status GetSecurityGroup(grpc::ServerContext*, const v1::GetSecurityGroupRequest*, v1::SecurityGroup*) override;
  grpc::Status ListSecurityGroups(grpc::ServerContext*, const v1::ListSecurityGroupsRequest*, v1::ListSecurityGroupsResponse*) override;
  grpc::Status UpdateSecurityGroup(grpc::ServerContext*, const v1::UpdateSecurityGroupRequest*, v1::SecurityGroup*) override;
  grpc::Status DeleteSecurityGroup(grpc::ServerContext*, const v1::DeleteSecurityGroupRequest*, v1::Empty*) override;
  grpc::Status CreateSecurityGroupRule(grpc::ServerContext*, const v1::CreateSecurityGroupRuleRequest*, v1::SecurityGroupRule*) override;
  grpc::Status GetSecurityGroupRule(grpc::ServerContext*, const v1::GetSecurityGroupRuleRequest*, v1::SecurityGroupRule*) override;
  grpc::Status ListSecurityGroupRules(grpc::ServerContext*, const v1::ListSecurityGroupRulesRequest*, v1::ListSecurityGroupRulesResponse*) override;
  grpc::Status DeleteSecurityGroupRule(grpc::ServerContext*, const v1::DeleteSecurityGroupRuleRequest*, v1::Empty*) override;
  grpc::Status CreateFloatingIp(grpc::ServerContext*, const v1::CreateFloatingIpRequest*, v1::FloatingIp*) override;
  grpc::Status GetFloatingIp(grpc::ServerContext*, const v1::GetFloatingIpRequest*, v1::FloatingIp*) override;
  grpc::Status ListFloatingIps(grpc::ServerContext*, const v1::ListFloatingIpsRequest*, v1::ListFloatingIpsResponse*) override;
  grpc::Status AssociateFloatingIp(grpc::ServerContext*, const v1::AssociateFloatingIpRequest*, v1::FloatingIp*) override;
  grpc::Status DisassociateFloatingIp(grpc::ServerContext*, const v1::DisassociateFloatingIpRequest*, v1::FloatingIp*) override;
  grpc::Status DeleteFloatingIp(grpc::ServerContext*, const v1::DeleteFloatingIpRequest*, v1::Empty*) override;
  grpc::Status GetQuota(grpc::ServerContext*, const v1::GetQuotaRequest*, v1::Quota*) override;
  grpc::Status SetQuota(grpc::ServerContext*, const v1::SetQuotaRequest*, v1::Quota*) override;

 private:
  Networking& networking_;
  const rpc::Authenticator& auth_;
  log::Logger logger_;
};

class NetworkAgentApi final : public v1::NetworkAgent::Service {
 public:
  NetworkAgentApi(Networking& networking, const rpc::Authenticator& auth, log::Logger logger)
      : networking_(networking), auth_(auth), logger_(std::move(logger)) {}

  grpc::Status GetPortBinding(grpc::ServerContext*, const v1::GetPortBindingRequest*, v1::PortBinding*) override;
  grpc::Status GetPortBindings(grpc::ServerContext*, const v1::GetPortBindingsRequest*, v1::GetPortBindingsResponse*) override;
  grpc::Status ListPortsOnHost(grpc::ServerContext*, const v1::ListPortsOnHostRequest*, v1::ListPortsOnHostResponse*) override;
  grpc::Status GetSecurityGroupMembers(grpc::ServerContext*, const v1::GetSecurityGroupMembersRequest*, v1::SecurityGroupMembers*) override;
  grpc::Status UpdatePortStatus(grpc::ServerContext*, const v1::UpdatePortStatusRequest*, v1::Port*) override;

 private:
  Networking& networking_;
  const rpc::Authenticator& auth_;
  log::Logger logger_;
};

}  // namespace stratus::network
