#include "services/dashboard/domain/session.h"

#include "common/validate/percent.h"

#include <sodium.h>

#include <stdexcept>

namespace stratus::dashboard {

namespace {
std::string trim(std::string_view text) {
  auto begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  auto end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

void ensure_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}
}  // namespace

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  size_t start = 0;
  while (start <= header.size()) {
    size_t end = header.find(';', start);
    if (end == std::string_view::npos) end = header.size();
    std::string pair = trim(header.substr(start, end - start));
    auto equals = pair.find('=');
    if (equals != std::string::npos && trim(std::string_view(pair).substr(0, equals)) == name) {
      std::string value = trim(std::string_view(pair).substr(equals + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      return value;
    }
    start = end + 1;
  }
  return std::nullopt;
}

bool is_cookie_safe(std::string_view value) {
  for (unsigned char c : value) {
    // cookie-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
    bool ok = c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) || (c >= 0x3C && c <= 0x5B) ||
              (c >= 0x5D && c <= 0x7E);
    if (!ok) return false;
  }
  return !value.empty();
}

std::string session_cookie(const std::string& token, bool secure, std::chrono::seconds max_age) {
  if (!is_cookie_safe(token)) throw std::invalid_argument("the token cannot be carried in a cookie");
  std::string cookie = std::string(kSessionCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                       std::to_string(std::max<long long>(0, max_age.count()));
  if (secure) cookie += "; Secure";
  return cookie;
}

std::string cleared_session_cookie(bool secure) {
  std::string cookie = std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
  if (secure) cookie += "; Secure";
  return cookie;
}

std::string CsrfGuard::token_for(const std::string& session_token) const {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(session_token.data()), session_token.size(),
                         key_.data());
  char hex[sizeof mac * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return hex;
}

bool CsrfGuard::accepts(const std::string& session_token, const std::string& presented) const {
  std::string expected = token_for(session_token);
  if (presented.size() != expected.size()) return false;
  return sodium_memcmp(expected.data(), presented.data(), expected.size()) == 0;
}

CsrfKey random_csrf_key() {
  ensure_sodium();
  CsrfKey key;
  randombytes_buf(key.data(), key.size());
  return key;
}

CsrfKey csrf_key_from_hex(const std::string& text) {
  ensure_sodium();
  std::string hex = trim(text);
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
  CsrfKey key;
  size_t length = 0;
  if (hex.size() != key.size() * 2 ||
      sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr, &length, nullptr) != 0 ||
      length != key.size())
    throw std::invalid_argument("the dashboard session key must be 64 hex digits (32 bytes)");
  return key;
}

bool same_origin(const std::string& origin, const std::string& host) {
  return !host.empty() && (origin == "http://" + host || origin == "https://" + host);
}

std::string query_value(const std::string& target, const std::string& name) {
  auto question = target.find('?');
  if (question == std::string::npos) return "";
  std::string query = target.substr(question + 1);
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(start, end - start);
    auto equals = pair.find('=');
    if (pair.substr(0, equals) == name)
      return equals == std::string::npos ? "" : validate::percent_decode(pair.substr(equals + 1), true).value_or("");
    start = end + 1;
  }
  return "";
}

}  // namespace stratus::dashboard
