#include "services/ec2-api/domain/query.h"

#include <catch2/catch.hpp>

#include "services/ec2-api/domain/ec2_error.h"

using namespace stratus::ec2;

namespace {
std::string code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Ec2Error& e) {
    return e.code();
  }
  return "";
}
}  // namespace

TEST_CASE("form parameters are decoded: '+' is a space, %XX a byte") {
  auto p = QueryParams::parse("Action=DescribeKeyPairs&Version=2016-11-15&KeyName.1=my+key&KeyName.2=a%2Fb%3D");
  CHECK(p.require("Action") == "DescribeKeyPairs");
  CHECK(p.list("KeyName") == std::vector<std::string>{"my key", "a/b="});
  CHECK(p.get("Missing", "x") == "x");
  CHECK(QueryParams::parse("").values().empty());
  CHECK(QueryParams::parse("Flag").find("Flag") == std::optional<std::string>(""));
}

TEST_CASE("bad encodings, repeated parameters and missing ones are refused with EC2's codes") {
  CHECK(code_of([] { QueryParams::parse("A=%G1"); }) == "InvalidParameterValue");
  CHECK(code_of([] { QueryParams::parse("A=%4"); }) == "InvalidParameterValue");
  CHECK(code_of([] { QueryParams::parse("A=1&A=2"); }) == "InvalidParameterValue");
  CHECK(code_of([] { QueryParams::parse("A=1").require("KeyName"); }) == "MissingParameter");
  CHECK(code_of([] { QueryParams::parse("KeyName.1=a&KeyName.3=b").list("KeyName"); }) == "InvalidParameterValue");
}

TEST_CASE("structures and filters follow EC2's numbering") {
  auto p = QueryParams::parse(
      "IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0/8"
      "&IpPermissions.2.IpProtocol=icmp&Filter.1.Name=group-name&Filter.1.Value.1=web*&Filter.1.Value.2=db");
  auto perms = p.structures("IpPermissions");
  REQUIRE(perms.size() == 2);
  CHECK(perms[0].require("IpProtocol") == "tcp");
  CHECK(perms[0].structures("IpRanges")[0].require("CidrIp") == "10.0.0.0/8");
  CHECK(perms[1].require("IpProtocol") == "icmp");
  auto filters = p.filters();
  REQUIRE(filters.size() == 1);
  CHECK(filters[0].name == "group-name");
  CHECK(filters[0].values == std::vector<std::string>{"web*", "db"});
  CHECK(code_of([] { QueryParams::parse("Filter.1.Name=x").filters(); }) == "InvalidParameterValue");
  CHECK(code_of([] { QueryParams::parse("Filter.1.Value.1=x").filters(); }) == "MissingParameter");
}

TEST_CASE("integers and booleans are validated") {
  auto p = QueryParams::parse("MaxResults=50&Bad=5x&Big=1000&DryRun=true&No=yes");
  CHECK(p.integer("MaxResults", 5, 1000) == 50);
  CHECK_FALSE(p.integer("Absent", 0, 1));
  CHECK(code_of([&] { p.integer("Bad", 0, 100); }) == "InvalidParameterValue");
  CHECK(code_of([&] { p.integer("Big", 0, 100); }) == "InvalidParameterValue");
  CHECK(p.boolean("DryRun") == true);
  CHECK(code_of([&] { p.boolean("No"); }) == "InvalidParameterValue");
}

TEST_CASE("filters match with EC2 wildcards, all filters and any value") {
  CHECK(wildcard_match("web*", "web-1"));
  CHECK(wildcard_match("*", ""));
  CHECK(wildcard_match("w?b", "wab"));
  CHECK_FALSE(wildcard_match("w?b", "wb"));
  CHECK(wildcard_match("*-ssh-*", "allow-ssh-in"));
  CHECK_FALSE(wildcard_match("web", "web-1"));
  FilterSet set({{"name", {"a*", "b"}}, {"state", {"available"}}}, {"name", "state"});
  CHECK(set.matches([](const std::string& n) { return std::vector<std::string>{n == "name" ? "abc" : "available"}; }));
  CHECK_FALSE(set.matches([](const std::string& n) { return std::vector<std::string>{n == "name" ? "c" : "available"}; }));
  CHECK(code_of([] { FilterSet({{"colour", {"x"}}}, {"name"}); }) == "InvalidParameterValue");
}
