#include "services/block-storage/domain/volume_spec.h"

#include <catch2/catch.hpp>

#include <functional>

#include "common/error/error.h"

using namespace stratus;
using namespace stratus::block_storage;

namespace {
std::string refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("sizes: at least 1 GiB, at most the cloud's largest") {
  CHECK_NOTHROW(check_size(1, 100));
  CHECK_NOTHROW(check_size(100, 100));
  CHECK(refusal([] { check_size(0, 100); }) == "size_gib must be at least 1 (got 0)");
  CHECK(refusal([] { check_size(-5, 100); }) == "size_gib must be at least 1 (got -5)");
  CHECK(refusal([] { check_size(101, 100); }) ==
        "size_gib 101 is more than the largest volume this cloud makes (100 GiB)");
}

TEST_CASE("names: the shared rules, stored in NFC") {
  CHECK(volume_name("data-1") == "data-1");
  CHECK(volume_name("caf\x65\xcc\x81") == "caf\xc3\xa9");  // e + combining acute -> e-acute
  CHECK(refusal([] { volume_name(""); }).find("must not be empty") != std::string::npos);
  CHECK(refusal([] { volume_name(std::string(65, 'a')); }).find("at most 64") != std::string::npos);
  CHECK(refusal([] { volume_name("a\nb"); }).find("control characters") != std::string::npos);
  CHECK(refusal([] { volume_name("123e4567-e89b-12d3-a456-426614174000"); }).find("UUID") != std::string::npos);
}

TEST_CASE("descriptions and zones") {
  CHECK_NOTHROW(check_description(""));
  CHECK_NOTHROW(check_description(std::string(255, 'x')));
  CHECK(refusal([] { check_description(std::string(256, 'x')); }) == "description must be at most 255 characters");
  CHECK(refusal([] { check_description("a\x1b[31mb"); }) == "description must not contain control characters");
  CHECK_NOTHROW(check_availability_zone(""));
  CHECK_NOTHROW(check_availability_zone("nova"));
  CHECK(refusal([] { check_availability_zone("a\tb"); }).find("availability_zone") != std::string::npos);
}
