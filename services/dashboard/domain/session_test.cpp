#include "services/dashboard/domain/session.h"

#include <catch2/catch.hpp>

using namespace stratus::dashboard;

TEST_CASE("the session cookie is found among others and unquoted") {
  CHECK(cookie_value("a=1; stratus_session=tok.en; b=2", "stratus_session") == "tok.en");
  CHECK(cookie_value("stratus_session=\"quoted\"", "stratus_session") == "quoted");
  CHECK(cookie_value("xstratus_session=no; other=1", "stratus_session") == std::nullopt);
  CHECK(cookie_value("", "stratus_session") == std::nullopt);
  CHECK(cookie_value("stratus_session=", "stratus_session") == "");
}

TEST_CASE("the session cookie is HttpOnly and SameSite=Strict, Secure under TLS") {
  std::string cookie = session_cookie("abc.def", false, std::chrono::seconds(3600));
  CHECK(cookie == "stratus_session=abc.def; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600");
  CHECK(session_cookie("abc", true, std::chrono::seconds(-5)) ==
        "stratus_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure");
  CHECK(cleared_session_cookie(false).find("Max-Age=0") != std::string::npos);
  CHECK_THROWS_AS(session_cookie("has space", false, std::chrono::seconds(1)), std::invalid_argument);
  CHECK_THROWS_AS(session_cookie("semi;colon", false, std::chrono::seconds(1)), std::invalid_argument);
  CHECK_FALSE(is_cookie_safe(""));
  CHECK(is_cookie_safe("v1.eyJhbGciOi-_=="));
}

TEST_CASE("a CSRF token is bound to the session token and the key") {
  CsrfGuard guard(random_csrf_key());
  std::string csrf = guard.token_for("token-a");
  CHECK(csrf.size() == 64);
  CHECK(guard.accepts("token-a", csrf));
  CHECK_FALSE(guard.accepts("token-b", csrf));
  CHECK_FALSE(guard.accepts("token-a", ""));
  CHECK_FALSE(guard.accepts("token-a", csrf.substr(0, 63)));
  CsrfGuard other(random_csrf_key());
  CHECK_FALSE(other.accepts("token-a", csrf));
}

TEST_CASE("replicas that share a key file accept each other's CSRF tokens") {
  std::string hex(64, 'a');
  CsrfGuard one(csrf_key_from_hex(hex + "\n"));
  CsrfGuard two(csrf_key_from_hex(hex));
  CHECK(two.accepts("t", one.token_for("t")));
  CHECK_THROWS_AS(csrf_key_from_hex("abc"), std::invalid_argument);
  CHECK_THROWS_AS(csrf_key_from_hex(std::string(64, 'z')), std::invalid_argument);
}

TEST_CASE("a WebSocket's origin must be the dashboard's own, and its CSRF token comes in the query") {
  CHECK(same_origin("http://127.0.0.1:8790", "127.0.0.1:8790"));
  CHECK(same_origin("https://cloud.example:443", "cloud.example:443"));
  CHECK_FALSE(same_origin("http://evil.example", "127.0.0.1:8790"));
  CHECK_FALSE(same_origin("", "127.0.0.1:8790"));
  CHECK_FALSE(same_origin("null", "127.0.0.1:8790"));
  CHECK_FALSE(same_origin("http://127.0.0.1:8790.evil.example", "127.0.0.1:8790"));
  CHECK(query_value("/api/console/x?csrf=ab%2Bc&z=1", "csrf") == "ab+c");
  CHECK(query_value("/api/console/x?a=1&csrf=t", "csrf") == "t");
  CHECK(query_value("/api/console/x?csrfx=t", "csrf").empty());
  CHECK(query_value("/api/console/x", "csrf").empty());
  CHECK(query_value("/api/console/x?csrf=%zz", "csrf").empty());
}
