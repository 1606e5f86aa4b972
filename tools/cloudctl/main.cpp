// cloudctl: the command line of the cloud. See /work/shared/CLI.md for the contract and
// README.md here for profiles, tokens and adding commands.
//
// Exit status: 0 success, 1 the cloud refused or failed, 2 a usage error.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "tools/cloudctl/command_table.h"
#include "tools/cloudctl/commands.h"
#include "tools/cloudctl/console.h"
#include "tools/cloudctl/output.h"
#include "tools/cloudctl/profile.h"
#include "tools/cloudctl/session.h"

namespace stratus::cloudctl {
namespace {

constexpr int kSuccess = 0;
constexpr int kCloudFailure = 1;
constexpr int kUsageError = 2;

bool asks_for_help(const std::vector<std::string>& tokens) {
  auto end = std::find(tokens.begin(), tokens.end(), "--");
  return std::find(tokens.begin(), end, "--help") != end || std::find(tokens.begin(), end, "-h") != end;
}

// `cloudctl`, `cloudctl help [RESOURCE]`, or words that name no command: list what there is.
int help_or_unknown(const CommandTable& table, const std::vector<std::string>& tokens) {
  std::vector<std::string> words = CommandTable::leading_words(tokens);
  bool help_word = !words.empty() && words.front() == "help";
  if (help_word) words.erase(words.begin());
  // The longest prefix of the words that names some commands: "project frob" -> "project".
  std::vector<std::string> prefix = words;
  while (!prefix.empty() && table.matching(prefix).empty()) prefix.pop_back();
  bool exact = prefix.size() == words.size();
  if ((help_word || asks_for_help(tokens)) && exact) {
    table.print_help(std::cout, table.matching(prefix));
    return kSuccess;
  }
  if (!words.empty() && !exact) {
    // One line, not the whole help: what was meant, most likely, and where the list is.
    std::cerr << "cloudctl: unknown command '" << join_words(words) << "'";
    if (const Command* meant = table.closest(words)) std::cerr << "; did you mean '" << meant->name() << "'?";
    std::string where = prefix.empty() ? "cloudctl help" : "cloudctl " + join_words(prefix) + " --help";
    std::cerr << " (`" << where << "` lists the commands)\n";
    return kUsageError;
  }
  if (words.empty())
    std::cerr << "cloudctl: missing command\n";
  else
    std::cerr << "cloudctl: '" << join_words(words) << "' needs a verb\n";
  table.print_help(std::cerr, table.matching(prefix));
  return kUsageError;
}

void print_command_help(const Command& command) {
  std::cout << "usage: " << command.usage_line() << "\n" << command.summary << "\n"
            << "global options: --profile NAME, --json\n";
}

int run(const CommandTable& table, const std::vector<std::string>& tokens, Console& console) {
  const Command* command = table.find(tokens);
  if (!command) return help_or_unknown(table, tokens);
  if (asks_for_help(tokens)) {
    print_command_help(*command);
    return kSuccess;
  }
  try {
    ParsedArgs args = CommandTable::parse(*command, tokens);
    Environment environment = Environment::from_process();
    ConfigPaths paths = config_paths(environment);
    Profile profile = load_profile(select_profile_name(args.value("profile"), environment), paths, environment);
    Session session(profile, paths, console);
    Output output(std::cout, std::cerr, args.flag("json"));
    CommandContext context{args, output, session, console};
    command->handler(context);
    return kSuccess;
  } catch (const UsageError& e) {
    std::cerr << "cloudctl: " << e.what() << "\nusage: " << command->usage_line() << "\n";
    return kUsageError;
  } catch (const CloudError& e) {
    std::cerr << e.status_name() << ": " << e.what() << "\n";
    return kCloudFailure;
  } catch (const std::exception& e) {
    std::cerr << "cloudctl: " << e.what() << "\n";
    return kCloudFailure;
  }
}

}  // namespace
}  // namespace stratus::cloudctl

int main(int argc, char** argv) {
  using namespace stratus::cloudctl;
  CommandTable table;
  add_identity_commands(table);
  add_image_commands(table);
  add_network_commands(table);
  add_compute_commands(table);
  add_volume_commands(table);
  TerminalConsole console;
  return run(table, std::vector<std::string>(argv + 1, argv + argc), console);
}
