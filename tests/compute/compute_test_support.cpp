#include "tests/compute/compute_test_support.h"

#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "common/bus/topology.h"
#include "common/log/log.h"
#include "services/image/client/sha256.h"

namespace stratus::compute_test {

namespace fs = std::filesystem;

std::string unique(const std::string& name) { return test_support::unique_name(name); }

namespace {

log::Logger quiet_logger() {
  return log::Logger("test", log::Level::Warn, log::Format::Text, std::make_shared<log::Sink>(std::cerr));
}

std::string sha256_hex(const std::string& bytes) {
  image::Sha256 hash;
  hash.update(bytes.data(), bytes.size());
  return hash.hex_digest();
}

std::string upload_public_image(const ImageClient& images) {
  img::CreateImageRequest create;
  create.set_name(unique("compute-test-image"));
  create.set_disk_format("raw");
  create.set_visibility("public");
  auto image = must(images.call(&img::Images::Stub::CreateImage, create), "creating the test image");
  std::string bytes(4096, 'x');
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  context.AddMetadata("authorization", "Bearer " + images.token());
  img::Image uploaded;
  auto stream = images.stub().Upload(&context, &uploaded);
  img::UploadRequest message;
  message.mutable_start()->set_image(image.id());
  message.mutable_start()->set_size(bytes.size());
  message.mutable_start()->set_sha256(sha256_hex(bytes));
  stream->Write(message);
  message.set_data(bytes);
  stream->Write(message);
  stream->WritesDone();
  auto status = stream->Finish();
  if (!status.ok()) throw std::runtime_error("uploading the test image: " + test_support::describe(status));
  return image.id();
}

}  // namespace

// ---------------------------------------------------------------- FakeHost

FakeHost::FakeHost(const std::string& name, const std::string& zone, const AgentClient& agent)
    : name_(name), zone_(zone), agent_(agent) {
  bus::ConsumerOptions options;
  options.queue = bus::cast_routing_key("compute-agent", name_);
  options.exchange = bus::kCastsExchange;
  options.routing_keys = {options.queue};
  options.connection_name = "compute-test-host";
  casts_ = std::make_unique<bus::Consumer>(
      bus::BusUrl::parse(test_support::test_amqp_url()), options,
      [this](const bus::Delivery& d) {
        v1::InstanceCast cast;
        if (cast.ParseFromString(d.body)) {
          std::lock_guard<std::mutex> lock(mutex_);
          cast_ids_.insert(cast.instance_id());
        }
        return true;
      },
      quiet_logger());
  if (!casts_->wait_until_connected(std::chrono::seconds(10)))
    throw std::runtime_error("the test host's cast queue did not connect");
}

FakeHost::~FakeHost() { casts_->stop(); }

Reply<v1::Host> FakeHost::register_host(int vcpus, int ram_mib, int disk_gib) const {
  v1::RegisterHostRequest request;
  request.set_host(name_);
  request.set_vcpus(vcpus);
  request.set_ram_mib(ram_mib);
  request.set_disk_gib(disk_gib);
  request.set_hypervisor_type("qemu");
  request.set_availability_zone(zone_);
  request.set_architecture("x86_64");
  return agent_.call(&v1::ComputeAgent::Stub::RegisterHost, request);
}

bool FakeHost::saw_cast(const std::string& instance_id, std::chrono::milliseconds timeout) {
  return test_support::eventually(
      [&] {
        std::lock_guard<std::mutex> lock(mutex_);
        return cast_ids_.count(instance_id) > 0;
      },
      timeout);
}

Reply<google::protobuf::Empty> FakeHost::report_volume(const std::string& instance_id, const std::string& volume_id,
                                                       v1::VolumeEvent event, const std::string& fault) const {
  v1::ReportVolumeRequest request;
  request.set_instance_id(instance_id);
  request.set_volume_id(volume_id);
  request.set_event(event);
  request.set_fault_message(fault);
  return agent_.call(&v1::ComputeAgent::Stub::ReportVolume, request);
}

Reply<google::protobuf::Empty> FakeHost::report(const std::string& instance_id, v1::InstanceEvent event,
                                                v1::PowerState power, const std::string& fault) const {
  v1::ReportInstanceRequest request;
  request.set_instance_id(instance_id);
  request.set_host(name_);
  request.set_event(event);
  request.set_power_state(power);
  request.set_fault_message(fault);
  return agent_.call(&v1::ComputeAgent::Stub::ReportInstance, request);
}

// ---------------------------------------------------------------- Cloud

Cloud& Cloud::instance() {
  static Cloud cloud;
  return cloud;
}

Cloud::Cloud()
    : store_dir_((fs::temp_directory_path() / unique("stratus-compute-test-images")).string()),
      volumes_dir_((fs::temp_directory_path() / unique("stratus-compute-test-volumes")).string()) {
  identity_ = std::make_unique<test_support::ServiceProcess>(
      test_support::identity_service_options(STRATUS_IDENTITY_BIN, identity_db_.url()));

  test_support::ServiceOptions image_options;
  image_options.binary = STRATUS_IMAGE_BIN;
  image_options.db_url = image_db_.url();
  test_support::use_admin_as_service_user(image_options, identity_->address());
  image_options.env["STRATUS_IMAGE_STORE_DIR"] = store_dir_;
  image_ = std::make_unique<test_support::ServiceProcess>(image_options);

  test_support::ServiceOptions network_options;
  network_options.binary = STRATUS_NETWORK_BIN;
  network_options.db_url = network_db_.url();
  test_support::use_admin_as_service_user(network_options, identity_->address());
  network_ = std::make_unique<test_support::ServiceProcess>(network_options);

  test_support::ServiceOptions block_storage_options;
  block_storage_options.binary = STRATUS_BLOCK_STORAGE_BIN;
  block_storage_options.db_url = block_storage_db_.url();
  test_support::use_admin_as_service_user(block_storage_options, identity_->address());
  block_storage_options.env["STRATUS_BLOCK_STORAGE_VOLUMES_PATH"] = volumes_dir_;
  block_storage_options.env["STRATUS_IMAGE_URL"] = image_->address();
  block_storage_ = std::make_unique<test_support::ServiceProcess>(block_storage_options);

  test_support::ServiceOptions compute_options;
  compute_options.binary = STRATUS_COMPUTE_BIN;
  compute_options.db_url = compute_db_.url();
  test_support::use_admin_as_service_user(compute_options, identity_->address());
  compute_options.env["STRATUS_IMAGE_URL"] = image_->address();
  compute_options.env["STRATUS_NETWORK_URL"] = network_->address();
  compute_options.env["STRATUS_BLOCK_STORAGE_URL"] = block_storage_->address();
  compute_options.env["STRATUS_COMPUTE_VOLUME_ATTACH_TIMEOUT"] = "6";
  // Short enough for the VIF-timeout test, long enough for a loaded machine.
  compute_options.env["STRATUS_COMPUTE_VIF_PLUGGED_TIMEOUT"] = "4";
  compute_options.env["STRATUS_COMPUTE_RECONCILE_INTERVAL"] = "1";
  compute_options.env["STRATUS_COMPUTE_HOST_DOWN_AFTER"] = "3600";
  compute_options.env["STRATUS_COMPUTE_QUOTA_INSTANCES"] = "40";
  compute_options.env["STRATUS_COMPUTE_QUOTA_CORES"] = "80";
  compute_options.env["STRATUS_COMPUTE_QUOTA_RAM_MIB"] = "-1";
  compute_ = std::make_unique<test_support::ServiceProcess>(compute_options);

  identity_setup_ = std::make_unique<test_support::IdentitySetup>(identity_->address());
  const std::string& admin_token = identity_setup_->admin_token();
  auto channel = [](const std::string& address) {
    return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  };
  admin_ = std::make_unique<ComputeClient>(channel(compute_->address()), admin_token);
  agent_ = std::make_unique<AgentClient>(channel(compute_->address()), admin_token);
  admin_network_ = std::make_unique<NetworkClient>(channel(network_->address()), admin_token);
  network_agent_ = std::make_unique<NetworkAgentClient>(channel(network_->address()), admin_token);
  admin_images_ = std::make_unique<ImageClient>(channel(image_->address()), admin_token);
  image_id_ = upload_public_image(*admin_images_);
}

Tenant Cloud::tenant(const std::string& name, bool with_network) {
  auto member = identity_setup_->create_member(unique(name));
  auto channel = [](const std::string& address) {
    return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  };
  Tenant t{member.project_id,
           member.user_name,
           member.token,
           ComputeClient(channel(compute_->address()), member.token),
           NetworkClient(channel(network_->address()), member.token),
           ImageClient(channel(image_->address()), member.token),
           VolumeClient(channel(block_storage_->address()), member.token),
           ""};
  if (with_network) {
    net::CreateNetworkRequest network;
    network.set_name("net");
    t.network_id = must(t.network.call(&net::Network::Stub::CreateNetwork, network), "creating a network").id();
    net::CreateSubnetRequest subnet;
    subnet.set_name("subnet");
    subnet.set_network("net");
    subnet.set_cidr("10.20.0.0/24");
    must(t.network.call(&net::Network::Stub::CreateSubnet, subnet), "creating a subnet");
    // The project's "default" group is made on first use; make it now, before tests race.
    must(t.network.call(&net::Network::Stub::ListSecurityGroups, net::ListSecurityGroupsRequest()),
         "listing security groups");
  }
  return t;
}

std::string Cloud::flavor(int vcpus, int ram_mib, int disk_gib) {
  v1::CreateFlavorRequest request;
  request.set_name(unique("flavor"));
  request.set_vcpus(vcpus);
  request.set_ram_mib(ram_mib);
  request.set_disk_gib(disk_gib);
  return must(admin_->call(&v1::Compute::Stub::CreateFlavor, request), "creating a flavor").name();
}

std::unique_ptr<FakeHost> Cloud::host(const std::string& label, int vcpus, int ram_mib, int disk_gib) {
  auto host = std::make_unique<FakeHost>(unique(label), unique("zone-" + label), *agent_);
  must(host->register_host(vcpus, ram_mib, disk_gib), "registering host " + host->name());
  return host;
}

std::vector<net::Port> Cloud::ports_of(const std::string& instance_id) const {
  net::ListPortsRequest request;
  request.set_device_id(instance_id);
  auto ports = must(admin_network_->call(&net::Network::Stub::ListPorts, request), "listing ports");
  return {ports.ports().begin(), ports.ports().end()};
}

void Cloud::port_up(const std::string& port_id, const std::string& host) const {
  net::UpdatePortStatusRequest request;
  request.set_port_id(port_id);
  request.set_host(host);
  request.set_status("ACTIVE");
  must(network_agent_->call(&net::NetworkAgent::Stub::UpdatePortStatus, request), "reporting port " + port_id);
}

Reply<v1::Host> Cloud::host_view(const std::string& host) const {
  v1::GetHostRequest request;
  request.set_host(host);
  return admin_->call(&v1::Compute::Stub::GetHost, request);
}

// ---------------------------------------------------------------- helpers

v1::CreateServerRequest server_request(const std::string& name, const std::string& flavor, const std::string& zone) {
  v1::CreateServerRequest request;
  request.set_name(name);
  request.set_image(Cloud::instance().image_id());
  request.set_flavor(flavor);
  request.set_availability_zone(zone);
  return request;
}

bool wait_for_state(const ComputeClient& client, const std::string& server, v1::VmState state,
                    std::chrono::milliseconds timeout) {
  v1::GetServerRequest request;
  request.set_server(server);
  return test_support::eventually(
      [&] {
        auto reply = client.call(&v1::Compute::Stub::GetServer, request);
        return reply.ok() && reply.value.vm_state() == state;
      },
      timeout, std::chrono::milliseconds(100));
}

void bring_up(Cloud& cloud, FakeHost& host, const v1::Server& server) {
  if (!host.saw_cast(server.id())) throw std::runtime_error("no spawn cast for " + server.name());
  must(host.report(server.id(), v1::INSTANCE_EVENT_SPAWNED), "reporting the spawn");
  for (const auto& port : cloud.ports_of(server.id())) cloud.port_up(port.id(), host.name());
}

}  // namespace stratus::compute_test
