#include <catch2/catch.hpp>

#include "common/error/error.h"
#include "common/validate/validate.h"
#include "common/validate/percent.h"

using namespace stratus;

TEST_CASE("names must be 1 to 64 printable characters without edge spaces") {
  CHECK_NOTHROW(validate::name("project name", "demo-1"));
  CHECK_THROWS_WITH(validate::name("project name", ""), "project name must not be empty");
  CHECK_THROWS_WITH(validate::name("project name", std::string(65, 'a')), Catch::Contains("at most 64"));
  CHECK_THROWS_WITH(validate::name("user name", " bob"), Catch::Contains("start or end with a space"));
  CHECK_THROWS_WITH(validate::name("user name", "bo\nb"), Catch::Contains("control characters"));
}

TEST_CASE("a name may not look like an id, so name-or-id lookups stay unambiguous") {
  CHECK_THROWS_WITH(validate::name("user name", "123e4567-e89b-12d3-a456-426614174000"), Catch::Contains("UUID"));
}

TEST_CASE("uuids and e-mail addresses are checked") {
  CHECK(validate::is_uuid("123e4567-e89b-12d3-a456-426614174000"));
  CHECK_FALSE(validate::is_uuid("123e4567e89b12d3a456426614174000"));
  CHECK_THROWS_AS(validate::uuid("port id", "nope"), Error);
  CHECK_NOTHROW(validate::email("email", ""));
  CHECK_NOTHROW(validate::email("email", "a@b.example"));
  CHECK_THROWS_WITH(validate::email("email", "a@@b"), Catch::Contains("not an e-mail address"));
}

TEST_CASE("endpoints must be host:port with a numeric port in range") {
  CHECK_NOTHROW(validate::host_port("url", "127.0.0.1:7200"));
  CHECK_NOTHROW(validate::host_port("url", "image.stratus.svc:7200"));
  CHECK_NOTHROW(validate::host_port("url", "[::1]:7200"));
  for (const char* bad : {"image:notaport", ":9292", "http://image", "image:99999", "image:", "image"})
    CHECK_THROWS_WITH(validate::host_port("url", bad), Catch::Contains("must be host:port"));
}

TEST_CASE("names are normalised to NFC and may not hide characters") {
  std::string decomposed = "cafe\xcc\x81";  // e + COMBINING ACUTE ACCENT
  std::string composed = "caf\xc3\xa9";
  CHECK(validate::normalized_name("image name", decomposed) == composed);
  CHECK_THROWS_WITH(validate::name("image name", decomposed), Catch::Contains("normal form C"));
  CHECK_NOTHROW(validate::name("image name", composed));
  CHECK_THROWS_WITH(validate::normalized_name("image name", "stratus-guest\xe2\x80\x8b"), Catch::Contains("U+200B"));
  CHECK_THROWS_WITH(validate::normalized_name("image name", "a\xe2\x80\xae" "b"), Catch::Contains("U+202E"));
  CHECK_THROWS_WITH(validate::normalized_name("image name", "\xef\xbb\xbf" "a"), Catch::Contains("U+FEFF"));
  CHECK_THROWS_WITH(validate::normalized_name("image name", "a\xe2\x81\xa0"), Catch::Contains("U+2060"));
  CHECK_THROWS_WITH(validate::normalized_name("image name", "a\xff"), Catch::Contains("UTF-8"));
  CHECK_THROWS_WITH(validate::normalized_name("image name", std::string("a\0b", 3)), Catch::Contains("control"));
  // 64 characters of two bytes each are fine; 65 are not.
  std::string umlauts;
  for (int i = 0; i < 64; ++i) umlauts += "\xc3\xbc";
  CHECK_NOTHROW(validate::name("image name", umlauts));
  CHECK_THROWS_WITH(validate::name("image name", umlauts + "\xc3\xbc"), Catch::Contains("at most 64"));
}

TEST_CASE("references are bounded before lookups and ids compare lower-cased") {
  CHECK(validate::reference("network", "123E4567-E89B-12D3-A456-426614174000") ==
        "123e4567-e89b-12d3-a456-426614174000");
  CHECK_THROWS_WITH(validate::reference("network", std::string(100000, 'a')), Catch::Contains("no name or id"));
  CHECK_THROWS_WITH(validate::reference("network", ""), Catch::Contains("give a name or an id"));
  CHECK(validate::normalized_uuid("project", "ABCDEF00-0000-4000-8000-00000000000A") ==
        "abcdef00-0000-4000-8000-00000000000a");
}

TEST_CASE("error messages echo at most 64 characters of a value, escaped") {
  CHECK(echo(std::string(100000, 'x')) == std::string(64, 'x') + "...");
  CHECK(echo("a\x1b[31mb") == "a\\x1b[31mb");
  CHECK(echo(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(echo("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(echo("bad\xff") == "bad\\xff");
  auto error = not_found("network", std::string(100000, 'n'));
  CHECK(std::string(error.what()).size() < 100);
}

TEST_CASE("percent_decode reads %XX back, '+' only in forms, and refuses broken escapes") {
  CHECK(stratus::validate::percent_decode("a%2Fb%3d") == std::string("a/b="));
  CHECK(stratus::validate::percent_decode("a+b") == std::string("a+b"));
  CHECK(stratus::validate::percent_decode("a+b", true) == std::string("a b"));
  CHECK_FALSE(stratus::validate::percent_decode("100%"));
  CHECK_FALSE(stratus::validate::percent_decode("%g1"));
  CHECK(stratus::validate::hex_digit('F') == 15);
  CHECK(stratus::validate::hex_digit('x') == -1);
}
