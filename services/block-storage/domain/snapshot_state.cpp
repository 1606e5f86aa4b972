#include "services/block-storage/domain/snapshot_state.h"

#include "common/error/error.h"

namespace stratus::block_storage {

using S = SnapshotStatus;

const char* to_string(SnapshotStatus status) {
  switch (status) {
    case S::Creating: return "creating";
    case S::Available: return "available";
    case S::Deleting: return "deleting";
    case S::Error: return "error";
    case S::ErrorDeleting: return "error_deleting";
  }
  return "error";
}

std::optional<SnapshotStatus> snapshot_status_from_string(const std::string& text) {
  for (S s : {S::Creating, S::Available, S::Deleting, S::Error, S::ErrorDeleting})
    if (text == to_string(s)) return s;
  return std::nullopt;
}

void check_snapshot_deletable(SnapshotStatus status, const std::string& name) {
  if (status == S::Available || status == S::Error || status == S::ErrorDeleting) return;
  throw failed_precondition("cannot delete snapshot " + name + ": it is " + to_string(status) +
                            "; only available, error or error_deleting snapshots can be deleted");
}

void check_snapshot_usable(SnapshotStatus status, const std::string& name) {
  if (status == S::Available) return;
  throw failed_precondition("cannot make a volume from snapshot " + name + ": it is " + to_string(status) +
                            ", not available");
}

}  // namespace stratus::block_storage
