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
  // An optional positional the options usage spells out itself ("(SERVER | --port PORT)") is not
  // repeated as "[SERVER]".
  for (const auto& argument : optional_arguments)
    if (options_usage.find(argument) == std::string::npos) line += " [" + argument + "]";
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

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

const Command* CommandTable::closest(const std::vector<std::string>& words) const {
  const Command* best = nullptr;
  size_t best_distance = 0;
  for (const auto& command : commands_) {
    std::vector<std::string> typed(words.begin(), words.begin() + std::min(words.size(), command.words.size()));
    size_t distance = edit_distance(join_words(typed), command.name());
    if (!best || distance < best_distance) {
      best = &command;
      best_distance = distance;
    }
  }
  if (!best || best_distance > std::max<size_t>(2, best->name().size() / 3)) return nullptr;
  return best;
}

}  // namespace stratus::cloudctl
