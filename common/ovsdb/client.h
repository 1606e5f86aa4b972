#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/ovsdb/connection.h"
#include "common/log/log.h"
#include "common/ovsdb/value.h"

namespace stratus::ovsdb {

// Delay between connection attempts: doubles from `initial` up to `max`.
struct Backoff {
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds max{5000};
};

struct ClientOptions {
  std::chrono::milliseconds call_timeout{10000};
  // Where connect failures and disconnects are logged (warn, with the remote). A long-lived
  // agent sets it; without it the client is silent (tests).
  std::optional<log::Logger> logger;
};

// Throws OvsdbError naming the failed operation (index, op, table) with the server's
// error and details when any result of a transaction reports one. Exposed for tests.
void check_transact_results(const std::string& db, const json& ops, const json& results);

// The RFC 7047 methods over one (re)connectable session.
//
// Threading: all methods may be called from any thread. Monitor update handlers run on the
// connection's reader thread (see Connection) and must not call back into the Client
// synchronously. Reconnecting is explicit: connect(), connect_with_backoff(), or run(),
// which is the loop a long-lived agent uses.
class Client {
 public:
  using UpdateHandler = std::function<void(const json& table_updates)>;

  explicit Client(std::string remote, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // One attempt; replaces any previous session. Throws OvsdbError.
  void connect();
  // Retries connect() with backoff until it succeeds (true) or should_stop() (false).
  bool connect_with_backoff(const Backoff& backoff, const std::function<bool()>& should_stop);
  // Keeps a session up until should_stop(): connects with backoff, calls on_connected (e.g.
  // to re-monitor replicas), waits for the session to drop, and starts again.
  void run(const Backoff& backoff, const std::function<bool()>& should_stop,
           const std::function<void()>& on_connected);
  bool is_connected() const;
  // True once the session is down, false if still up after `timeout`.
  bool wait_for_disconnect(std::chrono::milliseconds timeout);
  void close();
  const std::string& remote() const { return remote_; }

  json call(const std::string& method, const json& params);
  std::vector<std::string> list_dbs();
  json get_schema(const std::string& db);
  // Runs ops atomically; returns the per-operation results. Throws OvsdbError if the
  // transaction or any operation failed.
  json transact(const std::string& db, const json& ops);
  // Starts a "monitor"; returns the initial contents (table-updates). on_update receives
  // each later "update" for this monitor_id, including on later sessions until cancelled.
  json monitor(const std::string& db, const json& monitor_id, const json& requests,
               UpdateHandler on_update);
  void monitor_cancel(const json& monitor_id);

 private:
  std::shared_ptr<Connection> session() const;
  void on_notification(const std::string& method, const json& params);
  void on_disconnect(std::uint64_t generation, const std::string& reason);
  void log(const std::string& line) const;

  std::string remote_;
  ClientOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable disconnected_;
  std::shared_ptr<Connection> connection_;
  std::uint64_t generation_ = 0;  // which session a disconnect report belongs to
  std::map<std::string, UpdateHandler> update_handlers_;  // keyed by monitor_id.dump()
};

}  // namespace stratus::ovsdb
