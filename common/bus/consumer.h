#pragma once
// Consuming with manual acks on a thread of its own. The handler's answer decides the
// message's fate: true acks it (the work is done); false or an exception is a failed
// attempt. A lost connection is retried with a short jittered exponential back-off
// (100 ms doubling to 2 s), forever until stop(), declaring the queue and bindings again.
// See topology.h for the conventions.
//
// Failed attempts never block the other messages and never spin:
//  - A durable queue Q gets two companions, declared with it: "Q.retry", a delay line whose
//    messages carry their own expiration and, once expired, are dead-lettered back to Q
//    through the default exchange; and "Q.dead", a durable parking place. A failed message
//    is republished (with publisher confirms, on a connection of its own) to Q.retry with
//    its attempt count, original routing key and the error in headers (message.h), and only
//    then acked: it is never lost. After `max_attempts` it goes to Q.dead instead, with the
//    error, the attempt count and the resource id the handler named (HandlerFailure), and
//    an error is logged with the message id, routing key and resource id. An operator
//    inspects Q.dead and shovels back what should be retried.
//    Caveat: RabbitMQ expires messages at the head of a queue only, so a long retry delay
//    can hold back a shorter one behind it, at most retry_backoff.max.
//  - A server-named exclusive queue (per-process fan-out) dies with its connection, so it
//    has no companions: a failed message is put back at the tail of the same queue at once
//    (on the consumer's channel), behind the other messages, and dropped with an error log
//    after `max_attempts`. Its users resync (on connect and periodically), which heals that.
// The handler sees the message's first routing key and exchange on every attempt, and
// `Delivery::attempt`.
//
// A host's agent taking casts:
//   ConsumerOptions options;
//   options.queue = cast_routing_key("compute-agent", host);
//   options.exchange = kCastsExchange;
//   options.routing_keys = {options.queue};
//   Consumer casts(url, options, [&](const Delivery& d) { return reconcile(d); }, logger,
//                  [&] { resync_all(); });
// The consumer starts consuming before on_connected runs, so a resync there misses nothing.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/bus/backoff.h"
#include "common/bus/message.h"
#include "common/bus/url.h"
#include "common/log/log.h"

namespace stratus::bus {

class Connection;
class Publisher;

// Thrown by a handler to name the resource its failure concerns (a port id, an instance id):
// the dead-letter log line and header carry it. Any other exception is a failure too.
class HandlerFailure : public std::runtime_error {
 public:
  HandlerFailure(std::string resource_id, const std::string& what)
      : std::runtime_error(what), resource_id_(std::move(resource_id)) {}
  const std::string& resource_id() const { return resource_id_; }

 private:
  std::string resource_id_;
};

struct ConsumerOptions {
  // A durable queue of this name; empty for an exclusive, auto-delete, server-named queue
  // that lives as long as this process's connection (per-process fan-out).
  std::string queue;
  std::string exchange;                   // e.g. kEventsExchange
  std::vector<std::string> routing_keys;  // bindings of the queue to `exchange`
  uint16_t prefetch = 10;                 // unacked messages the broker hands us at once
  std::string connection_name = "stratus-consumer";
  std::chrono::milliseconds poll_interval{200};   // how often the thread checks for stop()
  int max_attempts = 5;  // handler calls per message before it is parked (or dropped)
  // Delay before attempt n+1 of a failed message (durable queues): 1 s, 2 s, 4 s, 8 s, ...
  BackoffPolicy retry_backoff{std::chrono::seconds(1), std::chrono::seconds(30), 0.2};
  // Between attempts to (re)connect to the broker.
  BackoffPolicy reconnect_backoff{std::chrono::milliseconds(100), std::chrono::seconds(2), 0.2};
  std::chrono::milliseconds timeout{5000};  // connect and each broker round trip
  int heartbeat_seconds = 30;               // a handler must not run longer than ~2x this
};

class Consumer {
 public:
  // Returns true when the work is done (ack), false to have the message delivered again.
  using Handler = std::function<bool(const Delivery&)>;
  // Runs on the consumer thread after each (re)connection, before any delivery: a
  // level-triggered user resyncs here, since messages may have been missed meanwhile.
  using ConnectedHook = std::function<void()>;

  // Starts the thread at once.
  Consumer(BusUrl url, ConsumerOptions options, Handler handler, log::Logger logger,
           ConnectedHook on_connected = nullptr);
  ~Consumer();  // stop()
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Returns within about poll_interval, after a handler in progress has finished.
  void stop();

  bool connected() const { return connected_; }
  // Waits until the queue is declared, bound and consumed from; false on timeout.
  bool wait_until_connected(std::chrono::milliseconds timeout);
  // The queue's name; for a server-named queue it changes with each connection.
  std::string queue_name() const;

 private:
  void run();
  void consume_until_failure(Connection& connection);
  void set_up(Connection& connection);
  void handle(Connection& connection, const Delivery& delivery, uint64_t delivery_tag);
  // After a failed attempt: to the retry queue, the dead-letter queue or (fan-out) back to
  // the tail of the queue, or dropped.
  void handle_failure(Connection& connection, const Delivery& delivery, const std::string& error,
                      const std::string& resource_id);
  Publisher& retry_publisher();
  void wait_frame_after_unexpected_state(Connection& connection);
  // Sleeps up to `duration`; returns true if stop() was called.
  bool sleep_unless_stopped(std::chrono::milliseconds duration);

  BusUrl url_;
  ConsumerOptions options_;
  Handler handler_;
  log::Logger logger_;
  ConnectedHook on_connected_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;  // stop requested, or connected
  bool stopping_ = false;
  std::string queue_name_;
  std::unique_ptr<Publisher> retry_publisher_;  // consumer thread only, connected on first use
  std::atomic<bool> connected_{false};
  std::thread thread_;
};

}  // namespace stratus::bus
