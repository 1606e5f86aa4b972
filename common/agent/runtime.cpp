#include "common/agent/runtime.h"

#include "common/error/error.h"
#include "common/process/signals.h"
#include "common/bus/topology.h"

namespace stratus::agent {

bool SyncedGate::open() {
  std::lock_guard lock(mutex_);
  bool was_open = open_;
  open_ = true;
  changed_.notify_all();
  return !was_open;
}

bool SyncedGate::is_open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

void SyncedGate::cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  changed_.notify_all();
}

bool SyncedGate::wait() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return open_ || cancelled_; });
  return open_;
}

bool SyncedGate::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [this] { return open_ || cancelled_; });
  return open_;
}

void validate_host_name(const std::string& host) {
  bool ok = !host.empty() && host.size() <= 253 && host.front() != '.' && host.back() != '.' &&
            host.find("..") == std::string::npos &&
            host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
                std::string::npos;
  if (!ok)
    throw invalid_argument("agent host name must be 1-253 letters, digits, '-', '_' or '.' without empty labels");
}

AgentRuntime::AgentRuntime(std::string agent, std::string host, log::Logger logger)
    : agent_(std::move(agent)), host_(std::move(host)), logger_(std::move(logger)) {
  validate_host_name(host_);
}

AgentRuntime::~AgentRuntime() { shut_down(); }

void AgentRuntime::mark_synced() {
  if (synced_.open()) logger_.info("agent synced: workers start", {{"agent", agent_}, {"host", host_}});
}

void AgentRuntime::consume_host_events(const bus::BusUrl& url, const std::string& exchange,
                                       const std::vector<std::string>& bases, bus::Consumer::Handler handler,
                                       bus::Consumer::ConnectedHook on_connected) {
  bus::ConsumerOptions options;
  options.exchange = exchange;
  for (const auto& base : bases) options.routing_keys.push_back(bus::host_routing_key(base, host_));
  options.connection_name = "stratus-" + agent_ + "-" + host_;
  consume(url, std::move(options), std::move(handler), std::move(on_connected));
}

void AgentRuntime::consume(const bus::BusUrl& url, bus::ConsumerOptions options, bus::Consumer::Handler handler,
                           bus::Consumer::ConnectedHook on_connected) {
  consumers_.push_back(std::make_unique<bus::Consumer>(url, std::move(options), std::move(handler),
                                                       logger_.child("bus"), std::move(on_connected)));
}

void AgentRuntime::every(const std::string& name, std::chrono::milliseconds interval, std::function<void()> run) {
  periodic_.push_back(std::make_unique<PeriodicTask>(agent_ + "-" + name, interval, std::move(run), logger_));
}

void AgentRuntime::start_thread(const std::string& name, std::function<void()> body) {
  threads_.push_back(NamedThread{name, std::thread([this, name, body = std::move(body)] {
                                   try {
                                     body();
                                   } catch (const std::exception& e) {
                                     logger_.error("agent thread failed", {{"thread", name}, {"error", e.what()}});
                                   }
                                 })});
}

void AgentRuntime::start_worker(const std::string& name, std::function<void()> body) {
  start_thread(name, [this, body = std::move(body)] {
    if (synced_.wait()) body();
  });
}

void AgentRuntime::on_shutdown(std::function<void()> hook) { shutdown_hooks_.push_back(std::move(hook)); }

AgentHealth AgentRuntime::health() const {
  AgentHealth health;
  health.synced = synced_.is_open();
  health.consumers = static_cast<int>(consumers_.size());
  for (const auto& consumer : consumers_) health.consumers_connected += consumer->connected() ? 1 : 0;
  return health;
}

int AgentRuntime::run_until_signal() {
  logger_.info("agent running until SIGTERM or SIGINT", {{"agent", agent_}, {"host", host_}});
  int signal_number = process::wait_for_termination_signal();
  logger_.info("shutting down", {{"signal", process::termination_signal_name(signal_number)}});
  shut_down();
  logger_.info("stopped");
  return 0;
}

void AgentRuntime::shut_down() {
  if (shut_down_) return;
  shut_down_ = true;
  for (auto& task : periodic_) task->stop();  // no new work
  for (auto& consumer : consumers_) consumer->stop();
  synced_.cancel();  // workers that never started stay so
  for (auto& hook : shutdown_hooks_) {
    try {
      hook();
    } catch (const std::exception& e) {
      logger_.warn("shutdown hook failed", {{"error", e.what()}});
    }
  }
  for (auto it = threads_.rbegin(); it != threads_.rend(); ++it)
    if (it->thread.joinable()) it->thread.join();
}

}  // namespace stratus::agent
