#pragma once
// Command-line arguments: positionals and `--name value` / `--name=value` / `--flag` options,
// in any order.
//
// Why our own parser rather than CLI11: commands are rows of one table (words such as
// "security-group rule create", arguments, options, handler) and `help` is generated from that
// table. CLI11 would want the same commands declared again as nested sub-apps with its own help
// format. What we need — options anywhere, `=` form, repeats, flags, `--` — is a page of code.
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace stratus::cloudctl {

// A mistake in how the command was typed: exit status 2, with the usage line of the command.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;  // without the leading "--"
  bool takes_value = false;
  bool repeatable = false;
};

OptionSpec value_option(const std::string& name);     // --name VALUE, at most once
OptionSpec repeated_option(const std::string& name);  // --name VALUE, any number of times
OptionSpec flag_option(const std::string& name);      // --name

class ParsedArgs {
 public:
  const std::vector<std::string>& positionals() const { return positionals_; }
  bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  // The value of a single-valued option, if given.
  std::optional<std::string> value(const std::string& name) const;
  std::string value_or(const std::string& name, const std::string& fallback) const;
  // Every value of a repeatable option, in the order given.
  std::vector<std::string> values(const std::string& name) const;

  void add_positional(std::string value) { positionals_.push_back(std::move(value)); }
  void add_flag(const std::string& name) { flags_.insert(name); }
  void add_value(const std::string& name, std::string value) { values_[name].push_back(std::move(value)); }
  // Drops the first `count` positionals (the command's words, once the command is known).
  void drop_leading_positionals(size_t count);

 private:
  std::vector<std::string> positionals_;
  std::set<std::string> flags_;
  std::map<std::string, std::vector<std::string>> values_;
};

// Parses `tokens` against `specs`. Throws UsageError on an unknown option, a missing value,
// a value given to a flag, or a single-valued option given twice. "--" ends the options.
ParsedArgs parse_arguments(const std::vector<std::string>& tokens, const std::vector<OptionSpec>& specs);

}  // namespace stratus::cloudctl
