#include "services/compute/domain/names.h"

#include <catch2/catch.hpp>

#include "common/error/error.h"
#include "services/compute/domain/keypairs.h"

using namespace stratus;
using namespace stratus::compute;

namespace {

template <typename F>
std::string invalid_argument_message(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    return e.what();
  }
  FAIL("no error thrown");
  return "";
}

std::string name_rejection(const std::string& value) {
  return invalid_argument_message([&] { validate_name("instance name", value); });
}

const std::string kUuid = "3F2A9C1E-0b6d-4c1a-9e0f-1234567890ab";

}  // namespace

TEST_CASE("hostnames are sanitised as nova does", "[names]") {
  CHECK(sanitize_hostname("web-1", kUuid) == "web-1");
  CHECK(sanitize_hostname("My Web_Server", kUuid) == "my-web-server");
  CHECK(sanitize_hostname("web.example.com", kUuid) == "web.example.com");
  CHECK(sanitize_hostname("--.web!@#$%^&*()+=1.-", kUuid) == "web1");
  CHECK(sanitize_hostname("caf\xC3\xA9 ol\xC3\xA9", kUuid) == "caf-ol");  // non-ASCII letters are dropped
  CHECK(sanitize_hostname(std::string(100, 'a'), kUuid) == std::string(63, 'a'));
  CHECK(sanitize_hostname(std::string(62, 'a') + "-b", kUuid) == std::string(62, 'a'));  // no trailing '-' after the cut
}

TEST_CASE("an empty sanitised hostname falls back to server-<uuid prefix>", "[names]") {
  CHECK(sanitize_hostname("", kUuid) == "server-3f2a9c1e");
  CHECK(sanitize_hostname("!!!", kUuid) == "server-3f2a9c1e");
  CHECK(sanitize_hostname("\xE6\x97\xA5\xE6\x9C\xAC", kUuid) == "server-3f2a9c1e");
  CHECK(sanitize_hostname("", "") == "server");
}

TEST_CASE("valid resource names", "[names]") {
  validate_name("instance name", "web-1");
  validate_name("instance name", "a");
  validate_name("instance name", std::string(255, 'x'));
  validate_name("instance name", "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x9A\x80");  // café 日本 🚀
  std::string many_characters;
  for (int i = 0; i < 255; ++i) many_characters += "\xC3\xA9";  // 255 characters, 510 bytes
  validate_name("instance name", many_characters);
}

TEST_CASE("invalid resource names say what is wrong and name the field", "[names]") {
  CHECK(name_rejection("") == "instance name must not be empty");
  CHECK_THAT(name_rejection(std::string(256, 'x')), Catch::Contains("at most 255 characters, got 256"));
  std::string too_many;
  for (int i = 0; i < 256; ++i) too_many += "\xC3\xA9";
  CHECK_THAT(name_rejection(too_many), Catch::Contains("at most 255 characters"));
  CHECK_THAT(name_rejection(" web"), Catch::Contains("must not start or end with a space"));
  CHECK_THAT(name_rejection("web\t"), Catch::Contains("control characters"));
  CHECK_THAT(name_rejection("web "), Catch::Contains("must not start or end with a space"));
  CHECK_THAT(name_rejection("\xC2\xA0web"), Catch::Contains("must not start or end with a space"));
  CHECK_THAT(name_rejection("we\nb"), Catch::Contains("control characters (found U+000A at character 3)"));
  CHECK_THAT(name_rejection("web\x7f"), Catch::Contains("U+007F"));
  CHECK_THAT(name_rejection("web\xC2\x85"), Catch::Contains("U+0085"));            // C1 NEL
  CHECK_THAT(name_rejection("we\xE2\x80\x8B" "b"), Catch::Contains("invisible"));  // zero width space
  CHECK_THAT(name_rejection("web\xE2\x80\xAE"), Catch::Contains("U+202E"));         // right-to-left override
  CHECK_THAT(name_rejection("\xEF\xBB\xBFweb"), Catch::Contains("U+FEFF"));
  CHECK_THAT(name_rejection("web\xE2\x81\xA0"), Catch::Contains("U+2060"));
  CHECK_THAT(name_rejection("web\xFF"), Catch::Contains("not valid UTF-8"));
  CHECK_THAT(name_rejection("web\xC3"), Catch::Contains("not valid UTF-8"));
  CHECK_THAT(name_rejection("\xC0\xAFweb"), Catch::Contains("not valid UTF-8"));          // overlong '/'
  CHECK_THAT(name_rejection("\xED\xA0\x80web"), Catch::Contains("not valid UTF-8"));      // surrogate
  CHECK_THAT(name_rejection("\xF4\x90\x80\x80web"), Catch::Contains("not valid UTF-8"));  // above U+10FFFF
  CHECK_THAT(name_rejection("web\xC3\x28"), Catch::Contains("not valid UTF-8"));
  CHECK_THAT(name_rejection(kUuid), Catch::Contains("must not look like an id"));
  CHECK_THAT(invalid_argument_message([] { validate_name("flavor name", ""); }), Catch::StartsWith("flavor name"));
}

