// The EC2 front end to end with Debian's unmodified boto3: this harness starts the services,
// makes two projects with an access key each (project A with a network), an external network
// for Elastic IPs, an active image, and one hypervisor host played by FakeComputeAgent, then
// runs journey.py against the front.
//
// What is real: identity (SigV4), image, network, block storage (qcow2 files made by
// qemu-img), compute (scheduler, state machine, claims, ports, floating IPs, console log
// store, volume attachments) and the EC2 front, on PostgreSQL and RabbitMQ.
// What is pretend: the hypervisor. No libvirt domain runs; the fake agent reports what a
// compute agent and a network agent would (spawned, ports ACTIVE, stopped, started, rebooted,
// deleted, a console line, volumes connected and disconnected), through their real agent
// APIs. No packet reaches a guest, no guest reads a volume.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <grpcpp/grpcpp.h>
#include "common/auth/digest.h"
#include "common/process/run.h"
#include "compute/v1/compute.grpc.pb.h"
#include "image/v1/image.grpc.pb.h"
#include "network/v1/network.grpc.pb.h"
#include "services/identity/domain/credential_keys.h"
#include "tests/ec2-api/fake_compute_agent.h"
#include "tests/support/identity_setup.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"

using namespace stratus;
namespace fs = std::filesystem;

namespace {

template <typename Call>
void with_token(const std::string& token, Call call) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  context.AddMetadata("authorization", "Bearer " + token);
  grpc::Status status = call(context);
  if (!status.ok()) throw std::runtime_error("set-up call failed: " + status.error_message());
}

std::pair<std::string, std::string> access_key(const test_support::IdentitySetup& setup, const std::string& token) {
  cloud::identity::v1::CreatedAccessKey created;
  with_token(token, [&](grpc::ClientContext& c) {
    return setup.stub().CreateAccessKey(&c, cloud::identity::v1::CreateAccessKeyRequest(), &created);
  });
  return {created.key().access_key_id(), created.secret()};
}

// A few bytes, so the image turns active and servers may boot from it.
void upload(cloud::image::v1::Images::Stub& images, const std::string& token, const std::string& image_id) {
  std::string bytes(4096, 'x');
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  context.AddMetadata("authorization", "Bearer " + token);
  cloud::image::v1::Image uploaded;
  auto stream = images.Upload(&context, &uploaded);
  cloud::image::v1::UploadRequest message;
  message.mutable_start()->set_image(image_id);
  message.mutable_start()->set_size(bytes.size());
  message.mutable_start()->set_sha256(auth::sha256_hex(bytes));
  stream->Write(message);
  message.set_data(bytes);
  stream->Write(message);
  stream->WritesDone();
  auto status = stream->Finish();
  if (!status.ok()) throw std::runtime_error("uploading the test image: " + status.error_message());
}

// A network with one subnet: the project's own (token of a member) or, as admin, the external
// floating-IP pool.
void make_network(cloud::network::v1::Network::Stub& network, const std::string& token, const std::string& name,
                  const std::string& cidr, bool external) {
  namespace net = cloud::network::v1;
  net::NetworkInfo made;
  with_token(token, [&](grpc::ClientContext& c) {
    net::CreateNetworkRequest r;
    r.set_name(name);
    r.set_external(external);
    return network.CreateNetwork(&c, r, &made);
  });
  with_token(token, [&](grpc::ClientContext& c) {
    net::CreateSubnetRequest r;
    r.set_name(name + "-subnet");
    r.set_network(made.id());
    r.set_cidr(cidr);
    net::Subnet out;
    return network.CreateSubnet(&c, r, &out);
  });
}

}  // namespace

