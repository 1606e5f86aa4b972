#include "common/config/config.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace stratus {
namespace {

std::string trim(const std::string& s) {
  auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  auto end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

std::string unquote(const std::string& v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
    return v.substr(1, v.size() - 2);
  return v;
}

}  // namespace

Config Config::parse(const std::string& text, const std::string& origin) {
  Config config;
  std::istringstream in(text);
  std::string line, section;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[') {
      if (t.back() != ']' || t.size() < 3)
        throw std::invalid_argument(origin + ":" + std::to_string(number) + ": malformed section header");
      section = trim(t.substr(1, t.size() - 2));
      continue;
    }
    auto eq = t.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::invalid_argument(origin + ":" + std::to_string(number) + ": expected 'key = value'");
    std::string key = trim(t.substr(0, eq));
    config.values_[section.empty() ? key : section + "." + key] = unquote(trim(t.substr(eq + 1)));
  }
  return config;
}

Config Config::load(const std::string& path, const std::string& env_prefix) {
  Config config;
  if (!path.empty()) {
    std::ifstream file(path);
    if (!file) throw std::invalid_argument("cannot read configuration file " + path);
    std::stringstream buffer;
    buffer << file.rdbuf();
    config = parse(buffer.str(), path);
  }
  config.env_prefix_ = env_prefix;
  return config;
}

std::string Config::env_name(const std::string& env_prefix, const std::string& key) {
  std::string name = env_prefix + "_" + key;
  for (auto& c : name) c = (c == '.' || c == '-') ? '_' : static_cast<char>(std::toupper(c));
  return name;
}

std::optional<std::string> Config::find(const std::string& key) const {
  if (!env_prefix_.empty())
    if (const char* env = std::getenv(env_name(env_prefix_, key).c_str())) return std::string(env);
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Config::get(const std::string& key, const std::string& fallback) const {
  return find(key).value_or(fallback);
}

std::string Config::require(const std::string& key) const {
  auto v = find(key);
  if (!v || v->empty()) throw std::invalid_argument("missing setting " + key);
  return *v;
}

long Config::get_int(const std::string& key, long fallback) const {
  auto v = find(key);
  if (!v) return fallback;
  try {
    size_t used = 0;
    long n = std::stol(*v, &used);
    if (used != v->size()) throw std::invalid_argument("trailing characters");
    return n;
  } catch (const std::exception&) {
    throw std::invalid_argument("setting " + key + " must be an integer, got '" + *v + "'");
  }
}

bool Config::get_bool(const std::string& key, bool fallback) const {
  auto v = find(key);
  if (!v) return fallback;
  if (*v == "true" || *v == "yes" || *v == "1" || *v == "on") return true;
  if (*v == "false" || *v == "no" || *v == "0" || *v == "off") return false;
  throw std::invalid_argument("setting " + key + " must be true or false, got '" + *v + "'");
}

std::chrono::seconds Config::get_seconds(const std::string& key, std::chrono::seconds fallback) const {
  return std::chrono::seconds(get_int(key, fallback.count()));
}

}  // namespace stratus
