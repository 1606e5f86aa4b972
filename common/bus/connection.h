#pragma once
// One AMQP connection with one channel, over rabbitmq-c. Used by Publisher and Consumer;
// services use those instead. rabbitmq-c connections are not thread-safe, so every owner
// keeps its own Connection and uses it from one thread at a time.
//
// Any failure throws stratus::Error UNAVAILABLE and marks the connection broken; the owner
// then drops it and opens a new one (the broker has closed the channel or the socket).
#include <amqp.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "common/bus/message.h"
#include "common/bus/url.h"

namespace stratus::bus {

struct ConnectionOptions {
  std::string name = "stratus";  // the client property connection_name, for operators
  std::chrono::milliseconds timeout{5000};  // connect, login and each broker round trip
  int heartbeat_seconds = 0;     // 0: none (rabbitmq-c only sends heartbeats while called)
};

class Connection {
 public:
  static constexpr amqp_channel_t kChannel = 1;

  // Connects, logs in and opens the channel; UNAVAILABLE if the broker cannot be reached
  // or refuses (the message names the redacted URL, never the password).
  Connection(const BusUrl& url, const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  amqp_connection_state_t state() { return state_; }
  bool broken() const { return broken_; }

  // Throws UNAVAILABLE naming `what` and the broker's or library's reason unless `reply`
  // is normal.
  void check(amqp_rpc_reply_t reply, const std::string& what);
  void check_status(int status, const std::string& what);
  [[noreturn]] void fail(const std::string& what, const std::string& reason);

  // The two standard exchanges of topology.h.
  void declare_exchanges();
  // A durable named queue, or for an empty name an exclusive auto-delete queue named by
  // the server. Returns the queue's name.
  std::string declare_queue(const std::string& name);
  // A durable queue whose expired messages go back to `target` through the default
  // exchange: the delay line of a consumer's retries (messages carry their own expiration).
  void declare_delay_queue(const std::string& name, const std::string& target);
  void bind_queue(const std::string& queue, const std::string& exchange, const std::string& routing_key);
  // Sends one persistent message (basic.publish, without waiting for a confirm).
  void publish(const OutgoingMessage& message);
  // Returns how many messages the queue still held.
  uint32_t delete_queue(const std::string& queue);

 private:
  void open_socket(const BusUrl& url, const ConnectionOptions& options);
  void login(const BusUrl& url, const ConnectionOptions& options);

  amqp_connection_state_t state_;
  std::string where_;  // redacted URL for messages
  bool broken_ = false;
};

// Text of a library status or of a broker close (e.g. "NOT_FOUND - no exchange 'x'").
std::string describe_reply(const amqp_rpc_reply_t& reply);

}  // namespace stratus::bus
