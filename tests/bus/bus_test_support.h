#pragma once
// Helpers shared by the bus and outbox tests: the broker URL, unique names, and an inbox
// that collects what a consumer received.
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/bus/connection.h"
#include "common/bus/message.h"
#include "common/bus/topology.h"
#include "common/bus/url.h"
#include "common/log/log.h"

namespace stratus::testing {

inline bus::BusUrl test_amqp_url() {
  const char* url = std::getenv("STRATUS_TEST_AMQP_URL");
  return bus::BusUrl::parse(url && *url ? url : "amqp://guest:guest@127.0.0.1:5672/");
}

// A broker address where nothing listens.
inline bus::BusUrl unreachable_amqp_url() {
  bus::BusUrl url = test_amqp_url();
  url.host = "127.0.0.1";
  url.port = 1;
  return url;
}

inline log::Logger bus_test_logger() {
  return log::Logger("test", log::Level::Info, log::Format::Text, std::make_shared<log::Sink>(std::cerr));
}

// "stratus-test-<prefix>-1a2b3c4d": unique per call, so tests never see each other's messages.
inline std::string unique_name(const std::string& prefix) {
  return "stratus-test-" + prefix + "-" + bus::new_message_id().substr(0, 8);
}

// Polls `condition` until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Thread-safe record of the deliveries a handler saw.
class Inbox {
 public:
  void add(const bus::Delivery& delivery) {
    std::lock_guard<std::mutex> lock(mutex_);
    deliveries_.push_back(delivery);
  }
  std::vector<bus::Delivery> deliveries() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return deliveries_;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return deliveries_.size();
  }
  bool wait_for(size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    return eventually([&] { return size() >= count; }, timeout);
  }
  // Waits for a delivery with this body (a marker sent after what must not arrive).
  bool wait_for_body(const std::string& body, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    return eventually([&] { return count_of(body) > 0; }, timeout);
  }
  size_t count_of(const std::string& body) const {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t n = 0;
    for (const auto& d : deliveries_) n += d.body == body;
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<bus::Delivery> deliveries_;
};

// Deletes a durable test queue at the end of a test; returns the messages it still held.
inline uint32_t delete_queue(const std::string& queue) {
  bus::Connection connection(test_amqp_url(), bus::ConnectionOptions{"stratus-test-cleanup"});
  return connection.delete_queue(queue);
}

// Deletes a durable consumer queue and its retry and dead-letter companions; returns the
// messages they still held together.
inline uint32_t delete_queues(const std::string& queue) {
  bus::Connection connection(test_amqp_url(), bus::ConnectionOptions{"stratus-test-cleanup"});
  return connection.delete_queue(queue) + connection.delete_queue(bus::retry_queue_name(queue)) +
         connection.delete_queue(bus::dead_letter_queue_name(queue));
}

struct QueuedMessage {
  std::string body;
  std::string message_id;
  std::map<std::string, std::string> headers;  // text headers only
};

// Takes one message off `queue` (basic.get, acked), if it holds one.
inline std::optional<QueuedMessage> take_message(const std::string& queue) {
  bus::Connection connection(test_amqp_url(), bus::ConnectionOptions{"stratus-test-inspect"});
  amqp_bytes_t name{queue.size(), const_cast<char*>(queue.data())};
  amqp_rpc_reply_t reply = amqp_basic_get(connection.state(), bus::Connection::kChannel, name, /*no_ack=*/1);
  connection.check(reply, "get from " + queue);
  if (reply.reply.id != AMQP_BASIC_GET_OK_METHOD) return std::nullopt;
  amqp_message_t message;
  connection.check(amqp_read_message(connection.state(), bus::Connection::kChannel, &message, 0), "read message");
  auto text = [](amqp_bytes_t b) { return std::string(static_cast<const char*>(b.bytes), b.len); };
  QueuedMessage got;
  got.body = text(message.body);
  if (message.properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG) got.message_id = text(message.properties.message_id);
  if (message.properties._flags & AMQP_BASIC_HEADERS_FLAG)
    for (int i = 0; i < message.properties.headers.num_entries; ++i) {
      const auto& entry = message.properties.headers.entries[i];
      if (entry.value.kind == AMQP_FIELD_KIND_UTF8) got.headers[text(entry.key)] = text(entry.value.value.bytes);
      if (entry.value.kind == AMQP_FIELD_KIND_I64)
        got.headers[text(entry.key)] = std::to_string(entry.value.value.i64);
    }
  amqp_destroy_message(&message);
  return got;
}

}  // namespace stratus::testing
