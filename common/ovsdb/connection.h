#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace stratus::ovsdb {

using json = nlohmann::json;

// One JSON-RPC 1.0 session with an OVSDB server over "unix:/path" or "tcp:host:port".
//
// Threading: the constructor starts a reader thread that owns all reads. call() may be used
// from any number of threads; it blocks the caller until the reply or the timeout. The
// reader answers the server's "echo" keepalives itself and hands every notification to
// on_notification ON THE READER THREAD: a handler must not block on call() (the reply could
// never be read) and should be quick. on_disconnect runs once, on the reader thread, when
// the session ends for any reason other than close(). The Connection never reconnects;
// Client does that. Do not destroy a Connection from inside its own handlers.
class Connection {
 public:
  using NotificationHandler = std::function<void(const std::string& method, const json& params)>;
  using DisconnectHandler = std::function<void(const std::string& reason)>;

  // Connects and starts the reader. Throws OvsdbError if the remote is malformed or refuses.
  Connection(const std::string& remote, NotificationHandler on_notification,
             DisconnectHandler on_disconnect);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends a request and waits for its reply. Returns "result"; throws OvsdbError carrying the
  // server's error, or on timeout, or when the connection is or becomes closed.
  json call(const std::string& method, const json& params, std::chrono::milliseconds timeout);

  // Stops the reader, fails pending calls, closes the socket. Idempotent.
  void close();
  bool is_open() const { return open_; }
  const std::string& remote() const { return remote_; }

 private:
  void reader_loop();
  void handle_message(const json& message);
  void handle_reply(const json& message);
  void send(const json& message);
  void fail_pending(const std::string& reason);

  std::string remote_;
  int fd_ = -1;
  NotificationHandler on_notification_;
  DisconnectHandler on_disconnect_;
  std::atomic<bool> open_{false};
  std::atomic<bool> closing_{false};
  std::mutex write_mutex_;  // one writer at a time; also guards fd_ against close()
  std::mutex pending_mutex_;
  std::int64_t next_id_ = 1;
  std::map<std::int64_t, std::promise<json>> pending_;  // request id -> waiting caller
  std::mutex close_mutex_;
  std::thread reader_;
};

}  // namespace stratus::ovsdb
