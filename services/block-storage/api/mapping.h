#pragma once
// The domain's VolumeStatus <-> the proto's. The proto numbers them in the domain's order from 1
// (0 is UNSPECIFIED), and adds DELETED for events about a volume that is gone.
#include "block_storage/v1/block_storage.pb.h"
#include "services/block-storage/domain/snapshot_state.h"
#include "services/block-storage/domain/volume_state.h"

namespace stratus::block_storage {

inline cloud::block_storage::v1::VolumeStatus to_proto(VolumeStatus s) {
  return static_cast<cloud::block_storage::v1::VolumeStatus>(static_cast<int>(s) + 1);
}
// The same for snapshots (SnapshotStatus in the domain's order from 1).
inline cloud::block_storage::v1::SnapshotStatus to_proto(SnapshotStatus s) {
  return static_cast<cloud::block_storage::v1::SnapshotStatus>(static_cast<int>(s) + 1);
}

}  // namespace stratus::block_storage
