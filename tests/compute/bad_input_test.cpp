// The bad-input list: each request gets a clear status, and nothing is created
// (no server, no port, no claim on the host).
#include <catch2/catch.hpp>

#include "tests/compute/compute_test_support.h"
#include "services/image/client/sha256.h"

using namespace stratus;
using namespace stratus::compute_test;
using Stub = v1::Compute::Stub;

namespace {

std::string active_private_image(const ImageClient& images, uint32_t min_disk, uint32_t min_ram) {
  img::CreateImageRequest create;
  create.set_name(unique("needs-big-disk"));
  create.set_disk_format("raw");
  create.set_min_disk(min_disk);
  create.set_min_ram(min_ram);
  auto image = must(images.call(&img::Images::Stub::CreateImage, create), "creating an image");
  std::string bytes(1024, 'y');
  image::Sha256 hash;
  hash.update(bytes.data(), bytes.size());
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + images.token());
  img::Image uploaded;
  auto stream = images.stub().Upload(&context, &uploaded);
  img::UploadRequest message;
  message.mutable_start()->set_image(image.id());
  message.mutable_start()->set_size(bytes.size());
  message.mutable_start()->set_sha256(hash.hex_digest());
  stream->Write(message);
  message.set_data(bytes);
  stream->Write(message);
  stream->WritesDone();
  auto status = stream->Finish();
  if (!status.ok()) throw std::runtime_error("upload: " + test_support::describe(status));
  return image.id();
}

}  // namespace

