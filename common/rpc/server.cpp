#include "common/rpc/server.h"

#include <csignal>
#include <stdexcept>

#include <grpcpp/health_check_service_interface.h>

namespace stratus::rpc {

Server::Server(std::string listen_address, log::Logger logger, ChannelFactory channels)
    : listen_address_(std::move(listen_address)), logger_(std::move(logger)), channels_(std::move(channels)) {}

void Server::block_termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

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

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal_number = 0;
  sigwait(&set, &signal_number);
  logger_.info("shutting down", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});

  server->GetHealthCheckService()->SetServingStatus(false);
  // In-flight calls finish first, with background work (event consumers, relays) still running.
  server->Shutdown(std::chrono::system_clock::now() + grace);
  if (before_shutdown) before_shutdown();
  logger_.info("stopped");
}

}  // namespace stratus::rpc
