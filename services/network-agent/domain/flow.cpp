#include "domain/flow.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace stratus::network_agent {

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  return parts;
}

std::string trim(const std::string& text) {
  auto begin = text.find_first_not_of(' ');
  if (begin == std::string::npos) return "";
  auto end = text.find_last_not_of(' ');
  return text.substr(begin, end - begin + 1);
}

std::string hex(std::uint64_t value) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(value));
  return buffer;
}

std::string key_text(const Flow& flow) {
  std::string text = "table=" + std::to_string(flow.table) + ",priority=" + std::to_string(flow.priority);
  if (!flow.match.empty()) text += "," + flow.match;
  return text;
}

}  // namespace

Flow make_flow(int table, int priority, std::uint64_t cookie, const std::vector<std::string>& match_fields,
               std::string actions) {
  std::vector<std::string> fields;
  for (const auto& field : match_fields)
    if (!field.empty()) fields.push_back(field);
  std::sort(fields.begin(), fields.end());
  std::string match;
  for (const auto& field : fields) match += (match.empty() ? "" : ",") + field;
  return Flow{table, priority, cookie, match, actions.empty() ? "drop" : std::move(actions)};
}

std::string to_string(const Flow& flow) {
  return "table=" + std::to_string(flow.table) + ", priority=" + std::to_string(flow.priority) +
         ", cookie=" + hex(flow.cookie) + (flow.match.empty() ? "" : ", " + flow.match) +
         ", actions=" + flow.actions;
}

// A dumped flow reads " cookie=0x5, table=20, priority=10,arp,reg6=0x64 actions=...": the
// leading "key=value, " pairs are absent when zero (cookie, table).
std::optional<Flow> parse_dumped_flow(const std::string& line) {
  auto actions_at = line.find(" actions=");
  if (actions_at == std::string::npos) return std::nullopt;
  Flow flow;
  flow.actions = trim(line.substr(actions_at + 9));
  std::vector<std::string> match_fields;
  for (const auto& chunk : split(line.substr(0, actions_at), ',')) {
    std::string field = trim(chunk);
    if (field.empty()) continue;
    auto eq = field.find('=');
    std::string name = field.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : field.substr(eq + 1);
    if (name == "cookie") {
      flow.cookie = std::stoull(value, nullptr, 0);
    } else if (name == "table") {
      flow.table = std::stoi(value);
    } else if (name == "priority") {
      flow.priority = std::stoi(value);
    } else if (name == "duration" || name == "n_packets" || name == "n_bytes" || name == "idle_age" ||
               name == "hard_age" || name == "idle_timeout" || name == "hard_timeout") {
      continue;  // statistics and timeouts: not part of what we compare
    } else {
      match_fields.push_back(field);
    }
  }
  return make_flow(flow.table, flow.priority, flow.cookie, match_fields, flow.actions);
}

std::string add_command(const Flow& flow) {
  return "add " + key_text(flow) + ",cookie=" + hex(flow.cookie) + ",actions=" + flow.actions;
}

std::string delete_command(const Flow& flow) { return "delete_strict " + key_text(flow); }

FlowDiff diff_flows(const FlowSet& installed, const FlowSet& desired) {
  FlowDiff diff;
  std::set<std::tuple<int, int, std::string>> added_keys;
  for (const auto& flow : desired) {
    if (installed.count(flow)) continue;
    diff.to_add.push_back(flow);
    added_keys.emplace(flow.table, flow.priority, flow.match);
  }
  for (const auto& flow : installed) {
    if (desired.count(flow)) continue;
    if (added_keys.count({flow.table, flow.priority, flow.match})) continue;
    diff.to_delete.push_back(flow);
  }
  return diff;
}

}  // namespace stratus::network_agent
