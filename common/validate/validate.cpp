#include "common/validate/validate.h"

#include <algorithm>
#include <cctype>

#include "common/error/error.h"

namespace stratus::validate {
namespace {

bool has_control_characters(const std::string& value) {
  for (unsigned char c : value)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

}  // namespace

void name(const std::string& field, const std::string& value) {
  if (value.empty()) throw invalid_argument(field + " must not be empty");
  if (value.size() > 64) throw invalid_argument(field + " must be at most 64 characters, got " + std::to_string(value.size()));
  if (has_control_characters(value)) throw invalid_argument(field + " must not contain control characters");
  if (std::isspace(static_cast<unsigned char>(value.front())) || std::isspace(static_cast<unsigned char>(value.back())))
    throw invalid_argument(field + " must not start or end with a space");
  if (is_uuid(value)) throw invalid_argument(field + " must not look like an id (a UUID)");
}

void optional_text(const std::string& field, const std::string& value, size_t max_length) {
  if (value.size() > max_length)
    throw invalid_argument(field + " must be at most " + std::to_string(max_length) + " characters");
  if (has_control_characters(value)) throw invalid_argument(field + " must not contain control characters");
}

void email(const std::string& field, const std::string& value) {
  if (value.empty()) return;
  optional_text(field, value, 254);
  auto at = value.find('@');
  if (at == std::string::npos || at == 0 || at == value.size() - 1 || value.find('@', at + 1) != std::string::npos ||
      value.find(' ') != std::string::npos)
    throw invalid_argument(field + " '" + value + "' is not an e-mail address");
}

bool is_uuid(const std::string& v) {
  if (v.size() != 36) return false;
  for (size_t i = 0; i < v.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? v[i] != '-' : !std::isxdigit(static_cast<unsigned char>(v[i]))) return false;
  }
  return true;
}

void host_port(const std::string& field, const std::string& value) {
  auto fail = [&] { return invalid_argument(field + " must be host:port (e.g. 127.0.0.1:7200), got '" + value + "'"); };
  auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == value.size() || value.size() > 255) throw fail();
  std::string host = value.substr(0, colon), port = value.substr(colon + 1);
  if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }))
    throw fail();
  int number = std::stoi(port);
  if (number < 1 || number > 65535) throw fail();
  bool bracketed = host.front() == '[' && host.back() == ']';
  if (!bracketed && !std::all_of(host.begin(), host.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '-' || c == '_';
      }))
    throw fail();
}

void uuid(const std::string& field, const std::string& value) {
  if (!is_uuid(value)) throw invalid_argument(field + " '" + value + "' is not a valid id (expected a UUID)");
}

}  // namespace stratus::validate
