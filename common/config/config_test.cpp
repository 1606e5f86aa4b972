#include <catch2/catch.hpp>
#include <cstdlib>

#include "common/config/config.h"

using stratus::Config;

TEST_CASE("sections become dotted keys and values are trimmed and unquoted") {
  auto c = Config::parse("# comment\ntop = 1\n[db]\nurl = \"postgresql://x\" \npool_size=4\n");
  CHECK(c.get("top", "") == "1");
  CHECK(c.require("db.url") == "postgresql://x");
  CHECK(c.get_int("db.pool_size", 0) == 4);
}

TEST_CASE("a malformed line is refused with its line number") {
  CHECK_THROWS_WITH(Config::parse("[db]\nnot a setting\n", "x.conf"), Catch::Contains("x.conf:2"));
}

TEST_CASE("the environment overrides the file, and adds keys the file lacks") {
  setenv("TESTCFG_DB_URL", "from-env", 1);
  setenv("TESTCFG_LOG_LEVEL", "debug", 1);
  auto c = Config::parse("[db]\nurl = from-file\n");
  // load() is what applies the environment; emulate with an empty file path.
  auto loaded = Config::load("", "TESTCFG");
  CHECK(loaded.get("db.url", "") == "from-env");
  CHECK(loaded.get("log.level", "") == "debug");
  CHECK(Config::env_name("STRATUS", "identity.token-ttl") == "STRATUS_IDENTITY_TOKEN_TTL");
  setenv("TESTCFG_BLOCK_STORAGE_PUBLIC_ENDPOINT", "bs:7400", 1);
  CHECK(loaded.get("block-storage.public_endpoint", "") == "bs:7400");  // dashed sections too
  unsetenv("TESTCFG_BLOCK_STORAGE_PUBLIC_ENDPOINT");
  unsetenv("TESTCFG_DB_URL");
  unsetenv("TESTCFG_LOG_LEVEL");
}

TEST_CASE("typed getters reject values of the wrong shape") {
  auto c = Config::parse("n = 12x\nb = maybe\n");
  CHECK_THROWS_WITH(c.get_int("n", 0), Catch::Contains("must be an integer"));
  CHECK_THROWS_WITH(c.get_bool("b", false), Catch::Contains("true or false"));
  CHECK_THROWS_WITH(c.require("missing"), Catch::Contains("missing setting missing"));
}
