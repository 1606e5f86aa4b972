#pragma once
// Where the broker is: amqp://user:pass@host:port/vhost. The password never leaves this
// struct except towards the broker: log `redacted()` instead.
#include <string>

namespace stratus::bus {

struct BusUrl {
  std::string user = "guest";
  std::string password = "guest";
  std::string host = "localhost";
  int port = 5672;
  std::string vhost = "/";

  // Throws stratus::Error INVALID_ARGUMENT naming what is wrong (never the password).
  // The vhost is percent-decoded ("%2F" is "/"); an empty or missing path means "/".
  static BusUrl parse(const std::string& url);

  // amqp://user:***@host:port/vhost, safe for logs and error messages.
  std::string redacted() const;
};

}  // namespace stratus::bus
