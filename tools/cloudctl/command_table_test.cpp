#include <catch2/catch.hpp>

#include <sstream>

#include "tools/cloudctl/command_table.h"

using namespace stratus::cloudctl;

namespace {

CommandTable sample_table() {
  CommandTable table;
  auto nothing = [](CommandContext&) {};
  table.add({{"security-group", "create"}, {"NAME"}, {}, {value_option("description")}, "[--description D]", "create", nothing});
  table.add({{"security-group", "rule", "create"}, {"SG"}, {}, {value_option("port")}, "[--port N]", "create a rule", nothing});
  table.add({{"role", "add"}, {"ROLE"}, {}, {value_option("user"), value_option("project")}, "--user U --project P", "add", nothing});
  table.add({{"floating-ip", "associate"}, {"FIP"}, {"SERVER"}, {value_option("port")}, "[--port PORT]", "associate", nothing});
  return table;
}

}  // namespace

TEST_CASE("the longest command whose words lead the arguments is chosen, after global options") {
  auto table = sample_table();
  const Command* command = table.find({"--profile", "demo", "--json", "security-group", "rule", "create", "web"});
  REQUIRE(command);
  CHECK(command->name() == "security-group rule create");
  CHECK(table.find({"security-group", "create", "web"})->name() == "security-group create");
  CHECK(table.find({"--profile=demo", "role", "add", "member"})->name() == "role add");
  CHECK(table.find({"role"}) == nullptr);
  CHECK(table.find({"nothing", "here"}) == nullptr);
}

TEST_CASE("parsing a command drops its words and accepts global options anywhere") {
  auto table = sample_table();
  const Command& command = *table.find({"role", "add"});
  auto args = CommandTable::parse(command, {"role", "add", "--user", "bob", "member", "--project=p", "--json", "--profile", "x"});
  CHECK(args.positionals() == std::vector<std::string>{"member"});
  CHECK(args.value("user") == std::optional<std::string>("bob"));
  CHECK(args.value("project") == std::optional<std::string>("p"));
  CHECK(args.flag("json"));
  CHECK(args.value("profile") == std::optional<std::string>("x"));
}

TEST_CASE("too few or too many positionals are usage errors naming the argument") {
  auto table = sample_table();
  const Command& associate = *table.find({"floating-ip", "associate"});
  CHECK_THROWS_MATCHES(CommandTable::parse(associate, {"floating-ip", "associate"}), UsageError, Catch::Message("missing FIP"));
  CHECK_NOTHROW(CommandTable::parse(associate, {"floating-ip", "associate", "1.2.3.4"}));
  CHECK_NOTHROW(CommandTable::parse(associate, {"floating-ip", "associate", "1.2.3.4", "vm"}));
  CHECK_THROWS_MATCHES(CommandTable::parse(associate, {"floating-ip", "associate", "1.2.3.4", "vm", "extra"}), UsageError,
                       Catch::Message("unexpected argument 'extra'"));
  CHECK_THROWS_AS(CommandTable::parse(associate, {"floating-ip", "associate", "--user", "x"}), UsageError);
}

TEST_CASE("usage lines and help come from the table") {
  auto table = sample_table();
  CHECK(table.find({"floating-ip", "associate"})->usage_line() == "cloudctl floating-ip associate FIP [SERVER] [--port PORT]");
  CHECK(table.matching({"security-group"}).size() == 2);
  CHECK(table.matching({"security-group", "rule"}).size() == 1);
  CHECK(table.matching({}).size() == 4);
  std::ostringstream help;
  table.print_help(help, table.matching({"role"}));
  CHECK_THAT(help.str(), Catch::Contains("  role add ROLE --user U --project P\n      add\n"));
  CHECK_THAT(help.str(), !Catch::Contains("security-group"));
}
