#pragma once
// Which gRPC methods the browser may call through POST /api/rpc/<service>/<Method>, and how an
// HTTP path and a gRPC status map onto each other. The list names every user-facing unary
// method of the services; agent-facing services, service-role calls (ReserveVolume...) and
// streams are not on it, so a browser session can never reach them through the dashboard
// (the services would refuse them anyway: this is the first wall, not the only one).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/support/status_code_enum.h>

namespace stratus::dashboard {

struct RpcRoute {
  std::string service;       // the catalog name: "compute", "block-storage"...
  std::string grpc_service;  // the proto service: "cloud.compute.v1.Compute"
  std::string method;        // "ListServers"
  // "/cloud.compute.v1.Compute/ListServers": the method path on the wire.
  std::string grpc_path() const { return "/" + grpc_service + "/" + method; }
};

// "/api/rpc/compute/ListServers" -> the route, if the method is on the list. A target with a
// query string or extra segments matches nothing.
std::optional<RpcRoute> find_rpc_route(std::string_view target);

// The route of a method by service and name (the handler's own calls: /api/projects...).
RpcRoute rpc_route(const std::string& service, const std::string& method);

// Every allowed route, for documentation and tests.
std::vector<RpcRoute> all_rpc_routes();

// The HTTP status a gRPC status code becomes (400, 401, 403, 404, 409, 413, 501, 503, 504, 500).
unsigned http_status_for(grpc::StatusCode code);

}  // namespace stratus::dashboard
