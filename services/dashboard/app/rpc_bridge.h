#pragma once
// Calls a service's unary gRPC method with a JSON request and answers JSON, as the user: the
// proto3 JSON mapping with the proto's own field names, enums by name, defaults included, so
// the browser app reads the same shapes as cloudctl and the proto files document. Message
// types come from the compiled-in descriptors, so a new field or method needs no code here.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "services/dashboard/domain/rpc_routes.h"

namespace stratus::dashboard {

struct RpcReply {
  grpc::Status status;
  std::string json;  // the response message when status is OK
};

class RpcBackend {
 public:
  virtual ~RpcBackend() = default;
  virtual RpcReply call(const RpcRoute& route, const std::string& token, const std::string& json_request) = 0;
};

class GrpcJsonBridge : public RpcBackend {
 public:
  // `channel_for("compute")` opens the channel to a service; called once per service, on its
  // first call, so the dashboard starts before (and without) the services it fronts.
  GrpcJsonBridge(std::function<std::shared_ptr<grpc::Channel>(const std::string&)> channel_for,
                 std::chrono::milliseconds deadline);

  RpcReply call(const RpcRoute& route, const std::string& token, const std::string& json_request) override;

 private:
  grpc::GenericStub& stub_for(const std::string& service);

  std::function<std::shared_ptr<grpc::Channel>(const std::string&)> channel_for_;
  std::chrono::milliseconds deadline_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<grpc::GenericStub>> stubs_;
};

}  // namespace stratus::dashboard
