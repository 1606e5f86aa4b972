#include "common/ovsdb/operations.h"

namespace stratus::ovsdb::op {

json condition(const std::string& column, const std::string& function, const json& value) {
  return json::array({column, function, value});
}

json mutation(const std::string& column, const std::string& mutator, const json& value) {
  return json::array({column, mutator, value});
}

json insert(const std::string& table, const json& row, const std::string& uuid_name) {
  json op = {{"op", "insert"}, {"table", table}, {"row", row}};
  if (!uuid_name.empty()) op["uuid-name"] = uuid_name;
  return op;
}

json select(const std::string& table, const json& where, const std::vector<std::string>& columns) {
  json op = {{"op", "select"}, {"table", table}, {"where", where}};
  if (!columns.empty()) op["columns"] = columns;
  return op;
}

json update(const std::string& table, const json& where, const json& row) {
  return {{"op", "update"}, {"table", table}, {"where", where}, {"row", row}};
}

json mutate(const std::string& table, const json& where, const json& mutations) {
  return {{"op", "mutate"}, {"table", table}, {"where", where}, {"mutations", mutations}};
}

json delete_rows(const std::string& table, const json& where) {
  return {{"op", "delete"}, {"table", table}, {"where", where}};
}

json wait(const std::string& table, const json& where, const std::vector<std::string>& columns,
          const std::string& until, const json& rows, int timeout_ms) {
  return {{"op", "wait"},   {"table", table}, {"where", where}, {"columns", columns},
          {"until", until}, {"rows", rows},   {"timeout", timeout_ms}};
}

}  // namespace stratus::ovsdb::op
