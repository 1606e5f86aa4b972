#pragma once
// Finding the caller's volumes and snapshots by EC2 id, shared by the volume and snapshot
// actions. Another project's volume or snapshot is NotFound, as block storage answers it.
#include <string>
#include <vector>

#include "services/ec2-api/app/backends.h"

namespace stratus::ec2 {

// The UUID of "vol-..." / "snap-..."; throws InvalidVolumeID.Malformed /
// InvalidSnapshotID.Malformed for anything else.
std::string volume_uuid(const std::string& ec2_id);
std::string snapshot_uuid(const std::string& ec2_id);

// "The volume 'vol-1' does not exist." / "The volumes 'vol-1, vol-2' do not exist."
std::string volume_not_found_message(const std::vector<std::string>& ec2_ids);
std::string snapshot_not_found_message(const std::vector<std::string>& ec2_ids);

// CreateVolume's and CreateSnapshot's TagSpecification.N, refused by name rather than
// ignored: block storage has no field to keep tags in (docs/ec2-api.md).
class QueryParams;
void refuse_tags(const QueryParams& params);

// The caller's volume with this EC2 id; InvalidVolume.NotFound when it is not there for them.
cloud::block_storage::v1::Volume require_volume(const Backends& backends, const std::string& ec2_id,
                                                const std::string& token);

}  // namespace stratus::ec2
