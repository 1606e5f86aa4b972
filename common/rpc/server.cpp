#include "common/rpc/server.h"

#include <stdexcept>

#include <grpcpp/health_check_service_interface.h>

#include "common/process/signals.h"

namespace stratus::rpc {

Server::Server(std::string listen_address, log::Logger logger, ChannelFactory channels)
    : listen_address_(std::move(listen_address)), logger_(std::move(logger)), channels_(std::move(channels)) {}

void Server::block_termination_signals() { process::block_termination_signals(); }

void Server::run_until_signal(const std::function<void()>& before_shutdown, std::chrono::seconds grace) {
  block_termination_signals();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default, which lets a second process silently share the port
  // and take half the calls; a port in use must be an error instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int bound_port = 0;
  builder.AddListeningPort(listen_address_, channels_.server_credentials(), &bound_port);
  for (auto* service : services_) builder.RegisterService(service);
  auto server = builder.BuildAndStart();
  if (!server || bound_port == 0) throw std::runtime_error("cannot listen on " + listen_address_);
  logger_.info("serving", {{"address", listen_address_}, {"tls", channels_.tls() ? "on" : "off"}});

  int signal_number = process::wait_for_termination_signal();
  logger_.info("shutting down", {{"signal", process::termination_signal_name(signal_number)}});

  server->GetHealthCheckService()->SetServingStatus(false);
  // In-flight calls finish first, with background work (event consumers, relays) still running.
  server->Shutdown(std::chrono::system_clock::now() + grace);
  if (before_shutdown) before_shutdown();
  logger_.info("stopped");
}

}  // namespace stratus::rpc
