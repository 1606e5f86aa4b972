#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace stratus::ovsdb {

// OVSDB peers send JSON values back to back with no delimiter. The framer splits a byte
// stream into complete top-level JSON values (objects or arrays) without parsing them: it
// only tracks nesting depth, strings and escapes, so it copes with any split of the input
// into reads. Not thread-safe; one per connection.
class JsonStreamFramer {
 public:
  explicit JsonStreamFramer(std::size_t max_message_bytes = 64 * 1024 * 1024)
      : max_message_bytes_(max_message_bytes) {}

  // Appends bytes as they arrived from the socket.
  void feed(std::string_view bytes) { buffer_.append(bytes); }

  // The next complete value, or nullopt until more bytes arrive. Throws OvsdbError on bytes
  // that cannot start a value (a scalar at top level, a stray closing bracket) or on a value
  // larger than max_message_bytes.
  std::optional<std::string> next();

  // Bytes held that do not yet form a complete value (whitespace excluded at the start).
  std::size_t pending_bytes() const { return buffer_.size() - start_; }

 private:
  void compact();

  std::size_t max_message_bytes_;
  std::string buffer_;
  std::size_t start_ = 0;  // first byte of the value being scanned
  std::size_t scan_ = 0;   // next byte to look at
  int depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
};

}  // namespace stratus::ovsdb
