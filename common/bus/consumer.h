#pragma once
// Consuming with manual acks on a thread of its own. The handler's answer decides the
// message's fate: true acks it (the work is done), false or an exception puts it back on
// the queue after a short delay, to be delivered again (redelivered = true). A lost
// connection is retried with capped exponential backoff, forever until stop(), declaring
// the queue and bindings again each time. See topology.h for the conventions.
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
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/bus/message.h"
#include "common/bus/url.h"
#include "common/log/log.h"

namespace stratus::bus {

class Connection;

struct ConsumerOptions {
  // A durable queue of this name; empty for an exclusive, auto-delete, server-named queue
  // that lives as long as this process's connection (per-process fan-out).
  std::string queue;
  std::string exchange;                   // e.g. kEventsExchange
  std::vector<std::string> routing_keys;  // bindings of the queue to `exchange`
  uint16_t prefetch = 10;                 // unacked messages the broker hands us at once
  std::string connection_name = "stratus-consumer";
  std::chrono::milliseconds poll_interval{200};   // how often the thread checks for stop()
  std::chrono::milliseconds requeue_delay{1000};  // before putting back a failed message
  std::chrono::milliseconds min_backoff{200};
  std::chrono::milliseconds max_backoff{10000};
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
  std::atomic<bool> connected_{false};
  std::thread thread_;
};

}  // namespace stratus::bus