TEST_CASE("key pair names are limited to nova's characters", "[names]") {
  validate_keypair_name("my key_1.pub@laptop-2");
  CHECK_THAT(invalid_argument_message([] { validate_keypair_name("key/1"); }),
             Catch::StartsWith("key pair name 'key/1' may only contain"));
  CHECK_THAT(invalid_argument_message([] { validate_keypair_name("cl\xC3\xA9"); }), Catch::Contains("may only contain"));
  CHECK_THAT(invalid_argument_message([] { validate_keypair_name(" key"); }), Catch::Contains("start or end"));
  CHECK_THAT(invalid_argument_message([] { validate_keypair_name(""); }), Catch::Contains("key pair name must not be empty"));
  std::string message = invalid_argument_message([] { validate_keypair_name(std::string(200, 'k') + "/"); });
  CHECK(message.find(std::string(65, 'k')) == std::string::npos);
}

TEST_CASE("names of several instances", "[names]") {
  CHECK(instance_names("web", 1) == std::vector<std::string>{"web"});
  CHECK(instance_names("web", 3) == std::vector<std::string>{"web-1", "web-2", "web-3"});
  CHECK(instance_names(std::string(251, 'w'), 999).back() == std::string(251, 'w') + "-999");
  CHECK_THAT(invalid_argument_message([] { instance_names("web", 0); }), Catch::Contains("at least 1"));
  CHECK_THAT(invalid_argument_message([] { instance_names(std::string(252, 'w'), 999); }),
             Catch::Contains("too long for 999 instances"));
}

TEST_CASE("user data is base64 of at most 64 KiB", "[names]") {
  CHECK(decode_user_data("") == "");
  CHECK(decode_user_data("IyEvYmluL3NoCmVjaG8gaGk=") == "#!/bin/sh\necho hi");
  CHECK(decode_user_data("IyEvYmluL3No\nCmVjaG8gaGk=\n") == "#!/bin/sh\necho hi");  // wrapped as base64(1) does
  std::string largest(kMaxUserDataBytes, '\x7f');
  CHECK(decode_user_data(base64_encode(largest)) == largest);
  CHECK_THAT(invalid_argument_message([] { decode_user_data(base64_encode(std::string(kMaxUserDataBytes + 1, 'a'))); }),
             Catch::Contains("at most 65536 bytes"));
  CHECK_THAT(invalid_argument_message([] { decode_user_data(std::string(10'000'000, 'A')); }),
             Catch::Contains("at most 65536 bytes"));
  CHECK_THAT(invalid_argument_message([] { decode_user_data("#!/bin/sh"); }), Catch::Contains("must be base64"));
  CHECK_THAT(invalid_argument_message([] { decode_user_data("IyEvYmluL3NoCmVjaG8gaGk"); }),
             Catch::Contains("must be base64"));
  CHECK_THAT(invalid_argument_message([] { decode_user_data("IyEv_mlu"); }), Catch::Contains("must be base64"));
}

TEST_CASE("metadata limits", "[names]") {
  validate_metadata({});
  validate_metadata({{"role", "web"}, {"owner", ""}, {std::string(255, 'k'), std::string(255, 'v')}});
  std::map<std::string, std::string> many;
  for (int i = 0; i < 128; ++i) many["k" + std::to_string(i)] = "v";
  validate_metadata(many);
  many["one-more"] = "v";
  CHECK_THAT(invalid_argument_message([&] { validate_metadata(many); }), Catch::Contains("at most 128 items, got 129"));
  CHECK_THAT(invalid_argument_message([] { validate_metadata({{"", "v"}}); }), Catch::Contains("key must not be empty"));
  CHECK_THAT(invalid_argument_message([] { validate_metadata({{std::string(256, 'k'), "v"}}); }),
             Catch::Contains("at most 255 characters"));
  CHECK_THAT(invalid_argument_message([] { validate_metadata({{"role", std::string(256, 'v')}}); }),
             Catch::Contains("metadata value of 'role' must be at most 255 characters"));
  CHECK_THAT(invalid_argument_message([] { validate_metadata({{"ro\nle", "v"}}); }), Catch::Contains("control"));
  CHECK_THAT(invalid_argument_message([] { validate_metadata({{"role", "w\x01" "eb"}}); }),
             Catch::Contains("metadata value of 'role' must not contain control characters"));
  CHECK_THAT(invalid_argument_message([] { validate_metadata({{"role", "\xFF"}}); }), Catch::Contains("UTF-8"));
}
