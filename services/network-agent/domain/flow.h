#pragma once
// One OpenFlow flow as the agent compares it: table, priority, cookie, match and actions in
// the text form `ovs-ofctl -O OpenFlow15 dump-flows` prints. The match's comma-separated
// fields are kept sorted, so a flow we compiled and the same flow dumped from the switch are
// equal however OVS orders the fields; actions keep their order (it matters) and are written
// by the compiler exactly as OVS prints them.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace stratus::network_agent {

struct Flow {
  int table = 0;
  int priority = 0;
  std::uint64_t cookie = 0;
  std::string match;    // sorted "field=value" tokens joined by ','; empty: every packet
  std::string actions;  // "drop" when empty

  // Same (table, priority, match): the switch holds at most one such flow.
  bool same_key(const Flow& other) const {
    return table == other.table && priority == other.priority && match == other.match;
  }
  bool operator<(const Flow& o) const {
    return std::tie(table, priority, match, cookie, actions) <
           std::tie(o.table, o.priority, o.match, o.cookie, o.actions);
  }
  bool operator==(const Flow& o) const {
    return std::tie(table, priority, match, cookie, actions) ==
           std::tie(o.table, o.priority, o.match, o.cookie, o.actions);
  }
};

using FlowSet = std::set<Flow>;

// Builds a flow with its match normalized (fields sorted, empty fields dropped).
Flow make_flow(int table, int priority, std::uint64_t cookie, const std::vector<std::string>& match_fields,
               std::string actions);

// "table=N, priority=P, cookie=0xC, MATCH, actions=A": for logs, tests and diffs by eye.
std::string to_string(const Flow& flow);

// One line of `ovs-ofctl -O OpenFlow15 --no-names --no-stats dump-flows`; nullopt for lines
// that are not flows (the reply header).
std::optional<Flow> parse_dumped_flow(const std::string& line);

// A line for `ovs-ofctl --bundle add-flows` (whose lines may each start with a command).
std::string add_command(const Flow& flow);
std::string delete_command(const Flow& flow);  // delete_strict: this flow only

struct FlowDiff {
  std::vector<Flow> to_delete;
  std::vector<Flow> to_add;
  bool empty() const { return to_delete.empty() && to_add.empty(); }
};

// What turns `installed` into `desired`. A flow whose key stays but whose cookie or actions
// change is only added (an add replaces the flow of the same key), never deleted first.
FlowDiff diff_flows(const FlowSet& installed, const FlowSet& desired);

}  // namespace stratus::network_agent
