#include <catch2/catch.hpp>

#include "common/auth/password.h"

using namespace stratus::auth;

TEST_CASE("a password verifies against its Argon2id hash and a wrong one does not") {
  auto hash = hash_password("correct horse 1");
  CHECK(hash.rfind("$argon2id$", 0) == 0);
  CHECK(verify_password(hash, "correct horse 1"));
  CHECK_FALSE(verify_password(hash, "correct horse 2"));
  CHECK_FALSE(verify_password("not a hash", "correct horse 1"));
  CHECK_FALSE(needs_rehash(hash));
}

TEST_CASE("two hashes of one password differ, because each has its own salt") {
  CHECK(hash_password("Same-pass1") != hash_password("Same-pass1"));
}

TEST_CASE("a hash made at a lower cost asks to be re-hashed") {
  auto cheap = hash_password("Cheap-pass1", PasswordCost{1, 8u * 1024 * 1024});
  CHECK(verify_password(cheap, "Cheap-pass1"));
  CHECK(needs_rehash(cheap));
}

TEST_CASE("weak passwords are refused with the reason") {
  CHECK_THROWS_WITH(check_password_strength("", "bob"), Catch::Contains("at least 8"));
  CHECK_THROWS_WITH(check_password_strength("abcdefgh", "bob"), Catch::Contains("at least two"));
  CHECK_THROWS_WITH(check_password_strength("bobby-2024", "bobby"), Catch::Contains("user name"));
  CHECK_THROWS_WITH(check_password_strength(std::string(129, 'a') + "1", "bob"), Catch::Contains("at most 128"));
  CHECK_NOTHROW(check_password_strength("s3cret-enough", "bob"));
}
