#include "services/dashboard/domain/rpc_routes.h"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace stratus::dashboard {

namespace {

struct ServiceMethods {
  const char* grpc_service;
  std::vector<std::string> methods;
};

const std::map<std::string, ServiceMethods>& allowed() {
  static const std::map<std::string, ServiceMethods> table = {
      {"compute",
       {"cloud.compute.v1.Compute",
        {"CreateFlavor", "GetFlavor", "ListFlavors", "DeleteFlavor", "AddFlavorAccess", "RemoveFlavorAccess",
         "CreateKeyPair", "ImportKeyPair", "GetKeyPair", "ListKeyPairs", "DeleteKeyPair", "CreateServer",
         "GetServer", "ListServers", "DeleteServer", "StartServer", "StopServer", "RebootServer", "GetConsoleLog",
         "CreateServerSnapshot", "AddSecurityGroup", "RemoveSecurityGroup", "ListServerActions", "AttachVolume",
         "DetachVolume", "ListVolumeAttachments", "CreateServerGroup", "GetServerGroup", "ListServerGroups",
         "DeleteServerGroup", "ListHosts", "GetHost", "SetHostEnabled", "ListServices", "GetQuota", "SetQuota"}}},
      {"network",
       {"cloud.network.v1.Network",
        {"CreateNetwork", "GetNetwork", "ListNetworks", "UpdateNetwork", "DeleteNetwork", "CreateSubnet",
         "GetSubnet", "ListSubnets", "DeleteSubnet", "CreatePort", "GetPort", "ListPorts", "UpdatePort",
         "DeletePort", "CreateSecurityGroup", "GetSecurityGroup", "ListSecurityGroups", "UpdateSecurityGroup",
         "DeleteSecurityGroup", "CreateSecurityGroupRule", "GetSecurityGroupRule", "ListSecurityGroupRules",
         "DeleteSecurityGroupRule", "CreateFloatingIp", "GetFloatingIp", "ListFloatingIps", "AssociateFloatingIp",
         "DisassociateFloatingIp", "DeleteFloatingIp", "GetQuota", "SetQuota"}}},
      {"image",
       {"cloud.image.v1.Images",
        {"CreateImage", "GetImage", "ListImages", "UpdateImage", "DeleteImage", "AcceptImage", "RejectImage"}}},
      {"block-storage",
       {"cloud.block_storage.v1.BlockStorage",
        {"CreateVolume", "ListVolumes", "GetVolume", "UpdateVolume", "DeleteVolume", "ExtendVolume",
         "CreateSnapshot", "ListSnapshots", "GetSnapshot", "DeleteSnapshot", "GetQuota", "SetQuota"}}},
      {"identity",
       {"cloud.identity.v1.Identity",
        {"GetProject", "ListProjects", "ListEndpoints", "CreateAccessKey", "ListAccessKeys", "DeleteAccessKey",
         "ListUsers", "ListRoleAssignments"}}},
  };
  return table;
}

std::optional<RpcRoute> lookup(const std::string& service, const std::string& method) {
  auto it = allowed().find(service);
  if (it == allowed().end()) return std::nullopt;
  const auto& methods = it->second.methods;
  if (std::find(methods.begin(), methods.end(), method) == methods.end()) return std::nullopt;
  return RpcRoute{service, it->second.grpc_service, method};
}

}  // namespace

std::optional<RpcRoute> find_rpc_route(std::string_view target) {
  constexpr std::string_view prefix = "/api/rpc/";
  if (target.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view rest = target.substr(prefix.size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view method = rest.substr(slash + 1);
  if (method.find_first_of("/?#") != std::string_view::npos) return std::nullopt;
  return lookup(std::string(rest.substr(0, slash)), std::string(method));
}

RpcRoute rpc_route(const std::string& service, const std::string& method) {
  auto route = lookup(service, method);
  if (!route) throw std::logic_error("no dashboard route for " + service + "/" + method);
  return *route;
}

std::vector<RpcRoute> all_rpc_routes() {
  std::vector<RpcRoute> routes;
  for (const auto& [service, entry] : allowed())
    for (const auto& method : entry.methods) routes.push_back({service, entry.grpc_service, method});
  return routes;
}

unsigned http_status_for(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE: return 400;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::NOT_FOUND: return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::ABORTED: return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return 413;
    case grpc::StatusCode::UNIMPLEMENTED: return 501;
    case grpc::StatusCode::UNAVAILABLE: return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return 504;
    default: return 500;
  }
}

}  // namespace stratus::dashboard
