#include "services/compute/domain/names.h"

#include <cctype>
#include <cstdint>
#include <cstdio>

#include "common/error/error.h"
#include "common/validate/validate.h"
#include "services/compute/domain/keypairs.h"

namespace stratus::compute {
namespace {

constexpr size_t kMaxNameCharacters = 255;
constexpr size_t kMaxEcho = 64;

// At most kMaxEcho bytes of user input in a message, cut on a character boundary.
std::string echo(const std::string& value) {
  if (value.size() <= kMaxEcho) return value;
  size_t cut = kMaxEcho - 3;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  return value.substr(0, cut) + "...";
}

std::string code_point_name(uint32_t cp) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(cp));
  return buffer;
}

bool is_control(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// Characters that render as nothing and let two different names look the same (or reorder text).
bool is_invisible_format(uint32_t cp) {
  return cp == 0x00AD || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x206F) || cp == 0xFEFF;
}

// Decodes strict UTF-8 (no overlong forms, no surrogates, <= U+10FFFF) and checks every character;
// returns the number of characters. Throws InvalidArgument naming `field`.
size_t checked_characters(const std::string& field, const std::string& value) {
  size_t count = 0;
  for (size_t i = 0; i < value.size(); ++count) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(value[k]); };
    unsigned char lead = byte(i);
    uint32_t cp = 0;
    size_t length = 0;
    uint32_t minimum = 0;
    if (lead < 0x80) {
      cp = lead, length = 1;
    } else if ((lead & 0xE0) == 0xC0) {
      cp = lead & 0x1F, length = 2, minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      cp = lead & 0x0F, length = 3, minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      cp = lead & 0x07, length = 4, minimum = 0x10000;
    } else {
      throw invalid_argument(field + " is not valid UTF-8 (bad byte at offset " + std::to_string(i) + ")");
    }
    if (i + length > value.size())
      throw invalid_argument(field + " is not valid UTF-8 (truncated character at offset " + std::to_string(i) + ")");
    for (size_t k = 1; k < length; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80)
        throw invalid_argument(field + " is not valid UTF-8 (bad byte at offset " + std::to_string(i + k) + ")");
      cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      throw invalid_argument(field + " is not valid UTF-8 (bad character at offset " + std::to_string(i) + ")");
    if (is_control(cp))
      throw invalid_argument(field + " must not contain control characters (found " + code_point_name(cp) +
                             " at character " + std::to_string(count + 1) + ")");
    if (is_invisible_format(cp))
      throw invalid_argument(field + " must not contain invisible formatting characters (found " +
                             code_point_name(cp) + " at character " + std::to_string(count + 1) + ")");
    i += length;
  }
  return count;
}

size_t utf8_length(const std::string& value) {
  size_t count = 0;
  for (unsigned char c : value)
    if ((c & 0xC0) != 0x80) ++count;
  return count;
}

bool is_space_byte(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

bool starts_or_ends_with_space(const std::string& value) {
  auto nbsp_at = [&](size_t i) { return value.compare(i, 2, "\xC2\xA0") == 0; };  // U+00A0, no-break space
  return is_space_byte(static_cast<unsigned char>(value.front())) ||
         is_space_byte(static_cast<unsigned char>(value.back())) || nbsp_at(0) ||
         (value.size() >= 2 && nbsp_at(value.size() - 2));
}

}  // namespace

std::string sanitize_hostname(const std::string& display_name, const std::string& instance_uuid) {
  std::string host;
  host.reserve(display_name.size());
  for (unsigned char c : display_name) {
    if (c == ' ' || c == '_')
      host += '-';
    else if (std::isalnum(c) && c < 0x80)
      host += static_cast<char>(std::tolower(c));
    else if (c == '.' || c == '-')
      host += static_cast<char>(c);
  }
  auto strip = [](std::string& s) {
    size_t first = s.find_first_not_of(".-");
    if (first == std::string::npos) {
      s.clear();
      return;
    }
    s = s.substr(first, s.find_last_not_of(".-") - first + 1);
  };
  strip(host);
  if (host.size() > 63) {
    host.resize(63);
    strip(host);  // the cut may leave a trailing '-' or '.'
  }
  if (!host.empty()) return host;
  std::string prefix;
  for (unsigned char c : instance_uuid) {
    if (prefix.size() == 8) break;
    if (std::isalnum(c) && c < 0x80) prefix += static_cast<char>(std::tolower(c));
  }
  return prefix.empty() ? "server" : "server-" + prefix;
}

