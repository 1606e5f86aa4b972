#pragma once
// What every per-host agent's main needs (network agent now; compute and storage agents
// next), in one place:
//  - SyncedGate: workers start once the agent's view of its host is complete (e.g. the OVSDB
//    replica is loaded), waiting on a condition, not polling: a round on a partial view
//    would delete what it cannot see;
//  - the host-scoped bus consumer (an agent binds only "<base>.<its host>" keys, so its work
//    does not grow with the number of hosts), and any other consumer (casts);
//  - the periodic full resync (level-triggered: what an event missed, the resync heals);
//  - threads of the agent (sessions, workers) and the hooks that make them return;
//  - readiness: ready() = synced and every bus consumer connected, logged when it changes;
//  - SIGTERM/SIGINT and a clean shutdown in a fixed order: no new work first (periodic
//    tasks, consumers), then the hooks (queue shut down, sessions closed), then the threads
//    are joined, last started first.
//
//   process::block_termination_signals();          // first thing in main (service_main does it)
//   AgentRuntime runtime("network-agent", host, logger);
//   WorkQueue queue;
//   runtime.on_shutdown([&] { queue.shut_down(); });
//   runtime.start_thread("ovsdb", [&] { session.run(...); /* calls runtime.mark_synced() */ });
//   runtime.start_worker("reconciler", [&] { reconciler.run(); });  // after the gate opens
//   runtime.consume_host_events(url, {"network.*.changed"}, handler, resync);
//   runtime.every("resync", 60s, resync);
//   return runtime.run_until_signal();
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/bus/consumer.h"
#include "common/log/log.h"
#include "common/task/periodic.h"

namespace stratus::agent {

// Opens once; workers wait for it. cancel() releases waiters without opening (shutdown);
// once open, it stays open.
class SyncedGate {
 public:
  // Returns true the first time (the gate just opened).
  bool open();
  bool is_open() const;
  void cancel();
  // True once open; false if cancelled first.
  bool wait();
  // True once open; false if cancelled first or after `timeout`.
  bool wait_for(std::chrono::milliseconds timeout);

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
  bool cancelled_ = false;
};

// Throws stratus::Error INVALID_ARGUMENT unless `host` can end a routing key and name a
// queue: 1-253 characters of letters, digits, '-', '_' and '.', with no empty dot-separated
// word (so no '*' or '#' wildcard can sneak into a binding).
void validate_host_name(const std::string& host);

struct AgentHealth {
  bool synced = false;
  int consumers = 0;            // bus consumers started
  int consumers_connected = 0;  // of those, connected now
  bool ready() const { return synced && consumers_connected == consumers; }
};

class AgentRuntime {
 public:
  // `agent` names the agent in logs and broker connection names ("network-agent").
  AgentRuntime(std::string agent, std::string host, log::Logger logger);
  ~AgentRuntime();  // shut_down()
  AgentRuntime(const AgentRuntime&) = delete;
  AgentRuntime& operator=(const AgentRuntime&) = delete;

  const std::string& host() const { return host_; }
  const std::string& agent() const { return agent_; }

  // The host view is complete: workers may start. Logs "agent synced" the first time.
  void mark_synced();
  SyncedGate& synced() { return synced_; }

  // Consumes events bound as "<base>.<host>" for each base (e.g. "network.*.changed") from
  // `exchange`, on a server-named per-process queue: what is published while the agent is
  // away is lost to it, so `on_connected` must resync.
  void consume_host_events(const bus::BusUrl& url, const std::string& exchange,
                           const std::vector<std::string>& bases, bus::Consumer::Handler handler,
                           bus::Consumer::ConnectedHook on_connected);
  // Any other consumer (e.g. the durable queue of casts to this host).
  void consume(const bus::BusUrl& url, bus::ConsumerOptions options, bus::Consumer::Handler handler,
               bus::Consumer::ConnectedHook on_connected);

  // Runs `run` every `interval` (the periodic full resync) until shutdown.
  void every(const std::string& name, std::chrono::milliseconds interval, std::function<void()> run);

  // A thread that runs at once (e.g. a session with the local switch or hypervisor).
  void start_thread(const std::string& name, std::function<void()> body);
  // A thread that runs `body` once the gate is open (not at all if shut down before; a body
  // started during shutdown must return promptly, which a shut-down WorkQueue ensures).
  void start_worker(const std::string& name, std::function<void()> body);
  // Called at shutdown, in order of registration, to make the threads' bodies return.
  void on_shutdown(std::function<void()> hook);

  AgentHealth health() const;
  bool ready() const { return health().ready(); }

  // Waits for SIGTERM/SIGINT (logged), shuts down; returns the exit code (0).
  int run_until_signal();
  // The shutdown order above; idempotent.
  void shut_down();

 private:
  struct NamedThread {
    std::string name;
    std::thread thread;
  };

  std::string agent_;
  std::string host_;
  log::Logger logger_;
  SyncedGate synced_;
  std::vector<std::unique_ptr<bus::Consumer>> consumers_;
  std::vector<std::unique_ptr<PeriodicTask>> periodic_;
  std::vector<std::function<void()>> shutdown_hooks_;
  std::vector<NamedThread> threads_;
  bool shut_down_ = false;
};

}  // namespace stratus::agent
