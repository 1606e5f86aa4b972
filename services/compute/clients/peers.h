#pragma once
// The services compute calls: image (is the image there and active, its bytes for the agent,
// snapshots) and network (security groups, networks, ports). Each call takes the token to
// call with: the user's own (so the peer applies its tenant walls to what the user names) or
// empty for compute's service token (creating, binding and deleting the instance's ports,
// registering snapshots). Non-OK answers become stratus::Error with the peer's code.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "common/identity_client/identity_client.h"
#include "image/v1/image.grpc.pb.h"
#include "network/v1/network.grpc.pb.h"

namespace stratus::compute {

class Peers {
 public:
  Peers(std::shared_ptr<grpc::Channel> image, std::shared_ptr<grpc::Channel> network,
        identity_client::IdentityConnection& identity, std::chrono::milliseconds timeout = std::chrono::seconds(10));

  cloud::image::v1::Image get_image(const std::string& token, const std::string& image);
  cloud::image::v1::Image register_snapshot(const cloud::image::v1::RegisterSnapshotRequest& request);
  cloud::image::v1::Images::Stub& image_stub() { return *images_; }

  cloud::network::v1::SecurityGroup get_security_group(const std::string& token, const std::string& group);
  cloud::network::v1::NetworkInfo get_network(const std::string& token, const std::string& network);
  std::vector<cloud::network::v1::NetworkInfo> list_networks(const std::string& token);
  cloud::network::v1::Subnet get_subnet(const std::string& token, const std::string& subnet);
  cloud::network::v1::Port get_port(const std::string& token, const std::string& port);
  std::vector<cloud::network::v1::Port> ports_of_device(const std::string& device_id);
  cloud::network::v1::Port create_port(const cloud::network::v1::CreatePortRequest& request);
  cloud::network::v1::Port update_port(const cloud::network::v1::UpdatePortRequest& request);
  // True when deleted, false when it was already gone.
  bool delete_port(const std::string& port_id);
  std::vector<cloud::network::v1::FloatingIp> floating_ips_of_port(const std::string& port_id);

  // Sets deadline and authorization (empty token: the service token).
  void prepare(grpc::ClientContext& context, const std::string& token);

 private:
  identity_client::IdentityConnection& identity_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<cloud::image::v1::Images::Stub> images_;
  std::unique_ptr<cloud::network::v1::Network::Stub> network_;
};

}  // namespace stratus::compute
