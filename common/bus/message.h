#pragma once
// A message as a consumer receives it, and the ids that name messages.
#include <string>

namespace stratus::bus {

struct Delivery {
  std::string body;         // serialized protobuf payload
  std::string exchange;
  std::string routing_key;
  std::string type;         // protobuf full name of the payload; empty if the publisher set none
  std::string message_id;   // UUID set by the publisher; empty if the publisher set none
  bool redelivered = false; // the broker delivered it before and it was not acked
};

// A random (version 4) UUID in canonical text form, for message_id.
std::string new_message_id();

}  // namespace stratus::bus
