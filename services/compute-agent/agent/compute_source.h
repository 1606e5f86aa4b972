#pragma once
// The agent's seam to the compute service (its ComputeAgent API): desired state in,
// observations out. The gRPC implementation is drivers/compute_client.h; unit tests use a
// fake in memory.
#include <optional>
#include <string>
#include <vector>

#include "compute/v1/compute.pb.h"

namespace stratus::compute_agent {

class ComputeSource {
 public:
  virtual ~ComputeSource() = default;
  // nullopt when compute does not know the instance (or it is not on this host).
  virtual std::optional<cloud::compute::v1::InstanceSpec> instance_spec(const std::string& instance_id) = 0;
  virtual std::vector<cloud::compute::v1::InstanceSpec> instances_on_host(const std::string& host) = 0;
  virtual void report(const cloud::compute::v1::ReportInstanceRequest& report) = 0;
  virtual void report_volume(const cloud::compute::v1::ReportVolumeRequest& report) = 0;
  // Streams the image's bytes into `destination`; returns the sha256 compute announced.
  virtual std::string download_image(const std::string& instance_id, const std::string& image_id,
                                     const std::string& destination) = 0;
  // Streams the file into the queued snapshot image `image_id` of the instance.
  virtual void upload_snapshot(const std::string& instance_id, const std::string& image_id,
                               const std::string& path) = 0;
};

}  // namespace stratus::compute_agent
