#include <catch2/catch.hpp>

#include "common/ovsdb/client.h"
#include "common/ovsdb/error.h"
#include "common/ovsdb/operations.h"
#include "common/ovsdb/value.h"

using namespace stratus::ovsdb;

TEST_CASE("values encode in OVSDB wire notation") {
  CHECK(uuid("5a1d").dump() == R"(["uuid","5a1d"])");
  CHECK(named_uuid("port").dump() == R"(["named-uuid","port"])");
  CHECK(set_of({uuid("a"), uuid("b")}).dump() == R"(["set",[["uuid","a"],["uuid","b"]]])");
  CHECK(set_of_strings({"OpenFlow13", "OpenFlow15"}).dump() ==
        R"(["set",["OpenFlow13","OpenFlow15"]])");
  CHECK(map_of({{"iface-id", "p1"}, {"attached-mac", "fa:16:3e:00:00:01"}}).dump() ==
        R"(["map",[["attached-mac","fa:16:3e:00:00:01"],["iface-id","p1"]]])");
  CHECK(map_of({}).dump() == R"(["map",[]])");
}

TEST_CASE("values decode whether a set of one is bare or wrapped") {
  CHECK(string_set(json::parse(R"("OpenFlow13")")) == std::vector<std::string>{"OpenFlow13"});
  CHECK(string_set(json::parse(R"(["set",["a","b"]])")) == std::vector<std::string>{"a", "b"});
  CHECK(set_elements(json::parse(R"(["uuid","u1"])")).size() == 1);
  CHECK(optional_integer(json::parse("7")) == 7);
  CHECK_FALSE(optional_integer(json::parse(R"(["set",[]])")));
  CHECK(optional_string(json::parse(R"("fa:16:3e:00:00:01")")) == "fa:16:3e:00:00:01");
  CHECK_FALSE(optional_string(json::parse(R"(["set",[]])")));
  CHECK(string_map(json::parse(R"(["map",[["iface-id","p1"]]])")) ==
        std::map<std::string, std::string>{{"iface-id", "p1"}});
  CHECK(uuid_string(json::parse(R"(["uuid","u1"])")) == "u1");
}

TEST_CASE("decoding a value of the wrong shape names what was expected") {
  CHECK_THROWS_WITH(string_map(json::parse(R"(["set",[]])")), Catch::Contains("expected map"));
  CHECK_THROWS_AS(uuid_string(json::parse(R"("u1")")), OvsdbError);
  CHECK_THROWS_AS(optional_integer(json::parse(R"(["set",[1,2]])")), OvsdbError);
}

TEST_CASE("operations are built as the server expects them") {
  const json where = json::array({op::condition("name", "==", "br-int")});
  CHECK(op::insert("Port", {{"name", "p"}}, "port") ==
        json::parse(R"({"op":"insert","table":"Port","row":{"name":"p"},"uuid-name":"port"})"));
  CHECK(op::select("Bridge", where, {"_uuid"}) ==
        json::parse(R"({"op":"select","table":"Bridge","where":[["name","==","br-int"]],
                        "columns":["_uuid"]})"));
  CHECK(op::mutate("Bridge", where,
                   json::array({op::mutation("ports", "insert", set_of({named_uuid("p")}))})) ==
        json::parse(R"({"op":"mutate","table":"Bridge","where":[["name","==","br-int"]],
                        "mutations":[["ports","insert",["set",[["named-uuid","p"]]]]]})"));
  CHECK(op::wait("Bridge", where, {"name"}, "==", json::array()) ==
        json::parse(R"({"op":"wait","table":"Bridge","where":[["name","==","br-int"]],
                        "columns":["name"],"until":"==","rows":[],"timeout":0})"));
  CHECK(op::delete_rows("Port", json::array())["op"] == "delete");
  CHECK(op::update("Bridge", where, {{"fail_mode", "secure"}})["row"]["fail_mode"] == "secure");
}

TEST_CASE("a transaction result with an error becomes an exception naming the operation") {
  const json ops = json::array({op::insert("Bridge", {{"name", "br"}}), op::select("Port", {})});
  const json results = json::parse(
      R"([{"error":"constraint violation","details":"Transaction causes multiple rows in \"Bridge\" table to have identical values"},null])");
  try {
    check_transact_results("Open_vSwitch", ops, results);
    FAIL("expected an exception");
  } catch (const OvsdbError& e) {
    CHECK(e.error() == "constraint violation");
    CHECK_THAT(e.what(), Catch::Contains("operation 0 (insert Bridge)") &&
                             Catch::Contains("identical values"));
  }
}

TEST_CASE("a commit failure reported past the last operation is detected") {
  const json ops = json::array({op::insert("Port", {{"name", "p"}})});
  const json results = json::parse(
      R"([{"uuid":["uuid","u"]},{"error":"referential integrity violation","details":"x"}])");
  CHECK_THROWS_WITH(check_transact_results("Open_vSwitch", ops, results),
                    Catch::Contains("commit") && Catch::Contains("referential integrity"));
}

TEST_CASE("successful transaction results pass the check") {
  const json ops = json::array({op::select("Port", json::array())});
  CHECK_NOTHROW(check_transact_results("Open_vSwitch", ops, json::parse(R"([{"rows":[]}])")));
}
