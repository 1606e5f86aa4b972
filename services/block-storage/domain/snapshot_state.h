#pragma once
// A volume snapshot's statuses, Cinder's names, pure:
//   creating --(backend made it)--> available     creating --(backend failed)--> error
//   available | error | error_deleting --begin_delete--> deleting
//   deleting --(backend removed it)--> row gone   deleting --(backend failed)--> error_deleting
#include <optional>
#include <string>

namespace stratus::block_storage {

enum class SnapshotStatus { Creating, Available, Deleting, Error, ErrorDeleting };

// "creating", "available", "deleting", "error", "error_deleting".
const char* to_string(SnapshotStatus status);
std::optional<SnapshotStatus> snapshot_status_from_string(const std::string& text);

// Throws Error(FailedPrecondition) naming the status unless the snapshot may be deleted now:
// "cannot delete snapshot s1: it is creating; only available, error or error_deleting ...".
void check_snapshot_deletable(SnapshotStatus status, const std::string& name);
// Throws Error(FailedPrecondition) unless a volume can be made from it (available).
void check_snapshot_usable(SnapshotStatus status, const std::string& name);

}  // namespace stratus::block_storage