TEST_CASE("bad server requests are refused with a clear status and leave nothing behind") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("bad-input");
  auto other = cloud.tenant("bad-input-other");
  auto host = cloud.host("bad", 8, 8192, 100);
  auto flavor = cloud.flavor(1, 128, 1);

  // Things of the other project (and user) that must not be usable.
  std::string foreign_image = active_private_image(other.images, 0, 0);
  v1::ImportKeyPairRequest foreign_key;
  foreign_key.set_name("theirs");
  foreign_key.set_public_key(
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPtopE57pMVUjTII9bRW+4XcBgGxHGPt+iLSzNKAZE0N other@example");
  must(other.compute.call(&Stub::ImportKeyPair, foreign_key), "their key");
  v1::CreateServerGroupRequest foreign_group;
  foreign_group.set_name("their-group");
  foreign_group.set_policy(v1::SERVER_GROUP_POLICY_AFFINITY);
  must(other.compute.call(&Stub::CreateServerGroup, foreign_group), "their group");
  v1::CreateFlavorRequest private_flavor;
  private_flavor.set_name(unique("their-flavor"));
  private_flavor.set_vcpus(1);
  private_flavor.set_ram_mib(128);
  private_flavor.set_is_private(true);
  private_flavor.add_access_projects(other.project_id);
  must(cloud.admin().call(&Stub::CreateFlavor, private_flavor), "their private flavor");
  std::string big_image = active_private_image(t.images, 10, 0);
  std::string hungry_image = active_private_image(t.images, 0, 4096);

  // A port of the tenant already in use.
  net::CreatePortRequest used_port;
  used_port.set_network("net");
  used_port.set_name("taken");
  used_port.set_device_id("some-other-device");
  auto taken = must(t.network.call(&net::Network::Stub::CreatePort, used_port), "a port in use");

  auto base = [&] { return server_request("bad", flavor, host->zone()); };
  struct Case {
    const char* what;
    v1::CreateServerRequest request;
    StatusCode expected;
  };
  std::vector<Case> cases;
  auto add = [&](const char* what, StatusCode code, auto change) {
    auto r = base();
    change(r);
    cases.push_back({what, r, code});
  };
  add("flavor smaller than the image's min_disk", StatusCode::INVALID_ARGUMENT,
      [&](auto& r) { r.set_image(big_image); });
  add("flavor smaller than the image's min_ram", StatusCode::INVALID_ARGUMENT,
      [&](auto& r) { r.set_image(hungry_image); });
  add("unknown image", StatusCode::NOT_FOUND, [](auto& r) { r.set_image("no-such-image"); });
  add("foreign image", StatusCode::NOT_FOUND, [&](auto& r) { r.set_image(foreign_image); });
  add("unknown flavor", StatusCode::NOT_FOUND, [](auto& r) { r.set_flavor("no-such-flavor"); });
  add("foreign private flavor", StatusCode::NOT_FOUND, [&](auto& r) { r.set_flavor(private_flavor.name()); });
  add("unknown key", StatusCode::NOT_FOUND, [](auto& r) { r.set_key_name("no-such-key"); });
  add("another user's key", StatusCode::NOT_FOUND, [](auto& r) { r.set_key_name("theirs"); });
  add("unknown server group", StatusCode::NOT_FOUND, [](auto& r) { r.set_server_group("no-such-group"); });
  add("foreign server group", StatusCode::NOT_FOUND, [](auto& r) { r.set_server_group("their-group"); });
  add("unknown security group", StatusCode::NOT_FOUND, [](auto& r) { r.add_security_groups("no-such-group"); });
  add("unknown network", StatusCode::NOT_FOUND, [](auto& r) { r.add_networks()->set_network("no-such-net"); });
  add("foreign network", StatusCode::NOT_FOUND, [&](auto& r) { r.add_networks()->set_network(other.network_id); });
  add("unknown port", StatusCode::NOT_FOUND,
      [](auto& r) { r.add_networks()->set_port("4b5d8a52-6d8e-4f62-9a54-0d5c1f2b7c11"); });
  add("a port already in use", StatusCode::FAILED_PRECONDITION, [&](auto& r) { r.add_networks()->set_port(taken.id()); });
  add("user data not base64", StatusCode::INVALID_ARGUMENT, [](auto& r) { r.set_user_data("not base64 at all!"); });
  add("user data over 64 KiB", StatusCode::INVALID_ARGUMENT,
      [](auto& r) { r.set_user_data(std::string(90000, 'A')); });  // 67500 bytes decoded
  add("count 0", StatusCode::INVALID_ARGUMENT, [](auto& r) { r.set_count(0); });
  add("count over quota", StatusCode::RESOURCE_EXHAUSTED, [](auto& r) { r.set_count(41); });
  add("empty name", StatusCode::INVALID_ARGUMENT, [](auto& r) { r.set_name(""); });
  add("name too long", StatusCode::INVALID_ARGUMENT, [](auto& r) { r.set_name(std::string(256, 'n')); });
  add("name with a control character", StatusCode::INVALID_ARGUMENT, [](auto& r) { r.set_name("bad\x07name"); });
  add("unknown scheduler hint", StatusCode::INVALID_ARGUMENT,
      [](auto& r) { (*r.mutable_scheduler_hints())["magic"] = "yes"; });

  for (const auto& c : cases) {
    INFO(c.what);
    auto reply = t.compute.call(&Stub::CreateServer, c.request);
    CHECK(reply.code() == c.expected);
    CHECK_FALSE(reply.message().empty());
  }

  // Nothing made: no server, no port but the one that was there, no claim.
  auto servers = must(t.compute.call(&Stub::ListServers, v1::ListServersRequest()), "list");
  CHECK(servers.servers_size() == 0);
  auto ports = must(t.network.call(&net::Network::Stub::ListPorts, net::ListPortsRequest()), "ports");
  CHECK(ports.ports_size() == 1);
  auto usage = must(cloud.host_view(host->name()), "host");
  CHECK(usage.instances() == 0);
  CHECK(usage.vcpus_used() == 0);

  // And the request that fixes them all works.
  auto good = must(t.compute.call(&Stub::CreateServer, base()), "the good request");
  v1::ServerActionRequest del;
  del.set_server(good.servers(0).id());
  must(t.compute.call(&Stub::DeleteServer, del), "cleanup");
}

TEST_CASE("actions not allowed in the current state name the state") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("bad-state");
  auto host = cloud.host("state", 4, 4096, 50);
  auto flavor = cloud.flavor(1, 128, 1);
  auto server = must(t.compute.call(&Stub::CreateServer, server_request("building", flavor, host->zone())), "create")
                    .servers(0);
  v1::ServerActionRequest start;
  start.set_server(server.id());
  auto reply = t.compute.call(&Stub::StartServer, start);
  CHECK(reply.code() == StatusCode::FAILED_PRECONDITION);
  CHECK(reply.message().find("BUILD") != std::string::npos);
  v1::CreateServerSnapshotRequest snapshot;
  snapshot.set_server(server.id());
  snapshot.set_image_name("snap");
  CHECK(t.compute.call(&Stub::CreateServerSnapshot, snapshot).code() == StatusCode::FAILED_PRECONDITION);
  must(t.compute.call(&Stub::DeleteServer, start), "cleanup");
}
