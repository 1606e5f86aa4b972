#include "services/compute/clients/peers.h"

#include "common/rpc/authenticator.h"
#include "common/rpc/status.h"

namespace stratus::compute {

namespace img = cloud::image::v1;
namespace net = cloud::network::v1;
namespace bs = cloud::block_storage::v1;

Peers::Peers(std::shared_ptr<grpc::Channel> image, std::shared_ptr<grpc::Channel> network,
             std::shared_ptr<grpc::Channel> block_storage, identity_client::IdentityConnection& identity,
             std::chrono::milliseconds timeout)
    : identity_(identity),
      timeout_(timeout),
      images_(img::Images::NewStub(image)),
      network_(net::Network::NewStub(network)),
      block_storage_(bs::BlockStorage::NewStub(block_storage)) {}

void Peers::prepare(grpc::ClientContext& context, const std::string& token) {
  context.set_deadline(std::chrono::system_clock::now() + timeout_);
  rpc::attach_token(context, token.empty() ? identity_.service_token() : token);
}

namespace {
template <typename Stub, typename Request, typename Response>
grpc::Status invoke(Peers& peers, Stub& stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const std::string& token, const Request& request) {
  grpc::ClientContext context;
  peers.prepare(context, token);
  Response response;
  return (stub.*method)(&context, request, &response);
}
// Peers answer UNAVAILABLE/DEADLINE_EXCEEDED when down; keep their code, name who failed.
template <typename Stub, typename Request, typename Response>
Response call(Peers& peers, Stub& stub,
              grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
              const std::string& token, const Request& request, const char* what) {
  grpc::ClientContext context;
  peers.prepare(context, token);
  Response response;
  rpc::check((stub.*method)(&context, request, &response), what);
  return response;
}
}  // namespace

img::Image Peers::get_image(const std::string& token, const std::string& image) {
  img::GetImageRequest request;
  request.set_image(image);
  return call(*this, *images_, &img::Images::Stub::GetImage, token, request, "image");
}

img::Image Peers::register_snapshot(const img::RegisterSnapshotRequest& request) {
  return call(*this, *images_, &img::Images::Stub::RegisterSnapshot, "", request, "image service");
}

net::SecurityGroup Peers::get_security_group(const std::string& token, const std::string& group) {
  net::GetSecurityGroupRequest request;
  request.set_security_group(group);
  return call(*this, *network_, &net::Network::Stub::GetSecurityGroup, token, request, "security group");
}

net::NetworkInfo Peers::get_network(const std::string& token, const std::string& network) {
  net::GetNetworkRequest request;
  request.set_network(network);
  return call(*this, *network_, &net::Network::Stub::GetNetwork, token, request, "network");
}

std::vector<net::NetworkInfo> Peers::list_networks(const std::string& token) {
  net::ListNetworksRequest request;
  auto response = call(*this, *network_, &net::Network::Stub::ListNetworks, token, request, "network service");
  return {response.networks().begin(), response.networks().end()};
}

net::Subnet Peers::get_subnet(const std::string& token, const std::string& subnet) {
  net::GetSubnetRequest request;
  request.set_subnet(subnet);
  return call(*this, *network_, &net::Network::Stub::GetSubnet, token, request, "subnet");
}

net::Port Peers::get_port(const std::string& token, const std::string& port) {
  net::GetPortRequest request;
  request.set_port(port);
  return call(*this, *network_, &net::Network::Stub::GetPort, token, request, "port");
}

std::vector<net::Port> Peers::ports_of_device(const std::string& device_id) {
  net::ListPortsRequest request;
  request.set_device_id(device_id);
  auto response = call(*this, *network_, &net::Network::Stub::ListPorts, "", request, "network service");
  return {response.ports().begin(), response.ports().end()};
}

net::Port Peers::create_port(const net::CreatePortRequest& request) {
  return call(*this, *network_, &net::Network::Stub::CreatePort, "", request, "creating a port");
}

net::Port Peers::update_port(const net::UpdatePortRequest& request) {
  return call(*this, *network_, &net::Network::Stub::UpdatePort, "", request, "updating a port");
}

bool Peers::delete_port(const std::string& port_id) {
  net::DeletePortRequest request;
  request.set_port(port_id);
  auto status = invoke(*this, *network_, &net::Network::Stub::DeletePort, "", request);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return false;
  rpc::check(status, "deleting port " + port_id);
  return true;
}

std::vector<net::FloatingIp> Peers::floating_ips_of_port(const std::string& port_id) {
  net::ListFloatingIpsRequest request;
  request.set_port(port_id);
  auto response = call(*this, *network_, &net::Network::Stub::ListFloatingIps, "", request, "network service");
  return {response.floating_ips().begin(), response.floating_ips().end()};
}

bs::Volume Peers::get_volume(const std::string& token, const std::string& volume) {
  bs::GetVolumeRequest request;
  request.set_volume(volume);
  return call(*this, *block_storage_, &bs::BlockStorage::Stub::GetVolume, token, request, "volume");
}

bs::VolumeConnection Peers::reserve_volume(const bs::ReserveVolumeRequest& r) {
  return call(*this, *block_storage_, &bs::BlockStorage::Stub::ReserveVolume, "", r, "volume");
}

bs::Volume Peers::complete_attachment(const bs::AttachmentRequest& r) {
  return call(*this, *block_storage_, &bs::BlockStorage::Stub::CompleteAttachment, "", r, "volume");
}

bs::Volume Peers::begin_detach(const bs::AttachmentRequest& r) {
  return call(*this, *block_storage_, &bs::BlockStorage::Stub::BeginDetach, "", r, "volume");
}

bs::Volume Peers::release_volume(const bs::AttachmentRequest& r) {
  return call(*this, *block_storage_, &bs::BlockStorage::Stub::ReleaseVolume, "", r, "volume");
}

bool Peers::delete_volume(const std::string& volume_id) {
  bs::DeleteVolumeRequest request;
  request.set_volume(volume_id);
  auto status = invoke(*this, *block_storage_, &bs::BlockStorage::Stub::DeleteVolume, "", request);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return false;
  rpc::check(status, "volume");
  return true;
}

}  // namespace stratus::compute
