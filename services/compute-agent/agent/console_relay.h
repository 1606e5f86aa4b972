#pragma once
// The agent's side of interactive consoles: when a cast names a console session, the relay
// opens the domain's serial console and a tunnel to compute (ComputeAgent.ConsoleTunnel),
// and carries bytes both ways on threads of its own until either side ends. Sessions are
// independent of the reconcile work queue: a console never waits behind a spawn.
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/log/log.h"
#include "services/compute-agent/drivers/compute_client.h"
#include "services/compute-agent/drivers/hypervisor.h"

namespace stratus::compute_agent {

class ConsoleRelay {
 public:
  ConsoleRelay(Hypervisor& hypervisor, ComputeClient& compute, log::Logger logger)
      : hypervisor_(hypervisor), compute_(compute), logger_(std::move(logger)) {}
  ~ConsoleRelay();  // ends every open session and waits for its threads

  void open(const std::string& instance_id, const std::string& session_id);

 private:
  struct Session {
    std::string instance_id, session_id;
    std::mutex mutex;
    std::unique_ptr<ConsoleStream> console;
    std::unique_ptr<grpc::ClientContext> context;
    bool ending = false;
    bool done = false;
    std::thread thread;
    void end();  // from any thread: the console and the tunnel close, run() returns
  };
  void run(Session& session);
  void reap();  // joins the threads of sessions that ended

  Hypervisor& hypervisor_;
  ComputeClient& compute_;
  log::Logger logger_;
  std::mutex mutex_;
  std::list<std::unique_ptr<Session>> sessions_;
};

}  // namespace stratus::compute_agent
