#pragma once
// Configuration: one INI-style file per service plus environment overrides.
//
//   [db]
//   url = postgresql://...
//
// is the key "db.url"; the environment variable STRATUS_DB_URL overrides it (prefix,
// section and key upper-cased, dots and dashes as underscores), whether or not the file has
// the key. Environment wins so that containers and tests can change one setting without
// writing a file. The variable is looked up by the key's own name when the key is read, so
// sections with dashes or underscores ("block-storage") work too.
#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace stratus {

class Config {
 public:
  Config() = default;
  // Reads `path` (if not empty); `env_prefix`_* variables override its keys when read.
  static Config load(const std::string& path, const std::string& env_prefix = "STRATUS");
  // Parses INI text; throws std::invalid_argument naming the line on malformed input.
  static Config parse(const std::string& text, const std::string& origin = "<string>");

  std::optional<std::string> find(const std::string& key) const;
  std::string get(const std::string& key, const std::string& fallback) const;
  // Throws std::invalid_argument("missing setting <key>") when absent.
  std::string require(const std::string& key) const;
  long get_int(const std::string& key, long fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::chrono::seconds get_seconds(const std::string& key, std::chrono::seconds fallback) const;

  void set(const std::string& key, const std::string& value) { values_[key] = value; }
  // The keys of the file (environment overrides are not listed).
  const std::map<std::string, std::string>& values() const { return values_; }

  // The environment variable name that overrides `key`: STRATUS_DB_URL for "db.url".
  static std::string env_name(const std::string& env_prefix, const std::string& key);

 private:
  std::string env_prefix_;  // empty: no environment overrides (parsed text alone)
  std::map<std::string, std::string> values_;
};

}  // namespace stratus
