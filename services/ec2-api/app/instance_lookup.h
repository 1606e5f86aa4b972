#pragma once
// Finding the caller's instances by EC2 id, shared by the instance and address actions.
#include <string>
#include <vector>

#include "services/ec2-api/app/backends.h"

namespace stratus::ec2 {

// The UUID of "i-..."; throws InvalidInstanceID.Malformed for anything else.
std::string instance_uuid(const std::string& ec2_id);

// The caller's servers with these EC2 ids, in order. A server that does not exist, is another
// project's, or was deleted more than `terminated_visible_seconds` ago is NotFound: one
// InvalidInstanceID.NotFound naming every such id.
std::vector<cloud::compute::v1::Server> require_instances(const Backends& backends, const std::vector<std::string>& ec2_ids,
                                                          const std::string& token, int64_t terminated_visible_seconds);

}  // namespace stratus::ec2
