#include "services/dashboard/domain/rpc_routes.h"

#include <catch2/catch.hpp>

using namespace stratus::dashboard;

TEST_CASE("a user-facing method maps to its gRPC path") {
  auto route = find_rpc_route("/api/rpc/compute/ListServers");
  REQUIRE(route);
  CHECK(route->grpc_path() == "/cloud.compute.v1.Compute/ListServers");
  auto volumes = find_rpc_route("/api/rpc/block-storage/CreateVolume");
  REQUIRE(volumes);
  CHECK(volumes->grpc_path() == "/cloud.block_storage.v1.BlockStorage/CreateVolume");
}

TEST_CASE("agent-facing, service-role and streaming methods are not reachable") {
  CHECK_FALSE(find_rpc_route("/api/rpc/compute/GetInstanceSpec"));
  CHECK_FALSE(find_rpc_route("/api/rpc/block-storage/ReserveVolume"));
  CHECK_FALSE(find_rpc_route("/api/rpc/image/Upload"));
  CHECK_FALSE(find_rpc_route("/api/rpc/identity/Authenticate"));
  CHECK_FALSE(find_rpc_route("/api/rpc/identity/RotateSigningKey"));
  CHECK_FALSE(find_rpc_route("/api/rpc/network-agent/GetPortBinding"));
}

TEST_CASE("malformed call paths match nothing") {
  CHECK_FALSE(find_rpc_route("/api/rpc/compute"));
  CHECK_FALSE(find_rpc_route("/api/rpc/compute/ListServers/extra"));
  CHECK_FALSE(find_rpc_route("/api/rpc/compute/ListServers?x=1"));
  CHECK_FALSE(find_rpc_route("/api/rpc//ListServers"));
  CHECK_FALSE(find_rpc_route("/other/compute/ListServers"));
  CHECK_THROWS_AS(rpc_route("compute", "Nope"), std::logic_error);
}

TEST_CASE("gRPC codes become the HTTP statuses a browser app expects") {
  CHECK(http_status_for(grpc::StatusCode::INVALID_ARGUMENT) == 400);
  CHECK(http_status_for(grpc::StatusCode::UNAUTHENTICATED) == 401);
  CHECK(http_status_for(grpc::StatusCode::PERMISSION_DENIED) == 403);
  CHECK(http_status_for(grpc::StatusCode::NOT_FOUND) == 404);
  CHECK(http_status_for(grpc::StatusCode::ALREADY_EXISTS) == 409);
  CHECK(http_status_for(grpc::StatusCode::FAILED_PRECONDITION) == 409);
  CHECK(http_status_for(grpc::StatusCode::RESOURCE_EXHAUSTED) == 413);
  CHECK(http_status_for(grpc::StatusCode::UNAVAILABLE) == 503);
  CHECK(http_status_for(grpc::StatusCode::INTERNAL) == 500);
}
