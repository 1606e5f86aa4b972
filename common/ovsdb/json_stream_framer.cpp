#include "common/ovsdb/json_stream_framer.h"

#include "common/ovsdb/error.h"

namespace stratus::ovsdb {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
}  // namespace

std::optional<std::string> JsonStreamFramer::next() {
  // Skip whitespace between values; only possible while no value is open.
  if (depth_ == 0) {
    while (start_ < buffer_.size() && is_space(buffer_[start_])) ++start_;
    scan_ = start_;
  }
  for (; scan_ < buffer_.size(); ++scan_) {
    const char c = buffer_[scan_];
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      continue;
    }
    if (depth_ == 0 && c != '{' && c != '[') {
      throw OvsdbError("json stream", "unexpected byte at top level",
                       std::string("'") + c + "' at offset " + std::to_string(scan_ - start_));
    }
    if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if (c == '}' || c == ']') {
      if (--depth_ == 0) {
        std::string value = buffer_.substr(start_, scan_ + 1 - start_);
        start_ = scan_ = scan_ + 1;
        return value;
      }
    }
  }
  if (pending_bytes() > max_message_bytes_) {
    throw OvsdbError("json stream", "message too large",
                     std::to_string(pending_bytes()) + " bytes without a complete value");
  }
  compact();
  return std::nullopt;
}

// Drops consumed bytes so the buffer does not grow with the life of the connection. Done
// only once every complete value has been taken, so a burst of messages is not copied
// once per message.
void JsonStreamFramer::compact() {
  if (start_ == 0) return;
  buffer_.erase(0, start_);
  scan_ -= start_;
  start_ = 0;
}

}  // namespace stratus::ovsdb
