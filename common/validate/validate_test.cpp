#include <catch2/catch.hpp>

#include "common/error/error.h"
#include "common/validate/validate.h"

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
