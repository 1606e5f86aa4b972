#include "tools/cloudctl/args.h"

#include <algorithm>

namespace stratus::cloudctl {

OptionSpec value_option(const std::string& name) { return {name, true, false}; }
OptionSpec repeated_option(const std::string& name) { return {name, true, true}; }
OptionSpec flag_option(const std::string& name) { return {name, false, false}; }

std::optional<std::string> ParsedArgs::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string ParsedArgs::value_or(const std::string& name, const std::string& fallback) const {
  return value(name).value_or(fallback);
}

std::vector<std::string> ParsedArgs::values(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

void ParsedArgs::drop_leading_positionals(size_t count) {
  count = std::min(count, positionals_.size());
  positionals_.erase(positionals_.begin(), positionals_.begin() + static_cast<long>(count));
}

namespace {

const OptionSpec* find_spec(const std::vector<OptionSpec>& specs, const std::string& name) {
  for (const auto& spec : specs)
    if (spec.name == name) return &spec;
  return nullptr;
}

bool looks_like_option(const std::string& token) { return token.size() > 2 && token.compare(0, 2, "--") == 0; }

}  // namespace

ParsedArgs parse_arguments(const std::vector<std::string>& tokens, const std::vector<OptionSpec>& specs) {
  ParsedArgs parsed;
  bool options_ended = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    if (options_ended || !looks_like_option(token)) {
      if (!options_ended && token == "--") {
        options_ended = true;
        continue;
      }
      parsed.add_positional(token);
      continue;
    }
    auto eq = token.find('=');
    std::string name = token.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const OptionSpec* spec = find_spec(specs, name);
    if (!spec) throw UsageError("unknown option --" + name);
    if (!spec->takes_value) {
      if (eq != std::string::npos) throw UsageError("option --" + name + " takes no value");
      parsed.add_flag(name);
      continue;
    }
    std::string value;
    if (eq != std::string::npos) {
      value = token.substr(eq + 1);
    } else {
      if (i + 1 >= tokens.size()) throw UsageError("option --" + name + " needs a value");
      value = tokens[++i];
    }
    if (!spec->repeatable && parsed.value(name)) throw UsageError("option --" + name + " given more than once");
    parsed.add_value(name, std::move(value));
  }
  return parsed;
}

}  // namespace stratus::cloudctl
