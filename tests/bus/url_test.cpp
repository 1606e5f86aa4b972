// BusUrl parsing: pure, no broker needed.
#include <catch2/catch.hpp>

#include "common/bus/url.h"
#include "common/error/error.h"

using stratus::bus::BusUrl;

namespace {

bool is_invalid_argument(const std::string& url) {
  try {
    BusUrl::parse(url);
    return false;
  } catch (const stratus::Error& e) {
    return e.code() == stratus::ErrorCode::InvalidArgument;
  }
}

}  // namespace

TEST_CASE("a full AMQP URL is split into its parts", "[unit][bus]") {
  BusUrl url = BusUrl::parse("amqp://stratus:s3cret@broker.internal:5673/cloud");
  CHECK(url.user == "stratus");
  CHECK(url.password == "s3cret");
  CHECK(url.host == "broker.internal");
  CHECK(url.port == 5673);
  CHECK(url.vhost == "cloud");
}

TEST_CASE("missing parts of an AMQP URL take RabbitMQ's defaults", "[unit][bus]") {
  BusUrl bare = BusUrl::parse("amqp://rabbit");
  CHECK(bare.user == "guest");
  CHECK(bare.password == "guest");
  CHECK(bare.host == "rabbit");
  CHECK(bare.port == 5672);
  CHECK(bare.vhost == "/");

  CHECK(BusUrl::parse("amqp://guest:guest@127.0.0.1:5672/").vhost == "/");
  CHECK(BusUrl::parse("amqp://u@h").password.empty());
}

TEST_CASE("the vhost of an AMQP URL is percent-decoded", "[unit][bus]") {
  CHECK(BusUrl::parse("amqp://h/%2F").vhost == "/");
  CHECK(BusUrl::parse("amqp://h/%2fprod").vhost == "/prod");
  CHECK(BusUrl::parse("amqp://h/a%20b").vhost == "a b");
}

TEST_CASE("credentials of an AMQP URL may carry escaped reserved characters", "[unit][bus]") {
  BusUrl url = BusUrl::parse("amqp://svc%40cloud:p%40ss%3Aword@h/");
  CHECK(url.user == "svc@cloud");
  CHECK(url.password == "p@ss:word");
  CHECK(url.host == "h");
}

TEST_CASE("an IPv6 broker address keeps its colons", "[unit][bus]") {
  BusUrl url = BusUrl::parse("amqp://u:p@[::1]:5673/");
  CHECK(url.host == "::1");
  CHECK(url.port == 5673);
  CHECK(BusUrl::parse("amqp://[::1]").port == 5672);
}

TEST_CASE("malformed AMQP URLs are rejected as invalid arguments", "[unit][bus]") {
  CHECK(is_invalid_argument("http://h/"));
  CHECK(is_invalid_argument("amqps://h/"));
  CHECK(is_invalid_argument("amqp://"));
  CHECK(is_invalid_argument("amqp://u:p@/vhost"));
  CHECK(is_invalid_argument("amqp://h:notaport/"));
  CHECK(is_invalid_argument("amqp://h:70000/"));
  CHECK(is_invalid_argument("amqp://h:/"));
  CHECK(is_invalid_argument("amqp://h/%zz"));
  CHECK(is_invalid_argument("amqp://h/%2"));
}

TEST_CASE("the password never shows in a redacted URL or a parse error", "[unit][bus]") {
  BusUrl url = BusUrl::parse("amqp://stratus:hunter2@h:5672/%2F");
  CHECK(url.redacted() == "amqp://stratus:***@h:5672/%2F");

  try {
    BusUrl::parse("amqp://stratus:hunter2@h:bad/");
    FAIL("should have thrown");
  } catch (const stratus::Error& e) {
    CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
  }
}
