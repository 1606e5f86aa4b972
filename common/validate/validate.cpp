#include "common/validate/validate.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "common/error/error.h"

namespace stratus::validate {
namespace {

constexpr size_t kMaxNameCharacters = 64;

bool has_control_characters(const std::string& value) {
  for (unsigned char c : value)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

// The code points of `value`; INVALID_ARGUMENT when it is not UTF-8.
std::u32string code_points(const std::string& field, const std::string& value) {
  std::u32string out;
  const auto* bytes = reinterpret_cast<const uint8_t*>(value.data());
  int32_t length = static_cast<int32_t>(value.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) throw invalid_argument(field + " is not valid UTF-8 text");
    out.push_back(static_cast<char32_t>(c));
  }
  return out;
}

std::string hex_code_point(char32_t c) {
  char text[16];
  std::snprintf(text, sizeof text, "U+%04X", static_cast<unsigned>(c));
  return text;
}

// Characters that are not seen, or that move what is seen: a name must read as it compares.
bool is_invisible_or_control(char32_t c) {
  int8_t type = u_charType(static_cast<UChar32>(c));
  return type == U_CONTROL_CHAR || type == U_FORMAT_CHAR || type == U_LINE_SEPARATOR ||
         type == U_PARAGRAPH_SEPARATOR || type == U_UNASSIGNED || type == U_PRIVATE_USE_CHAR ||
         type == U_SURROGATE;
}

const UNormalizer2& nfc_normalizer() {
  UErrorCode status = U_ZERO_ERROR;
  const UNormalizer2* normalizer = unorm2_getNFCInstance(&status);
  if (U_FAILURE(status) || !normalizer) throw Error(ErrorCode::Internal, "ICU's NFC data is not available");
  return *normalizer;
}

std::u16string utf16_of(const std::string& field, const std::string& value) {
  UErrorCode status = U_ZERO_ERROR;
  int32_t needed = 0;
  u_strFromUTF8(nullptr, 0, &needed, value.data(), static_cast<int32_t>(value.size()), &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) throw invalid_argument(field + " is not valid UTF-8 text");
  std::u16string out(static_cast<size_t>(needed), u'\0');
  status = U_ZERO_ERROR;
  u_strFromUTF8(reinterpret_cast<UChar*>(out.data()), needed, nullptr, value.data(), static_cast<int32_t>(value.size()),
                &status);
  if (U_FAILURE(status)) throw invalid_argument(field + " is not valid UTF-8 text");
  return out;
}

std::string utf8_of(const std::u16string& text) {
  UErrorCode status = U_ZERO_ERROR;
  int32_t needed = 0;
  u_strToUTF8(nullptr, 0, &needed, reinterpret_cast<const UChar*>(text.data()), static_cast<int32_t>(text.size()),
              &status);
  std::string out(static_cast<size_t>(needed), '\0');
  status = U_ZERO_ERROR;
  u_strToUTF8(out.data(), needed, nullptr, reinterpret_cast<const UChar*>(text.data()),
              static_cast<int32_t>(text.size()), &status);
  if (U_FAILURE(status)) throw Error(ErrorCode::Internal, "UTF-16 to UTF-8 conversion failed");
  return out;
}

bool is_nfc(const std::string& field, const std::string& value) {
  bool ascii = std::all_of(value.begin(), value.end(), [](unsigned char c) { return c < 0x80; });
  if (ascii) return true;
  auto text = utf16_of(field, value);
  UErrorCode status = U_ZERO_ERROR;
  UBool normalized = unorm2_isNormalized(&nfc_normalizer(), reinterpret_cast<const UChar*>(text.data()),
                                         static_cast<int32_t>(text.size()), &status);
  return U_SUCCESS(status) && normalized;
}

}  // namespace

void name(const std::string& field, const std::string& value) {
  if (value.empty()) throw invalid_argument(field + " must not be empty");
  if (value.size() > 4 * kMaxNameCharacters)
    throw invalid_argument(field + " must be at most 64 characters, got " + std::to_string(value.size()) + " bytes");
  auto characters = code_points(field, value);
  if (characters.size() > kMaxNameCharacters)
    throw invalid_argument(field + " must be at most 64 characters, got " + std::to_string(characters.size()));
  for (char32_t c : characters) {
    if (c < 0x20 || c == 0x7f) throw invalid_argument(field + " must not contain control characters");
    if (is_invisible_or_control(c))
      throw invalid_argument(field + " must not contain invisible or control characters (" + hex_code_point(c) +
                             " found)");
  }
  if (u_isUWhiteSpace(static_cast<UChar32>(characters.front())) ||
      u_isUWhiteSpace(static_cast<UChar32>(characters.back())))
    throw invalid_argument(field + " must not start or end with a space");
  if (!is_nfc(field, value))
    throw invalid_argument(field + " must be in Unicode normal form C (composed characters)");
  if (is_uuid(value)) throw invalid_argument(field + " must not look like an id (a UUID)");
}

std::string nfc(const std::string& field, const std::string& value) {
  if (is_nfc(field, value)) {
    code_points(field, value);  // refuses what is not UTF-8
    return value;
  }
  auto text = utf16_of(field, value);
  const UNormalizer2& normalizer = nfc_normalizer();
  UErrorCode status = U_ZERO_ERROR;
  int32_t needed = unorm2_normalize(&normalizer, reinterpret_cast<const UChar*>(text.data()),
                                    static_cast<int32_t>(text.size()), nullptr, 0, &status);
  std::u16string out(static_cast<size_t>(needed), u'\0');
  status = U_ZERO_ERROR;
  unorm2_normalize(&normalizer, reinterpret_cast<const UChar*>(text.data()), static_cast<int32_t>(text.size()),
                   reinterpret_cast<UChar*>(out.data()), needed, &status);
  if (U_FAILURE(status)) throw invalid_argument(field + " cannot be normalised to Unicode NFC");
  return utf8_of(out);
}

std::string normalized_name(const std::string& field, const std::string& value) {
  if (value.size() > 4 * kMaxNameCharacters)  // before any work on it
    throw invalid_argument(field + " must be at most 64 characters, got " + std::to_string(value.size()) + " bytes");
  std::string composed = nfc(field, value);
  name(field, composed);
  return composed;
}

std::string reference(const std::string& field, const std::string& value) {
  if (value.empty()) throw invalid_argument(field + ": give a name or an id");
  if (value.size() > kMaxReferenceBytes)
    throw invalid_argument(field + " is " + std::to_string(value.size()) + " bytes long: no name or id is longer than " +
                           std::to_string(kMaxReferenceBytes));
  if (is_uuid(value)) {
    std::string id = value;
    std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::tolower(c); });
    return id;
  }
  return nfc(field, value);
}

std::string normalized_uuid(const std::string& field, const std::string& value) {
  uuid(field, value);
  std::string id = value;
  std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::tolower(c); });
  return id;
}

void optional_text(const std::string& field, const std::string& value, size_t max_length) {
  if (value.size() > max_length)
    throw invalid_argument(field + " must be at most " + std::to_string(max_length) + " characters");
  if (has_control_characters(value)) throw invalid_argument(field + " must not contain control characters");
  code_points(field, value);  // refuses what is not UTF-8 (the database would, less politely)
}

void email(const std::string& field, const std::string& value) {
  if (value.empty()) return;
  optional_text(field, value, 254);
  auto at = value.find('@');
  if (at == std::string::npos || at == 0 || at == value.size() - 1 || value.find('@', at + 1) != std::string::npos ||
      value.find(' ') != std::string::npos)
    throw invalid_argument(field + " '" + echo(value) + "' is not an e-mail address");
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
  auto fail = [&] { return invalid_argument(field + " must be host:port (e.g. 127.0.0.1:7200), got '" + echo(value) + "'"); };
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
  if (!is_uuid(value)) throw invalid_argument(field + " '" + echo(value) + "' is not a valid id (expected a UUID)");
}

}  // namespace stratus::validate
