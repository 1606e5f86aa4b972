#include <catch2/catch.hpp>

#include <vector>

#include "common/ovsdb/error.h"
#include "common/ovsdb/replica.h"

using namespace stratus::ovsdb;

namespace {
struct Recorder {
  std::vector<RowChange> changes;
  Replica::Listener listener() {
    return [this](const RowChange& change) { changes.push_back(change); };
  }
};

Replica interface_replica(Recorder& recorder) {
  return Replica("Open_vSwitch", {{"Interface", {"name", "external_ids", "ofport"}}},
                 recorder.listener());
}
}  // namespace

TEST_CASE("the initial monitor contents are reported as inserts") {
  Recorder recorder;
  Replica replica = interface_replica(recorder);
  replica.apply_initial(json::parse(R"({"Interface":{
      "u1":{"new":{"name":"tap1","external_ids":["map",[["iface-id","p1"]]],"ofport":1}},
      "u2":{"new":{"name":"br-int","external_ids":["map",[]],"ofport":65534}}}})"));
  REQUIRE(recorder.changes.size() == 2);
  CHECK_FALSE(recorder.changes[0].old_row);
  CHECK(recorder.changes[0].table == "Interface");
  CHECK(replica.rows("Interface").size() == 2);
  CHECK(replica.get("Interface", "u1")->at("name") == "tap1");
}

TEST_CASE("an update inserts, modifies and deletes rows and reports each change") {
  Recorder recorder;
  Replica replica = interface_replica(recorder);
  replica.apply_initial(json::parse(R"({"Interface":{
      "u1":{"new":{"name":"tap1","external_ids":["map",[]],"ofport":["set",[]]}}}})"));
  recorder.changes.clear();

  replica.apply_update(json::parse(R"({"Interface":{
      "u2":{"new":{"name":"tap2","external_ids":["map",[["iface-id","p2"]]],"ofport":["set",[]]}},
      "u1":{"old":{"ofport":["set",[]]},
            "new":{"name":"tap1","external_ids":["map",[]],"ofport":5}}}})"));
  REQUIRE(recorder.changes.size() == 2);
  const RowChange& modify = recorder.changes[0];  // tables and uuids come in sorted order
  CHECK(modify.uuid == "u1");
  CHECK(modify.old_row->at("ofport") == json::parse(R"(["set",[]])"));
  CHECK(modify.new_row->at("ofport") == 5);
  const RowChange& insert = recorder.changes[1];
  CHECK(insert.uuid == "u2");
  CHECK_FALSE(insert.old_row);
  CHECK(insert.new_row->at("external_ids") == json::parse(R"(["map",[["iface-id","p2"]]])"));

  recorder.changes.clear();
  replica.apply_update(json::parse(
      R"({"Interface":{"u2":{"old":{"name":"tap2","external_ids":["map",[]],"ofport":3}}}})"));
  REQUIRE(recorder.changes.size() == 1);
  CHECK(recorder.changes[0].uuid == "u2");
  CHECK_FALSE(recorder.changes[0].new_row);
  CHECK(recorder.changes[0].old_row->at("name") == "tap2");  // the full row we held
  CHECK_FALSE(replica.get("Interface", "u2"));
}

TEST_CASE("a modify that carries only some columns keeps the others") {
  Recorder recorder;
  Replica replica = interface_replica(recorder);
  replica.apply_initial(json::parse(
      R"({"Interface":{"u1":{"new":{"name":"tap1","external_ids":["map",[]],"ofport":1}}}})"));
  replica.apply_update(json::parse(R"({"Interface":{"u1":{"old":{"ofport":1},"new":{"ofport":2}}}})"));
  CHECK(replica.get("Interface", "u1")->at("name") == "tap1");
  CHECK(replica.get("Interface", "u1")->at("ofport") == 2);
}

TEST_CASE("a resync reports rows that vanished as deleted and new ones as inserted") {
  Recorder recorder;
  Replica replica = interface_replica(recorder);
  replica.apply_initial(json::parse(R"({"Interface":{
      "gone":{"new":{"name":"tap1"}},
      "kept":{"new":{"name":"tap2","ofport":1}},
      "same":{"new":{"name":"tap3"}}}})"));
  recorder.changes.clear();

  replica.apply_initial(json::parse(R"({"Interface":{
      "kept":{"new":{"name":"tap2","ofport":7}},
      "same":{"new":{"name":"tap3"}},
      "born":{"new":{"name":"tap4"}}}})"));
  REQUIRE(recorder.changes.size() == 3);
  CHECK(recorder.changes[0].uuid == "gone");
  CHECK_FALSE(recorder.changes[0].new_row);
  CHECK(recorder.changes[1].uuid == "born");
  CHECK_FALSE(recorder.changes[1].old_row);
  CHECK(recorder.changes[2].uuid == "kept");
  CHECK(recorder.changes[2].new_row->at("ofport") == 7);
  CHECK(replica.rows("Interface").size() == 3);
}

TEST_CASE("updates for tables the replica did not ask for are ignored") {
  Recorder recorder;
  Replica replica = interface_replica(recorder);
  replica.apply_update(json::parse(R"({"Bridge":{"b1":{"new":{"name":"br-int"}}}})"));
  CHECK(recorder.changes.empty());
  CHECK(replica.rows("Bridge").empty());
}

TEST_CASE("a malformed update is refused") {
  Recorder recorder;
  Replica replica = interface_replica(recorder);
  CHECK_THROWS_AS(replica.apply_update(json::array()), OvsdbError);
}
