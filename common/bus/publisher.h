#pragma once
// Publishing with publisher confirms: `publish` returns only once the broker has taken
// responsibility for the message (basic.ack), so a caller that then deletes its copy (the
// outbox relay) loses nothing. See topology.h for exchanges, routing keys and properties.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "common/bus/message.h"
#include "common/bus/url.h"
#include "common/log/log.h"

namespace google::protobuf {
class Message;
}

namespace stratus::bus {

class Connection;

// What the outbox relay and services need from a publisher; a fake can stand in for it.
class MessagePublisher {
 public:
  virtual ~MessagePublisher() = default;
  // Returns once the broker confirmed; throws stratus::Error UNAVAILABLE otherwise.
  virtual void publish(const std::string& exchange, const std::string& routing_key, const std::string& body,
                       const std::string& type, const std::string& message_id) = 0;
};

struct PublisherOptions {
  std::string connection_name = "stratus-publisher";
  std::chrono::milliseconds timeout{5000};  // connect, and wait for each confirm
};

class Publisher : public MessagePublisher {
 public:
  // Connects lazily, on the first publish.
  Publisher(BusUrl url, log::Logger logger, PublisherOptions options = {});
  ~Publisher() override;
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Thread-safe; publishes one message at a time. UNAVAILABLE on nack, confirm timeout,
  // or a broker that cannot be reached; the next call reconnects.
  void publish(const std::string& exchange, const std::string& routing_key, const std::string& body,
               const std::string& type, const std::string& message_id) override;

  // The same with headers and an expiration (the consumer's retries and dead letters).
  void publish(const OutgoingMessage& message);

  // Serializes `payload`, types it with its protobuf full name and gives it a fresh
  // message id, which it returns.
  std::string publish(const std::string& exchange, const std::string& routing_key,
                      const google::protobuf::Message& payload);

 private:
  void connect();
  void publish_on_connection(const OutgoingMessage& message);
  void wait_for_confirm(uint64_t delivery_tag);

  BusUrl url_;
  log::Logger logger_;
  PublisherOptions options_;
  std::mutex mutex_;  // one publish at a time on the one connection
  std::unique_ptr<Connection> connection_;
  uint64_t last_delivery_tag_ = 0;  // confirms count publishes per channel, from 1
};

}  // namespace stratus::bus
