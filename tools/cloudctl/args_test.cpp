#include <catch2/catch.hpp>

#include "tools/cloudctl/args.h"

using namespace stratus::cloudctl;

namespace {
const std::vector<OptionSpec> kSpecs = {value_option("email"), repeated_option("property"), flag_option("public"),
                                        value_option("profile")};
}

TEST_CASE("options may come before, between and after positionals") {
  auto args = parse_arguments({"--email", "a@b", "user", "create", "--public", "bob"}, kSpecs);
  CHECK(args.positionals() == std::vector<std::string>{"user", "create", "bob"});
  CHECK(args.value("email") == std::optional<std::string>("a@b"));
  CHECK(args.flag("public"));
  CHECK_FALSE(args.flag("json"));
}

TEST_CASE("an option's value may follow an equals sign, and may itself contain one") {
  auto args = parse_arguments({"--email=a@b", "--property=k=v"}, kSpecs);
  CHECK(args.value("email") == std::optional<std::string>("a@b"));
  CHECK(args.values("property") == std::vector<std::string>{"k=v"});
}

TEST_CASE("a repeatable option keeps every value in order") {
  auto args = parse_arguments({"--property", "a=1", "x", "--property=b=2", "--property", "c=3"}, kSpecs);
  CHECK(args.values("property") == std::vector<std::string>{"a=1", "b=2", "c=3"});
  CHECK(args.values("email").empty());
}

TEST_CASE("a value may look like an option when it follows a value option") {
  auto args = parse_arguments({"--email", "--public"}, kSpecs);
  CHECK(args.value("email") == std::optional<std::string>("--public"));
  CHECK_FALSE(args.flag("public"));
}

TEST_CASE("mistakes in options are usage errors that say what is wrong") {
  CHECK_THROWS_MATCHES(parse_arguments({"x", "--email"}, kSpecs), UsageError, Catch::Message("option --email needs a value"));
  CHECK_THROWS_MATCHES(parse_arguments({"--colour", "red"}, kSpecs), UsageError, Catch::Message("unknown option --colour"));
  CHECK_THROWS_MATCHES(parse_arguments({"--public=yes"}, kSpecs), UsageError, Catch::Message("option --public takes no value"));
  CHECK_THROWS_MATCHES(parse_arguments({"--email", "a", "--email=b"}, kSpecs), UsageError,
                       Catch::Message("option --email given more than once"));
}

TEST_CASE("a double dash ends options, and a lone dash is a positional") {
  auto args = parse_arguments({"--public", "--", "--email", "-"}, kSpecs);
  CHECK(args.flag("public"));
  CHECK(args.positionals() == std::vector<std::string>{"--email", "-"});
  CHECK_FALSE(args.value("email"));
}

TEST_CASE("an empty value is still a value") {
  auto args = parse_arguments({"--email="}, kSpecs);
  CHECK(args.value("email") == std::optional<std::string>(""));
}
