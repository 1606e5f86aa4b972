#pragma once
// A message as a consumer receives it, one as a publisher sends it, and the ids that name
// messages.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace stratus::bus {

// Headers the consumer's retry and dead-letter handling sets (consumer.h).
inline constexpr const char* kAttemptHeader = "x-stratus-attempt";          // 1 for the first delivery
inline constexpr const char* kRoutingKeyHeader = "x-stratus-routing-key";   // as first published
inline constexpr const char* kExchangeHeader = "x-stratus-exchange";        // as first published
inline constexpr const char* kErrorHeader = "x-stratus-error";              // the last handler failure
inline constexpr const char* kResourceIdHeader = "x-stratus-resource-id";   // what the handler named

struct Delivery {
  std::string body;         // serialized protobuf payload
  std::string exchange;     // as first published (also after retries)
  std::string routing_key;  // as first published (also after retries)
  std::string type;         // protobuf full name of the payload; empty if the publisher set none
  std::string message_id;   // UUID set by the publisher; empty if the publisher set none
  bool redelivered = false; // the broker delivered it before and it was not acked
  int attempt = 1;          // how many times a handler has been given this message, this one included
  std::map<std::string, std::string> headers;  // text and integer headers, as text
};

struct OutgoingMessage {
  std::string exchange;
  std::string routing_key;
  std::string body;
  std::string type;
  std::string message_id;
  std::map<std::string, std::string> headers;      // sent as text
  std::map<std::string, int64_t> number_headers;   // sent as 64-bit integers
  std::optional<std::chrono::milliseconds> expiration;  // per-message TTL in the queue
};

// A random (version 4) UUID in canonical text form, for message_id.
std::string new_message_id();

}  // namespace stratus::bus
