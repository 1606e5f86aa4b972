#pragma once
// The services compute calls: image (is the image there and active, its bytes for the agent,
// snapshots), network (security groups, networks, ports) and block storage (volumes and their
// attachments). Each call takes the token to
// call with: the user's own (so the peer applies its tenant walls to what the user names) or
// empty for compute's service token (creating, binding and deleting the instance's ports,
// registering snapshots). Non-OK answers become stratus::Error with the peer's code.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "common/identity_client/identity_client.h"
#include "block_storage/v1/block_storage.grpc.pb.h"
#include "image/v1/image.grpc.pb.h"
#include "network/v1/network.grpc.pb.h"

namespace stratus::compute {

class Peers {
 public:
  Peers(std::shared_ptr<grpc::Channel> image, std::shared_ptr<grpc::Channel> network,
        std::shared_ptr<grpc::Channel> block_storage, identity_client::IdentityConnection& identity, std::chrono::milliseconds timeout = std::chrono::seconds(10));

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

  // The user's volume by id or name (the user's token: block storage's tenant wall).
  cloud::block_storage::v1::Volume get_volume(const std::string& token, const std::string& volume);
  // The attachment calls, with compute's service token (see proto/block_storage).
  cloud::block_storage::v1::VolumeConnection reserve_volume(const cloud::block_storage::v1::ReserveVolumeRequest& r);
  cloud::block_storage::v1::Volume complete_attachment(const cloud::block_storage::v1::AttachmentRequest& r);
  cloud::block_storage::v1::Volume begin_detach(const cloud::block_storage::v1::AttachmentRequest& r);
  cloud::block_storage::v1::Volume release_volume(const cloud::block_storage::v1::AttachmentRequest& r);
  // Deletes a volume of any project by id (delete-on-termination); false when already gone.
  bool delete_volume(const std::string& volume_id);

  // Sets deadline and authorization (empty token: the service token).
  void prepare(grpc::ClientContext& context, const std::string& token);

 private:
  identity_client::IdentityConnection& identity_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<cloud::image::v1::Images::Stub> images_;
  std::unique_ptr<cloud::network::v1::Network::Stub> network_;
  std::unique_ptr<cloud::block_storage::v1::BlockStorage::Stub> block_storage_;
};

}  // namespace stratus::compute
