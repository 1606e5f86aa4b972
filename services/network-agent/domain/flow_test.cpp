#include "domain/flow.h"

#include <catch2/catch.hpp>

using namespace stratus::network_agent;

TEST_CASE("a dumped flow equals the compiled flow whatever the order of its match fields", "[flow]") {
  auto dumped = parse_dumped_flow(
      " cookie=0x5, duration=0.055s, table=31, n_packets=3, n_bytes=180, idle_age=0, "
      "priority=70,ct_state=-rpl+trk,tcp,reg5=0x3,tp_dst=22 actions=ct(commit,zone=NXM_NX_REG5[0..15]),goto_table:40");
  REQUIRE(dumped);
  Flow compiled = make_flow(31, 70, 0x5, {"reg5=0x3", "tcp", "tp_dst=22", "ct_state=-rpl+trk"},
                            "ct(commit,zone=NXM_NX_REG5[0..15]),goto_table:40");
  CHECK(*dumped == compiled);
}

TEST_CASE("a dumped flow without cookie or table is in table 0 with cookie 0", "[flow]") {
  auto dumped = parse_dumped_flow(" priority=0 actions=drop");
  REQUIRE(dumped);
  CHECK(dumped->table == 0);
  CHECK(dumped->cookie == 0);
  CHECK(dumped->match.empty());
  CHECK(dumped->actions == "drop");
  CHECK_FALSE(parse_dumped_flow("OFPST_FLOW reply (OF1.5) (xid=0x2):"));
}

TEST_CASE("the diff adds what is missing and deletes what is extra", "[flow]") {
  Flow kept = make_flow(0, 10, 1, {"in_port=1"}, "goto_table:20");
  Flow stale = make_flow(0, 10, 1, {"in_port=2"}, "goto_table:20");
  Flow fresh = make_flow(0, 10, 1, {"in_port=3"}, "goto_table:20");
  FlowDiff diff = diff_flows({kept, stale}, {kept, fresh});
  REQUIRE(diff.to_add == std::vector<Flow>{fresh});
  REQUIRE(diff.to_delete == std::vector<Flow>{stale});
  CHECK(diff_flows({kept}, {kept}).empty());
}

TEST_CASE("a flow whose actions change is replaced by an add, not deleted", "[flow]") {
  Flow before = make_flow(50, 10, 7, {"reg6=0x64", "dl_dst=fa:16:3e:00:00:01"}, "set_field:0x3->reg7");
  Flow after = make_flow(50, 10, 7, {"reg6=0x64", "dl_dst=fa:16:3e:00:00:01"}, "set_field:0x4->reg7");
  FlowDiff diff = diff_flows({before}, {after});
  CHECK(diff.to_delete.empty());
  CHECK(diff.to_add == std::vector<Flow>{after});
}

TEST_CASE("commands for ovs-ofctl name the whole key", "[flow]") {
  Flow flow = make_flow(20, 5, 0x10, {"arp", "reg6=0x1"}, "goto_table:50");
  CHECK(add_command(flow) == "add table=20,priority=5,arp,reg6=0x1,cookie=0x10,actions=goto_table:50");
  CHECK(delete_command(flow) == "delete_strict table=20,priority=5,arp,reg6=0x1");
}
