#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stratus::ovsdb {

using json = nlohmann::json;

// Encoders for OVSDB's wire notation of values (RFC 7047 section 5.1).
json uuid(const std::string& id);              // ["uuid", id]
json named_uuid(const std::string& name);      // ["named-uuid", name]
json set_of(const std::vector<json>& elements);  // ["set", [...]]
json set_of_strings(const std::vector<std::string>& elements);
json map_of(const std::map<std::string, std::string>& entries);  // ["map", [[k, v], ...]]

// Decoders. A set with one element may arrive as the bare atom, so every decoder
// accepts both forms. They throw OvsdbError when the value has another shape.
std::vector<json> set_elements(const json& value);
std::vector<std::string> string_set(const json& value);
std::map<std::string, std::string> string_map(const json& value);
std::string uuid_string(const json& value);  // ["uuid", id] -> id
// Optional columns (min 0, max 1) are an empty set when absent.
std::optional<std::string> optional_string(const json& value);
std::optional<std::int64_t> optional_integer(const json& value);

}  // namespace stratus::ovsdb
