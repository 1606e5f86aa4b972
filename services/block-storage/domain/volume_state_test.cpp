#include "services/block-storage/domain/volume_state.h"

#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "common/error/error.h"

using namespace stratus;
using namespace stratus::block_storage;

namespace {
using S = VolumeStatus;
using E = VolumeEvent;

// The machine written out once more, independently of the implementation's table, so a
// change to either shows up here.
const std::map<std::pair<S, E>, S> kExpected = {
    {{S::Creating, E::Created}, S::Available},       {{S::Creating, E::CreateFailed}, S::Error},
    {{S::Available, E::Reserve}, S::Reserved},       {{S::Reserved, E::Unreserve}, S::Available},
    {{S::Available, E::BeginAttach}, S::Attaching},  {{S::Reserved, E::BeginAttach}, S::Attaching},
    {{S::Attaching, E::Attached}, S::InUse},         {{S::Attaching, E::AttachFailed}, S::Available},
    {{S::InUse, E::BeginDetach}, S::Detaching},      {{S::Detaching, E::Detached}, S::Available},
    {{S::Detaching, E::DetachFailed}, S::InUse},     {{S::Available, E::BeginDelete}, S::Deleting},
    {{S::Error, E::BeginDelete}, S::Deleting},       {{S::ErrorDeleting, E::BeginDelete}, S::Deleting},
    {{S::Deleting, E::DeleteFailed}, S::ErrorDeleting}, {{S::Available, E::BeginExtend}, S::Extending},
    {{S::Extending, E::Extended}, S::Available},     {{S::Extending, E::ExtendFailed}, S::Error},
};

std::string message_of(S from, E event) {
  try {
    transition(from, event, "data-1");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::FailedPrecondition);
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("every (status, event) pair does exactly what the table says") {
  for (S from : all_statuses()) {
    for (E event : all_events()) {
      INFO(to_string(from) << " + " << to_string(event));
      auto expected = kExpected.find({from, event});
      auto got = next(from, event);
      if (expected == kExpected.end()) {
        CHECK_FALSE(got);
        CHECK_THROWS_AS(transition(from, event, "v"), Error);
      } else {
        REQUIRE(got);
        CHECK(*got == expected->second);
        CHECK(transition(from, event, "v") == expected->second);
        CHECK(is_legal(from, *got));
      }
    }
  }
}

TEST_CASE("is_legal holds exactly for the pairs some event connects") {
  std::set<std::pair<S, S>> edges;
  for (const auto& [key, to] : kExpected) edges.insert({key.first, to});
  for (S from : all_statuses())
    for (S to : all_statuses()) {
      INFO(to_string(from) << " -> " << to_string(to));
      CHECK(is_legal(from, to) == (edges.count({from, to}) > 0));
    }
}

TEST_CASE("delete is allowed only from available, error and error_deleting, and says so") {
  std::set<S> deletable;
  for (S s : all_statuses())
    if (next(s, E::BeginDelete)) deletable.insert(s);
  CHECK(deletable == std::set<S>{S::Available, S::Error, S::ErrorDeleting});
  CHECK(message_of(S::InUse, E::BeginDelete) ==
        "cannot delete volume data-1: it is in-use; only available, error or error_deleting volumes can be deleted");
  CHECK(message_of(S::Creating, E::BeginDelete).find("it is creating") != std::string::npos);
}

TEST_CASE("completion events apply only to the step in flight") {
  CHECK_FALSE(next(S::Available, E::Created));   // a repeated "created" changes nothing
  CHECK_FALSE(next(S::Error, E::CreateFailed));
  CHECK_FALSE(next(S::InUse, E::Attached));
  CHECK_FALSE(next(S::Available, E::Detached));
  CHECK(message_of(S::Available, E::Created) == "cannot finish creating volume data-1: it is available");
}

TEST_CASE("names round-trip in Cinder's spelling") {
  std::set<std::string> seen;
  for (S s : all_statuses()) {
    std::string name = to_string(s);
    CHECK(seen.insert(name).second);
    REQUIRE(status_from_string(name));
    CHECK(*status_from_string(name) == s);
  }
  CHECK(std::string(to_string(S::InUse)) == "in-use");
  CHECK(std::string(to_string(S::ErrorDeleting)) == "error_deleting");
  CHECK_FALSE(status_from_string("IN-USE"));
  CHECK_FALSE(status_from_string(""));
}

TEST_CASE("every status can be left towards deletion, none is a dead end") {
  // From each status some path of events reaches deleting (the volume can always go).
  for (S start : all_statuses()) {
    std::set<S> reached{start};
    bool grew = true;
    while (grew) {
      grew = false;
      for (S s : std::set<S>(reached))
        for (E e : all_events())
          if (auto to = next(s, e); to && reached.insert(*to).second) grew = true;
    }
    INFO(to_string(start));
    CHECK(reached.count(S::Deleting) == 1);
  }
}

TEST_CASE("update and attachment predicates") {
  for (S s : all_statuses()) CHECK(can_update(s) == (s != S::Deleting));
  CHECK(is_attached_or_attaching(S::InUse));
  CHECK(is_attached_or_attaching(S::Reserved));
  CHECK_FALSE(is_attached_or_attaching(S::Available));
  CHECK_FALSE(is_attached_or_attaching(S::Error));
}
