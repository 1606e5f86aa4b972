#pragma once
// The browser session, without server-side state: the user's own bearer token rides in an
// HttpOnly, SameSite=Strict cookie (Secure under TLS), and every state-changing call carries a
// CSRF token bound to that token by an HMAC under the dashboard's key, so a page on another
// origin can neither read the token nor forge a call with it. Replicas that share the key
// accept each other's sessions.
#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace stratus::dashboard {

inline constexpr std::string_view kSessionCookie = "stratus_session";

// The value of cookie `name` in a Cookie header ("a=1; b=2"), if present.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

// Whether `value` can be a cookie value as RFC 6265 allows (no quoting needed).
bool is_cookie_safe(std::string_view value);

// Set-Cookie values that set and clear the session.
std::string session_cookie(const std::string& token, bool secure, std::chrono::seconds max_age);
std::string cleared_session_cookie(bool secure);

// True when a request's Origin header names the site of its Host header (http or https):
// what a WebSocket from the dashboard's own page sends, and a page elsewhere cannot.
bool same_origin(const std::string& origin, const std::string& host);
// The percent-decoded value of `name` in the query of a request target ("/p?a=1&b=2");
// empty when absent or malformed.
std::string query_value(const std::string& target, const std::string& name);

using CsrfKey = std::array<unsigned char, 32>;

class CsrfGuard {
 public:
  explicit CsrfGuard(const CsrfKey& key) : key_(key) {}
  // hex(HMAC-SHA-256(key, token)): what the app must echo in X-CSRF-Token.
  std::string token_for(const std::string& session_token) const;
  // Constant-time comparison with what the request presented.
  bool accepts(const std::string& session_token, const std::string& presented) const;

 private:
  CsrfKey key_;
};

// A fresh random key (one replica), or the 32 bytes of a key file, hex-encoded (replicas).
CsrfKey random_csrf_key();
CsrfKey csrf_key_from_hex(const std::string& hex);

}  // namespace stratus::dashboard