TEST_CASE("boto3 drives the EC2 front: key pairs, images, security groups, instances, Elastic IPs, volumes, snapshots, "
          "errors and tenant walls") {
  test_support::TestDatabase identity_db, image_db, network_db, block_storage_db, compute_db;
  fs::path dir = fs::temp_directory_path() / test_support::unique_name("stratus-ec2-test");
  fs::create_directories(dir / "images");
  fs::create_directories(dir / "volumes");
  std::string ring = (dir / "credential-keys").string();
  std::ofstream(ring) << identity::CredentialKeys::generate_line("test-1") << "\n";

  auto identity_options = test_support::identity_service_options(STRATUS_IDENTITY_BIN, identity_db.url());
  identity_options.env["STRATUS_IDENTITY_CREDENTIAL_KEYS_FILE"] = ring;
  test_support::ServiceProcess identity(identity_options);

  auto service = [&](const char* binary, const std::string& db_url) {
    test_support::ServiceOptions o;
    o.binary = binary;
    o.db_url = db_url;
    test_support::use_admin_as_service_user(o, identity.address());
    return o;
  };
  auto image_options = service(STRATUS_IMAGE_BIN, image_db.url());
  image_options.env["STRATUS_IMAGE_STORE_DIR"] = (dir / "images").string();
  test_support::ServiceProcess image(image_options);
  test_support::ServiceProcess network(service(STRATUS_NETWORK_BIN, network_db.url()));
  auto block_storage_options = service(STRATUS_BLOCK_STORAGE_BIN, block_storage_db.url());
  block_storage_options.env["STRATUS_BLOCK_STORAGE_VOLUMES_PATH"] = (dir / "volumes").string();
  block_storage_options.env["STRATUS_IMAGE_URL"] = image.address();
  test_support::ServiceProcess block_storage(block_storage_options);
  auto compute_options = service(STRATUS_COMPUTE_BIN, compute_db.url());
  compute_options.env["STRATUS_IMAGE_URL"] = image.address();
  compute_options.env["STRATUS_NETWORK_URL"] = network.address();
  compute_options.env["STRATUS_BLOCK_STORAGE_URL"] = block_storage.address();
  compute_options.env["STRATUS_COMPUTE_RECONCILE_INTERVAL"] = "1";
  // journey.py counts on it: 6 instances leave room for 4 of MaxCount=6, none for MinCount=11.
  compute_options.env["STRATUS_COMPUTE_QUOTA_INSTANCES"] = "10";
  test_support::ServiceProcess compute(compute_options);
  auto ec2_options = service(STRATUS_EC2_API_BIN, "");
  ec2_options.grpc_health = false;
  ec2_options.env["STRATUS_COMPUTE_URL"] = compute.address();
  ec2_options.env["STRATUS_IMAGE_URL"] = image.address();
  ec2_options.env["STRATUS_NETWORK_URL"] = network.address();
  ec2_options.env["STRATUS_BLOCK_STORAGE_URL"] = block_storage.address();
  // Short, so the journey also sees a terminated instance go away.
  ec2_options.env["STRATUS_EC2_TERMINATED_VISIBLE_SECONDS"] = "10";
  test_support::IdentitySetup setup(identity.address());
  std::string flavor = test_support::unique_name("ec2.small");
  ec2_options.env["STRATUS_EC2_DEFAULT_INSTANCE_TYPE"] = flavor;
  test_support::ServiceProcess ec2(ec2_options);

  std::string image_name = test_support::unique_name("ec2-image");
  auto channel = [](const std::string& a) { return grpc::CreateChannel(a, grpc::InsecureChannelCredentials()); };
  auto compute_stub = cloud::compute::v1::Compute::NewStub(channel(compute.address()));
  with_token(setup.admin_token(), [&](grpc::ClientContext& c) {
    cloud::compute::v1::CreateFlavorRequest r;
    r.set_name(flavor);
    r.set_vcpus(2);
    r.set_ram_mib(2048);
    r.set_disk_gib(20);
    cloud::compute::v1::Flavor out;
    return compute_stub->CreateFlavor(&c, r, &out);
  });
  auto image_stub = cloud::image::v1::Images::NewStub(channel(image.address()));
  cloud::image::v1::Image image_record;
  with_token(setup.admin_token(), [&](grpc::ClientContext& c) {
    cloud::image::v1::CreateImageRequest r;
    r.set_name(image_name);
    r.set_disk_format("raw");
    r.set_visibility("public");
    return image_stub->CreateImage(&c, r, &image_record);
  });
  upload(*image_stub, setup.admin_token(), image_record.id());

  auto a = setup.create_member(test_support::unique_name("ec2-a"));
  auto b = setup.create_member(test_support::unique_name("ec2-b"));
  auto [a_key, a_secret] = access_key(setup, a.token);
  auto [b_key, b_secret] = access_key(setup, b.token);
  auto network_stub = cloud::network::v1::Network::NewStub(channel(network.address()));
  make_network(*network_stub, a.token, "net", "10.30.0.0/24", false);
  make_network(*network_stub, setup.admin_token(), "public", "203.0.113.0/24", true);
  ec2_test::FakeComputeAgent agent(compute.address(), network.address(), setup.admin_token(),
                                   test_support::unique_name("ec2-host"), "nova");
  setenv("EC2_URL", ("http://127.0.0.1:" + std::to_string(ec2.port()) + "/").c_str(), 1);
  setenv("EC2_REGION", "RegionOne", 1);
  setenv("A_KEY", a_key.c_str(), 1);
  setenv("A_SECRET", a_secret.c_str(), 1);
  setenv("A_PROJECT", a.project_id.c_str(), 1);
  setenv("B_KEY", b_key.c_str(), 1);
  setenv("B_SECRET", b_secret.c_str(), 1);
  setenv("EC2_FLAVOR", flavor.c_str(), 1);
  setenv("EC2_IMAGE_NAME", image_name.c_str(), 1);
  setenv("EC2_TMP", dir.string().c_str(), 1);
  setenv("EC2_TERMINATED_VISIBLE_SECONDS", "10", 1);
  // boto3 must not read the user's ~/.aws (deploy/cloud up writes a profile there).
  setenv("AWS_CONFIG_FILE", (dir / "aws-config").string().c_str(), 1);
  setenv("AWS_SHARED_CREDENTIALS_FILE", (dir / "aws-credentials").string().c_str(), 1);

  auto result = process::run({"/usr/bin/python3", STRATUS_EC2_JOURNEY});
  INFO(result.output);
  INFO("ec2-api log tail:\n" + ec2.log_tail(30));
  CHECK(result.status == 0);
  // RunInstances' UserData (base64 from boto3) reached the config drive, decoded.
  CHECK(agent.user_data_seen().count("#!/bin/sh\necho hello from user data\n") == 1);
  // AttachVolume reached the host as a qcow2 file of block storage's, where the spec said.
  auto attached = agent.volume_files_attached();
  CHECK_FALSE(attached.empty());
  for (const auto& file : attached) CHECK(fs::path(file).parent_path() == dir / "volumes");
  CHECK(ec2.log_text().find(a_secret) == std::string::npos);
  CHECK(identity.log_text().find(a_secret) == std::string::npos);
  fs::remove_all(dir);
}
