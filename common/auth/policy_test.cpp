#include <catch2/catch.hpp>

#include "common/auth/policy.h"
#include "common/error/error.h"

using namespace stratus::auth;

namespace {
Caller caller(const std::string& project, std::vector<std::string> roles) {
  Caller c;
  c.claims.project_id = project;
  c.claims.project_name = project;
  c.claims.roles = std::move(roles);
  return c;
}
}  // namespace

TEST_CASE("a member reads and changes its own project only") {
  auto member = caller("a", {"member"});
  CHECK(allowed(member, "a", Access::Read));
  CHECK(allowed(member, "a", Access::Write));
  CHECK_FALSE(allowed(member, "b", Access::Read));
  CHECK_THROWS_WITH(authorize(member, "b", Access::Read), Catch::Contains("another project"));
}

TEST_CASE("a reader may only read") {
  auto reader = caller("a", {"reader"});
  CHECK(allowed(reader, "a", Access::Read));
  CHECK_FALSE(allowed(reader, "a", Access::Write));
  CHECK_THROWS_WITH(authorize(reader, "a", Access::Write), Catch::Contains("member or admin"));
}

TEST_CASE("an admin may act on any project") {
  auto admin = caller("ops", {"admin"});
  CHECK(allowed(admin, "b", Access::Write));
  CHECK_NOTHROW(require_admin(admin, "creating projects"));
  CHECK_THROWS_WITH(require_admin(caller("a", {"member"}), "creating projects"),
                    "creating projects needs the admin role");
}

TEST_CASE("a token with no role grants nothing") {
  CHECK_FALSE(allowed(caller("a", {}), "a", Access::Read));
}
