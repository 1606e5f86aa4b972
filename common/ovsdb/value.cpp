#include "common/ovsdb/value.h"

#include "common/ovsdb/error.h"

namespace stratus::ovsdb {

namespace {
bool is_tagged(const json& value, const char* tag) {
  return value.is_array() && value.size() == 2 && value[0].is_string() && value[0] == tag;
}

[[noreturn]] void bad_shape(const char* wanted, const json& value) {
  throw OvsdbError("decode value", std::string("expected ") + wanted, value.dump());
}
}  // namespace

json uuid(const std::string& id) { return json::array({"uuid", id}); }

json named_uuid(const std::string& name) { return json::array({"named-uuid", name}); }

json set_of(const std::vector<json>& elements) {
  return json::array({"set", json(elements)});
}

json set_of_strings(const std::vector<std::string>& elements) {
  return json::array({"set", json(elements)});
}

json map_of(const std::map<std::string, std::string>& entries) {
  json pairs = json::array();
  for (const auto& [key, value] : entries) pairs.push_back(json::array({key, value}));
  return json::array({"map", pairs});
}

std::vector<json> set_elements(const json& value) {
  if (is_tagged(value, "set")) {
    if (!value[1].is_array()) bad_shape("set", value);
    return value[1].get<std::vector<json>>();
  }
  if (value.is_array() && !is_tagged(value, "uuid") && !is_tagged(value, "named-uuid")) {
    bad_shape("set or atom", value);
  }
  return {value};  // a lone atom stands for a set of one
}

std::vector<std::string> string_set(const json& value) {
  std::vector<std::string> out;
  for (const json& element : set_elements(value)) {
    if (!element.is_string()) bad_shape("set of strings", value);
    out.push_back(element.get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> string_map(const json& value) {
  if (!is_tagged(value, "map") || !value[1].is_array()) bad_shape("map", value);
  std::map<std::string, std::string> out;
  for (const json& pair : value[1]) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      bad_shape("map of strings", value);
    }
    out[pair[0].get<std::string>()] = pair[1].get<std::string>();
  }
  return out;
}

std::string uuid_string(const json& value) {
  if (!is_tagged(value, "uuid") || !value[1].is_string()) bad_shape("uuid", value);
  return value[1].get<std::string>();
}

std::optional<std::string> optional_string(const json& value) {
  const std::vector<json> elements = set_elements(value);
  if (elements.empty()) return std::nullopt;
  if (elements.size() != 1 || !elements[0].is_string()) bad_shape("optional string", value);
  return elements[0].get<std::string>();
}

std::optional<std::int64_t> optional_integer(const json& value) {
  const std::vector<json> elements = set_elements(value);
  if (elements.empty()) return std::nullopt;
  if (elements.size() != 1 || !elements[0].is_number_integer()) {
    bad_shape("optional integer", value);
  }
  return elements[0].get<std::int64_t>();
}

}  // namespace stratus::ovsdb
