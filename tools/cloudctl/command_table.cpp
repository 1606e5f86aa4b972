#include "tools/cloudctl/command_table.h"

#include <algorithm>
#include <ostream>


namespace stratus::cloudctl {

std::string join_words(const std::vector<std::string>& words) {
  std::string joined;
  for (const auto& word : words) joined += (joined.empty() ? "" : " ") + word;
  return joined;
}

namespace {

bool starts_with(const std::vector<std::string>& whole, const std::vector<std::string>& prefix) {
  return prefix.size() <= whole.size() && std::equal(prefix.begin(), prefix.end(), whole.begin());
}

}  // namespace

std::string Command::name() const { return join_words(words); }

std::string Command::usage_line() const {
  std::string line = "cloudctl " + name();
  for (const auto& argument : arguments) line += " " + argument;
  for (const auto& argument : optional_arguments) line += " [" + argument + "]";
  if (!options_usage.empty()) line += " " + options_usage;
  return line;
}

const std::vector<OptionSpec>& global_options() {
  static const std::vector<OptionSpec> options = {value_option("profile"), flag_option("json"), flag_option("help")};
  return options;
}

void CommandTable::add(Command command) { commands_.push_back(std::move(command)); }

std::vector<std::string> CommandTable::leading_words(const std::vector<std::string>& tokens) {
  std::vector<std::string> words;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    if (token == "--profile") {
      ++i;  // skip its value
      continue;
    }
    if (token == "--json" || token.rfind("--profile=", 0) == 0) continue;
    if (!token.empty() && token[0] == '-') break;
    words.push_back(token);
  }
  return words;
}

const Command* CommandTable::find(const std::vector<std::string>& tokens) const {
  std::vector<std::string> words = leading_words(tokens);
  const Command* best = nullptr;
  for (const auto& command : commands_)
    if (starts_with(words, command.words) && (!best || command.words.size() > best->words.size())) best = &command;
  return best;
}

std::vector<const Command*> CommandTable::matching(const std::vector<std::string>& prefix) const {
  std::vector<const Command*> found;
  for (const auto& command : commands_)
    if (starts_with(command.words, prefix)) found.push_back(&command);
  return found;
}

ParsedArgs CommandTable::parse(const Command& command, const std::vector<std::string>& tokens) {
  std::vector<OptionSpec> specs = global_options();
  specs.insert(specs.end(), command.options.begin(), command.options.end());
  ParsedArgs args = parse_arguments(tokens, specs);
  args.drop_leading_positionals(command.words.size());
  const auto& positionals = args.positionals();
  if (positionals.size() < command.arguments.size())
    throw UsageError("missing " + command.arguments[positionals.size()]);
  if (positionals.size() > command.arguments.size() + command.optional_arguments.size())
    throw UsageError("unexpected argument '" + positionals[command.arguments.size() + command.optional_arguments.size()] + "'");
  return args;
}

void CommandTable::print_help(std::ostream& out, const std::vector<const Command*>& commands) const {
  out << "usage: cloudctl [--profile NAME] [--json] RESOURCE VERB [ARGS] [OPTIONS]\n\ncommands:\n";
  // Usage lines grow long (server create ...), so each summary goes on its own line.
  for (const Command* command : commands)
    out << "  " << command->usage_line().substr(std::string("cloudctl ").size()) << "\n      " << command->summary << "\n";
  if (commands.size() == commands_.size()) out << "\nRun `cloudctl RESOURCE --help` for one resource's commands.\n";
}

}  // namespace stratus::cloudctl
