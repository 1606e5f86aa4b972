#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/ovsdb/error.h"
#include "common/ovsdb/json_stream_framer.h"

using stratus::ovsdb::JsonStreamFramer;
using stratus::ovsdb::OvsdbError;

namespace {
std::vector<std::string> drain(JsonStreamFramer& framer) {
  std::vector<std::string> out;
  while (auto value = framer.next()) out.push_back(*value);
  return out;
}
}  // namespace

TEST_CASE("framer splits back-to-back JSON objects into messages") {
  JsonStreamFramer framer;
  framer.feed(R"({"id":1,"result":[]}{"id":2,"result":{"a":[1,2]}}  [3])");
  CHECK(drain(framer) ==
        std::vector<std::string>{R"({"id":1,"result":[]})", R"({"id":2,"result":{"a":[1,2]}})",
                                 "[3]"});
  CHECK(framer.pending_bytes() == 0);
}

TEST_CASE("framer reassembles a message however the reads split it") {
  const std::string stream =
      R"({"method":"update","params":["m",{"T":{"u":{"new":{"s":"}{\"]["}}}}],"id":null})"
      "\n"
      R"({"id":"echo","method":"echo","params":[]})";
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    JsonStreamFramer framer;
    std::vector<std::string> got;
    framer.feed(stream.substr(0, cut));
    for (auto& v : drain(framer)) got.push_back(v);
    framer.feed(stream.substr(cut));
    for (auto& v : drain(framer)) got.push_back(v);
    REQUIRE(got.size() == 2);
    CHECK(got[1] == R"({"id":"echo","method":"echo","params":[]})");
  }
}

TEST_CASE("framer feeds one byte at a time") {
  const std::string stream = R"({"a":"x\\"}{"b":"\"}"})";
  JsonStreamFramer framer;
  std::vector<std::string> got;
  for (char c : stream) {
    framer.feed(std::string(1, c));
    for (auto& v : drain(framer)) got.push_back(v);
  }
  CHECK(got == std::vector<std::string>{R"({"a":"x\\"})", R"({"b":"\"}"})"});
}

TEST_CASE("framer ignores brackets inside strings and escaped quotes") {
  JsonStreamFramer framer;
  framer.feed(R"({"k":"{[\"}]"})");
  CHECK(drain(framer) == std::vector<std::string>{R"({"k":"{[\"}]"})"});
}

TEST_CASE("framer waits while a message is incomplete") {
  JsonStreamFramer framer;
  framer.feed(R"({"id":1,"result":{"nested":)");
  CHECK_FALSE(framer.next());
  CHECK(framer.pending_bytes() > 0);
  framer.feed("[]}}");
  CHECK(framer.next() == std::string(R"({"id":1,"result":{"nested":[]}})"));
}

TEST_CASE("framer rejects bytes that cannot start a message") {
  JsonStreamFramer framer;
  framer.feed(R"({"a":1} 42)");
  CHECK(framer.next());
  CHECK_THROWS_AS(framer.next(), OvsdbError);
}

TEST_CASE("framer rejects a message larger than its limit") {
  JsonStreamFramer framer(16);
  framer.feed(R"({"a":"0123456789012345678901234567890")");
  CHECK_THROWS_AS(framer.next(), OvsdbError);
}
