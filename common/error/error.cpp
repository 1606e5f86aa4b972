#include "common/error/error.h"

#include <cstdint>

namespace stratus {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return "INVALID_ARGUMENT";
    case ErrorCode::NotFound: return "NOT_FOUND";
    case ErrorCode::AlreadyExists: return "ALREADY_EXISTS";
    case ErrorCode::FailedPrecondition: return "FAILED_PRECONDITION";
    case ErrorCode::ResourceExhausted: return "RESOURCE_EXHAUSTED";
    case ErrorCode::PermissionDenied: return "PERMISSION_DENIED";
    case ErrorCode::Unauthenticated: return "UNAUTHENTICATED";
    case ErrorCode::Unavailable: return "UNAVAILABLE";
    case ErrorCode::Internal: return "INTERNAL";
  }
  return "INTERNAL";
}

namespace {

// The length of the UTF-8 sequence starting at text[i], or 0 when it is not a valid one
// (overlong forms, surrogates and values past U+10FFFF included).
size_t utf8_sequence_length(const std::string& text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || i + length > text.size()) return 0;
  uint32_t code = length == 1 ? lead : length == 2 ? lead & 0x1F : length == 3 ? lead & 0x0F : lead & 0x07;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  static const uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kSmallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

}  // namespace

std::string echo(const std::string& value, size_t max_characters) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  size_t characters = 0;
  for (size_t i = 0; i < value.size();) {
    if (characters == max_characters) return out + "...";
    unsigned char c = static_cast<unsigned char>(value[i]);
    size_t length = utf8_sequence_length(value, i);
    if (length == 0 || c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      i += 1;
    } else {
      out.append(value, i, length);
      i += length;
    }
    ++characters;
  }
  return out;
}

Error invalid_argument(const std::string& message) { return Error(ErrorCode::InvalidArgument, message); }
Error not_found(const std::string& kind, const std::string& name_or_id) {
  return Error(ErrorCode::NotFound, kind + " '" + echo(name_or_id) + "' not found");
}
Error already_exists(const std::string& kind, const std::string& name) {
  return Error(ErrorCode::AlreadyExists, kind + " '" + echo(name) + "' already exists");
}
Error failed_precondition(const std::string& message) { return Error(ErrorCode::FailedPrecondition, message); }
Error resource_exhausted(const std::string& message) { return Error(ErrorCode::ResourceExhausted, message); }
Error permission_denied(const std::string& message) { return Error(ErrorCode::PermissionDenied, message); }
Error unauthenticated(const std::string& message) { return Error(ErrorCode::Unauthenticated, message); }
Error unavailable(const std::string& message) { return Error(ErrorCode::Unavailable, message); }

}  // namespace stratus
