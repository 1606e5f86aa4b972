#pragma once
// The table of commands: each row is the words that name it ("role add"), its arguments and
// options, a one-line summary and the handler. Dispatch and `help` both read this table, and
// each resource group adds its rows from its own file (identity_commands.cpp, ...).
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "tools/cloudctl/args.h"

namespace stratus::cloudctl {

class Output;
class Session;
class Console;

// What a handler gets: its parsed arguments (command words removed) and the means to act.
struct CommandContext {
  const ParsedArgs& args;
  Output& output;
  Session& session;
  Console& console;  // stdin lines and hidden prompts
};

using Handler = std::function<void(CommandContext&)>;

struct Command {
  std::vector<std::string> words;               // {"role", "add"}
  std::vector<std::string> arguments;           // required positionals, by name: {"ROLE"}
  std::vector<std::string> optional_arguments;  // positionals that may follow them
  std::vector<OptionSpec> options;              // besides the global --profile and --json
  std::string options_usage;                    // "--user U --project P"
  std::string summary;
  Handler handler;

  std::string name() const;        // "role add"
  std::string usage_line() const;  // "cloudctl role add ROLE --user U --project P"
};

// "role add" for {"role", "add"}.
std::string join_words(const std::vector<std::string>& words);

// The options every command accepts, wherever they appear.
const std::vector<OptionSpec>& global_options();

class CommandTable {
 public:
  void add(Command command);
  const std::vector<Command>& commands() const { return commands_; }

  // The command whose words start `tokens` (after global options are skipped), the longest
  // if several do; nullptr when none does.
  const Command* find(const std::vector<std::string>& tokens) const;
  // The leading words of `tokens` (global options skipped, up to the first other option).
  static std::vector<std::string> leading_words(const std::vector<std::string>& tokens);
  // Commands whose words begin with `prefix` (all of them for an empty prefix).
  std::vector<const Command*> matching(const std::vector<std::string>& prefix) const;

  // Parses `tokens` for `command`: global and command options, then checks the number of
  // positionals. The returned positionals exclude the command's words. Throws UsageError.
  static ParsedArgs parse(const Command& command, const std::vector<std::string>& tokens);

  void print_help(std::ostream& out, const std::vector<const Command*>& commands) const;

  // The command whose name is closest to `words` (a typo's likely meaning), or nullptr when
  // none is close enough to suggest.
  const Command* closest(const std::vector<std::string>& words) const;

 private:
  std::vector<Command> commands_;
};

}  // namespace stratus::cloudctl