void validate_name(const std::string& field, const std::string& value) {
  if (value.empty()) throw invalid_argument(field + " must not be empty");
  if (value.size() > kMaxNameCharacters * 4 || utf8_length(value) > kMaxNameCharacters)
    throw invalid_argument(field + " must be at most " + std::to_string(kMaxNameCharacters) + " characters, got " +
                           std::to_string(utf8_length(value)));
  checked_characters(field, value);
  if (starts_or_ends_with_space(value))
    throw invalid_argument(field + " '" + echo(value) + "' must not start or end with a space");
  if (validate::is_uuid(value))
    throw invalid_argument(field + " '" + value + "' must not look like an id (a UUID): commands accept either");
}

void validate_keypair_name(const std::string& value) {
  const std::string field = "key pair name";
  validate_name(field, value);
  for (unsigned char c : value)
    if (!(std::isalnum(c) && c < 0x80) && c != ' ' && c != '_' && c != '.' && c != '@' && c != '-')
      throw invalid_argument(field + " '" + echo(value) +
                             "' may only contain letters A-Z a-z, digits, spaces and _ . @ -");
}

std::vector<std::string> instance_names(const std::string& base, int count) {
  if (count < 1) throw invalid_argument("instance count must be at least 1, got " + std::to_string(count));
  if (count == 1) return {base};
  const size_t longest = utf8_length(base) + 1 + std::to_string(count).size();
  if (longest > kMaxNameCharacters)
    throw invalid_argument("instance name '" + echo(base) + "' is too long for " + std::to_string(count) +
                           " instances: the names NAME-1..NAME-" + std::to_string(count) + " must be at most " +
                           std::to_string(kMaxNameCharacters) + " characters");
  std::vector<std::string> names;
  names.reserve(static_cast<size_t>(count));
  for (int i = 1; i <= count; ++i) names.push_back(base + "-" + std::to_string(i));
  return names;
}

std::string decode_user_data(const std::string& base64) {
  std::string compact;
  compact.reserve(base64.size());
  for (unsigned char c : base64)
    if (!is_space_byte(c)) compact += static_cast<char>(c);
  // Refuse before decoding anything large: 4 characters carry 3 bytes.
  const size_t max_encoded = (kMaxUserDataBytes + 2) / 3 * 4;
  if (compact.size() > max_encoded)
    throw invalid_argument("user data must be at most " + std::to_string(kMaxUserDataBytes) +
                           " bytes after base64 decoding, got about " + std::to_string(compact.size() / 4 * 3));
  auto decoded = base64_decode_strict(compact);
  if (!decoded)
    throw invalid_argument("user data must be base64 (RFC 4648: A-Z a-z 0-9 + /, '=' padding to a multiple of 4)");
  if (decoded->size() > kMaxUserDataBytes)
    throw invalid_argument("user data must be at most " + std::to_string(kMaxUserDataBytes) +
                           " bytes after base64 decoding, got " + std::to_string(decoded->size()));
  return *decoded;
}

void validate_metadata(const std::map<std::string, std::string>& metadata) {
  if (metadata.size() > kMaxMetadataItems)
    throw invalid_argument("metadata may have at most " + std::to_string(kMaxMetadataItems) + " items, got " +
                           std::to_string(metadata.size()));
  for (const auto& [key, value] : metadata) {
    if (key.empty()) throw invalid_argument("metadata key must not be empty");
    if (key.size() > kMaxNameCharacters * 4 || utf8_length(key) > kMaxNameCharacters)
      throw invalid_argument("metadata key '" + echo(key) + "' must be at most 255 characters");
    checked_characters("metadata key", key);
    const std::string value_field = "metadata value of '" + echo(key) + "'";
    if (value.size() > kMaxNameCharacters * 4 || utf8_length(value) > kMaxNameCharacters)
      throw invalid_argument(value_field + " must be at most 255 characters, got " + std::to_string(utf8_length(value)));
    checked_characters(value_field, value);
  }
}

}  // namespace stratus::compute
