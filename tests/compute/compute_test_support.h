#pragma once
// What the compute API tests share: one real stratus-identity, stratus-image, stratus-network,
// stratus-block-storage and stratus-compute for the whole test binary (each on a database of its own, on the
// rabbitmq fixture's bus), tenants with a network of their own, and a stand-in for the
// compute agent that a test drives by hand: it registers a synthetic host through the
// ComputeAgent API, reads the casts to that host from RabbitMQ, reports what a real agent
// would, and reports the ports ACTIVE as the network agent would.
//
// Hosts are cloud-wide, so every test places its servers in an availability zone of its own
// (its hosts' zone), and tests do not see each other's capacity.
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "common/bus/consumer.h"
#include "block_storage/v1/block_storage.grpc.pb.h"
#include "compute/v1/compute.grpc.pb.h"
#include "image/v1/image.grpc.pb.h"
#include "network/v1/network.grpc.pb.h"
#include "tests/support/authorized_client.h"
#include "tests/support/identity_setup.h"
#include "tests/support/reply.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"

namespace stratus::compute_test {

namespace v1 = cloud::compute::v1;
namespace net = cloud::network::v1;
namespace img = cloud::image::v1;
namespace bs = cloud::block_storage::v1;
using grpc::StatusCode;
using test_support::must;
using test_support::Reply;

// Calls on one service's stub with one token.
template <typename Stub>
using Client = test_support::AuthorizedClient<Stub>;

using ComputeClient = Client<v1::Compute::Stub>;
using AgentClient = Client<v1::ComputeAgent::Stub>;
using NetworkClient = Client<net::Network::Stub>;
using NetworkAgentClient = Client<net::NetworkAgent::Stub>;
using ImageClient = Client<img::Images::Stub>;
using VolumeClient = Client<bs::BlockStorage::Stub>;

struct Tenant {
  std::string project_id, user_name, token;
  ComputeClient compute;
  NetworkClient network;
  ImageClient images;
  VolumeClient volumes;
  std::string network_id;  // its one network (with a subnet), when made
};

// A stand-in for one host's compute agent.
class FakeHost {
 public:
  FakeHost(const std::string& name, const std::string& zone, const AgentClient& agent);
  ~FakeHost();
  const std::string& name() const { return name_; }
  const std::string& zone() const { return zone_; }

  Reply<v1::Host> register_host(int vcpus, int ram_mib, int disk_gib) const;
  // True once a cast about `instance_id` reached this host's queue.
  bool saw_cast(const std::string& instance_id, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  Reply<google::protobuf::Empty> report(const std::string& instance_id, v1::InstanceEvent event,
                                        v1::PowerState power = v1::POWER_STATE_RUNNING,
                                        const std::string& fault = "") const;
  Reply<google::protobuf::Empty> report_volume(const std::string& instance_id, const std::string& volume_id,
                                               v1::VolumeEvent event, const std::string& fault = "") const;

 private:
  std::string name_, zone_;
  const AgentClient& agent_;
  std::unique_ptr<bus::Consumer> casts_;
  std::mutex mutex_;
  std::set<std::string> cast_ids_;
};

class Cloud {
 public:
  static Cloud& instance();
  Cloud();

  // A new project with a member user; with_network: a network "net" and subnet made.
  Tenant tenant(const std::string& name, bool with_network = true);
  const ComputeClient& admin() const { return *admin_; }
  const AgentClient& agent() const { return *agent_; }  // admin credential: any host
  const NetworkClient& admin_network() const { return *admin_network_; }
  const NetworkAgentClient& network_agent() const { return *network_agent_; }
  const ImageClient& admin_images() const { return *admin_images_; }
  const std::string& image_id() const { return image_id_; }  // a public active raw image
  const std::string& compute_address() const { return compute_->address(); }
  const std::string& volumes_dir() const { return volumes_dir_; }  // the qcow2 backend's files

  // A public flavor with a unique name; returns its name.
  std::string flavor(int vcpus, int ram_mib, int disk_gib);
  // A host in a zone of its own, registered with the given capacity.
  std::unique_ptr<FakeHost> host(const std::string& label, int vcpus, int ram_mib, int disk_gib);

  // Every port the network service has with device_id = instance id (as admin).
  std::vector<net::Port> ports_of(const std::string& instance_id) const;
  // What the network agent does when it has wired the port on `host`.
  void port_up(const std::string& port_id, const std::string& host) const;
  Reply<v1::Host> host_view(const std::string& host) const;

 private:
  test_support::TestDatabase identity_db_, image_db_, network_db_, block_storage_db_, compute_db_;
  std::string store_dir_, volumes_dir_;
  std::unique_ptr<test_support::ServiceProcess> identity_, image_, network_, block_storage_, compute_;
  std::unique_ptr<test_support::IdentitySetup> identity_setup_;
  std::unique_ptr<ComputeClient> admin_;
  std::unique_ptr<AgentClient> agent_;
  std::unique_ptr<NetworkClient> admin_network_;
  std::unique_ptr<NetworkAgentClient> network_agent_;
  std::unique_ptr<ImageClient> admin_images_;
  std::string image_id_;
};

std::string unique(const std::string& name);

// A CreateServerRequest for `tenant` in `zone` with the shared image.
v1::CreateServerRequest server_request(const std::string& name, const std::string& flavor, const std::string& zone);
// Waits until the server reaches `state` (true) or the timeout passes.
bool wait_for_state(const ComputeClient& client, const std::string& server, v1::VmState state,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30));
// Spawned by the agent and every port ACTIVE: the whole happy path of one server.
void bring_up(Cloud& cloud, FakeHost& host, const v1::Server& server);

}  // namespace stratus::compute_test
