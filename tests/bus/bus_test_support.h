#pragma once
// Helpers shared by the bus and outbox tests: the broker URL, unique names, and an inbox
// that collects what a consumer received.
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/bus/connection.h"
#include "common/bus/message.h"
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

 private:
  mutable std::mutex mutex_;
  std::vector<bus::Delivery> deliveries_;
};

// Deletes a durable test queue at the end of a test; returns the messages it still held.
inline uint32_t delete_queue(const std::string& queue) {
  bus::Connection connection(test_amqp_url(), bus::ConnectionOptions{"stratus-test-cleanup"});
  return connection.delete_queue(queue);
}

}  // namespace stratus::testing
