#include "services/block-storage/domain/snapshot_state.h"

#include <catch2/catch.hpp>

#include "common/error/error.h"

using namespace stratus;
using namespace stratus::block_storage;

TEST_CASE("snapshot statuses read back as they are written") {
  for (auto s : {SnapshotStatus::Creating, SnapshotStatus::Available, SnapshotStatus::Deleting, SnapshotStatus::Error,
                 SnapshotStatus::ErrorDeleting})
    CHECK(snapshot_status_from_string(to_string(s)) == s);
  CHECK_FALSE(snapshot_status_from_string("in-use"));
  CHECK_FALSE(snapshot_status_from_string("Available"));
}

TEST_CASE("only settled snapshots are deleted, only available ones copied") {
  CHECK_NOTHROW(check_snapshot_deletable(SnapshotStatus::Available, "s1"));
  CHECK_NOTHROW(check_snapshot_deletable(SnapshotStatus::Error, "s1"));
  CHECK_NOTHROW(check_snapshot_deletable(SnapshotStatus::ErrorDeleting, "s1"));
  for (auto s : {SnapshotStatus::Creating, SnapshotStatus::Deleting}) {
    try {
      check_snapshot_deletable(s, "s1");
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::FailedPrecondition);
      CHECK(std::string(e.what()).find(std::string("it is ") + to_string(s)) != std::string::npos);
    }
  }
  CHECK_NOTHROW(check_snapshot_usable(SnapshotStatus::Available, "s1"));
  CHECK_THROWS_AS(check_snapshot_usable(SnapshotStatus::Creating, "s1"), Error);
  CHECK_THROWS_AS(check_snapshot_usable(SnapshotStatus::Error, "s1"), Error);
}
