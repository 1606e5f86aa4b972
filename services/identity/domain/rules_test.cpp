#include <catch2/catch.hpp>

#include "services/identity/domain/rules.h"

using namespace stratus::identity;

TEST_CASE("the fifth counted attempt in a row locks the user") {
  LoginThrottle t;
  for (int attempts = 1; attempts < 5; ++attempts) CHECK_FALSE(t.lock_after(attempts));
  CHECK(t.lock_after(5));
  CHECK(t.lock_after(6));
}

TEST_CASE("an unknown name is counted and locked as a user would be") {
  stratus::identity::UnknownNameAttempts names(stratus::identity::LoginThrottle{3, 60});
  CHECK(names.count("ghost", 1000));
  CHECK(names.count("ghost", 1000));
  CHECK(names.count("ghost", 1000));   // the third failure locks, as for a user
  CHECK_FALSE(names.count("ghost", 1001));
  CHECK_FALSE(names.count("ghost", 1059));
  CHECK(names.count("ghost", 1060));   // unlocked, counting again from one
  CHECK(names.count("other", 1001));   // names are counted apart

  stratus::identity::UnknownNameAttempts small(stratus::identity::LoginThrottle{2, 60}, 2);
  CHECK(small.count("a", 0));
  CHECK(small.count("a", 0));          // a is locked
  CHECK(small.count("b", 0));
  CHECK(small.count("c", 0));          // full: b (unlocked) is forgotten, a's lock stays
  CHECK_FALSE(small.count("a", 1));
}

TEST_CASE("a login without a project picks the user's only project, or says what to do") {
  CHECK(choose_login_project("", {"p1"}).project_id == std::optional<std::string>("p1"));
  CHECK(choose_login_project("p2", {"p1", "p2"}).project_id == std::optional<std::string>("p2"));
  CHECK_THAT(choose_login_project("", {"p1", "p2"}).problem, Catch::Contains("several projects"));
  CHECK_THAT(choose_login_project("", {}).problem, Catch::Contains("no role on any project"));
  CHECK_THAT(choose_login_project("p3", {"p1"}).problem, Catch::Contains("no role on that project"));
}

TEST_CASE("signing keys rotate after their period and retired ones outlive the last token") {
  CHECK_FALSE(rotation_due(1000, 1000 + 3599, 3600));
  CHECK(rotation_due(1000, 1000 + 3600, 3600));
  CHECK_FALSE(rotation_due(1000, 1000000, 0));  // 0 disables automatic rotation
  CHECK(retired_key_prune_before(10000, 3600) == 10000 - 3600 - 300);
}

TEST_CASE("access key ids have the documented shape") {
  std::string bytes(32, '\x07');
  auto id = make_access_key_id(bytes);
  CHECK(id.size() == 20);
  CHECK(looks_like_access_key_id(id));
  CHECK_FALSE(looks_like_access_key_id("AKIA1234567890123456"));
}
