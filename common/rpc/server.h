#pragma once
// gRPC server bootstrap shared by every service: listen address, the standard health service
// (grpc.health.v1, used by Kubernetes probes and deploy/cloud), and a graceful shutdown on
// SIGTERM or SIGINT that lets in-flight calls finish within a deadline.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "common/log/log.h"
#include "common/rpc/channel.h"

namespace stratus::rpc {

class Server {
 public:
  // TLS when `channels` has it (common/rpc/channel.h); plaintext otherwise.
  Server(std::string listen_address, log::Logger logger, ChannelFactory channels = {});
  void add_service(grpc::Service* service) { services_.push_back(service); }

  // Starts serving and blocks until SIGTERM/SIGINT; then marks itself NOT_SERVING, lets calls
  // in flight finish within `grace`, and runs `before_shutdown` (stop background work).
  void run_until_signal(const std::function<void()>& before_shutdown = nullptr,
                        std::chrono::seconds grace = std::chrono::seconds(10));

  // Must be called before any thread is started, so that every thread inherits the mask and
  // the signals reach only the waiting thread.
  static void block_termination_signals();

 private:
  std::string listen_address_;
  log::Logger logger_;
  ChannelFactory channels_;
  std::vector<grpc::Service*> services_;
};

}  // namespace stratus::rpc
