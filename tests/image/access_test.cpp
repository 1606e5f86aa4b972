// Who sees and touches which image, through the real service, on the shared image process:
// each test works in projects of its own. Only the public-image test makes a public image
// there (every project sees it), and it deletes it again.
#include "tests/image/image_test_support.h"

using namespace stratus::image_test;

namespace {

v1::UpdateImageRequest update_of(const std::string& image) {
  v1::UpdateImageRequest request;
  request.set_image(image);
  return request;
}

}  // namespace

TEST_CASE("project B never sees or touches project A's private image") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("a");
  auto bob = cloud.project_member("b");
  std::string bytes = pattern_bytes(10000);
  auto secret = alice.create_active("secret", bytes);

  CHECK(bob.get(secret.id()).code() == StatusCode::NOT_FOUND);
  CHECK(bob.get("secret").code() == StatusCode::NOT_FOUND);
  CHECK(bob.download(secret.id()).code() == StatusCode::NOT_FOUND);
  CHECK(bob.remove(secret.id()).code() == StatusCode::NOT_FOUND);
  auto rename = update_of(secret.id());
  rename.set_name("mine-now");
  CHECK(bob.update(rename).code() == StatusCode::NOT_FOUND);
  CHECK(bob.upload(secret.id(), bytes).code() == StatusCode::NOT_FOUND);
  CHECK(image_names(must(bob.list(), "list")).empty());

  auto still = must(alice.get(secret.id()), "get");
  CHECK(still.name() == "secret");
  CHECK(still.status() == "active");
  CHECK(alice.download(secret.id()).value == bytes);
}

TEST_CASE("a public image is visible to every project and only its owner or an admin deletes it") {
  auto& cloud = ImageCloud::shared();
  auto admin = cloud.admin();
  auto alice = cloud.project_member("a");
  std::string bytes = pattern_bytes(20000);
  auto image = admin.create_active("cirros", bytes, "public");
  CHECK(image.visibility() == "public");

  CHECK(alice.get("cirros").ok());
  CHECK(alice.download(image.id()).value == bytes);
  CHECK(image_names(must(alice.list(), "list")) == std::vector<std::string>{"cirros"});
  CHECK(alice.remove(image.id()).code() == StatusCode::PERMISSION_DENIED);
  CHECK(admin.remove(image.id()).ok());
  CHECK(alice.get(image.id()).code() == StatusCode::NOT_FOUND);
}

TEST_CASE("a shared image is visible to the projects it is shared with and to no other") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("a");
  auto bob = cloud.project_member("b");
  auto carol = cloud.project_member("c");
  auto image = alice.create_active("team-image", pattern_bytes(1000));

  auto share = update_of(image.id());
  share.add_add_members(bob.project_id());
  auto shared = must(alice.update(share), "share");
  CHECK(shared.visibility() == "shared");
  CHECK(std::vector<std::string>(shared.members().begin(), shared.members().end()) ==
        std::vector<std::string>{bob.project_id()});

  CHECK(bob.get(image.id()).ok());
  CHECK(bob.get(image.id()).value.members().empty());  // the member list is the owner's business
  CHECK(bob.download(image.id()).ok());
  CHECK(bob.remove(image.id()).code() == StatusCode::PERMISSION_DENIED);
  v1::ListImagesRequest shared_with_me;
  shared_with_me.set_visibility("shared");
  CHECK(image_names(must(bob.list(shared_with_me), "list")).empty());  // an offer, until accepted
  v1::ImageOfferRequest accept;
  accept.set_image(image.id());
  must(bob.call(&Stub::AcceptImage, accept), "accept");
  CHECK(image_names(must(bob.list(shared_with_me), "list")) == std::vector<std::string>{"team-image"});
  CHECK(carol.get(image.id()).code() == StatusCode::NOT_FOUND);

  auto unshare = update_of(image.id());
  unshare.add_remove_members(bob.project_id());
  must(alice.update(unshare), "unshare");
  CHECK(bob.get(image.id()).code() == StatusCode::NOT_FOUND);
}

TEST_CASE("a member cannot create or make a public image") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("a");
  auto reply = alice.create("everyone", "raw", "public");
  CHECK(reply.code() == StatusCode::PERMISSION_DENIED);
  auto image = must(alice.create("mine"), "create");
  auto publish = update_of(image.id());
  publish.set_visibility("public");
  CHECK(alice.update(publish).code() == StatusCode::PERMISSION_DENIED);
  CHECK(alice.get(image.id()).value.visibility() == "private");
  CHECK(image_names(must(alice.list(), "list")) == std::vector<std::string>{"mine"});
}

TEST_CASE("a reader sees the project's images but cannot create or delete") {
  auto& cloud = ImageCloud::shared();
  auto reader = cloud.project_member("r", "reader");
  CHECK(reader.create("nope").code() == StatusCode::PERMISSION_DENIED);
  CHECK(must(reader.list(), "list").images().empty());
}

TEST_CASE("a protected image cannot be deleted until it is unprotected") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("a");
  auto image = alice.create_active("keep-me", pattern_bytes(1000));
  auto protect = update_of(image.id());
  protect.set_protected_(true);
  must(alice.update(protect), "protect");

  auto reply = alice.remove(image.id());
  CHECK(reply.code() == StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(reply.message(), Catch::Contains("protected"));
  CHECK(alice.get(image.id()).value.status() == "active");
  CHECK(cloud.stored_files_of(image.id()).size() == 1);

  protect.set_protected_(false);
  must(alice.update(protect), "unprotect");
  CHECK(alice.remove(image.id()).ok());
  CHECK(alice.get(image.id()).code() == StatusCode::NOT_FOUND);
  CHECK(cloud.stored_files_of(image.id()).empty());
}

TEST_CASE("compute registers an instance snapshot as a private image of the instance's project") {
  auto& cloud = ImageCloud::shared();
  auto compute = cloud.admin();  // a service user with the admin role
  auto alice = cloud.project_member("a");
  auto bob = cloud.project_member("b");

  v1::RegisterSnapshotRequest request;
  request.set_project_id(alice.project_id());
  request.set_name("web-snap");
  request.set_instance_id("0f0e0d0c-0b0a-4909-8807-060504030201");
  (*request.mutable_properties())["os_distro"] = "debian";
  auto snapshot = must(compute.call(&Stub::RegisterSnapshot, request), "register snapshot");
  CHECK(snapshot.owner() == alice.project_id());
  CHECK(snapshot.status() == "queued");
  CHECK(snapshot.disk_format() == "qcow2");
  CHECK(snapshot.properties().at("image_type") == "snapshot");
  CHECK(snapshot.properties().at("instance_uuid") == request.instance_id());

  std::string bytes = pattern_bytes(30000);
  CHECK(compute.upload(snapshot.id(), bytes).ok());
  CHECK(alice.download("web-snap").value == bytes);
  CHECK(bob.get(snapshot.id()).code() == StatusCode::NOT_FOUND);

  // Users cannot forge snapshots, nor their origin properties.
  CHECK(alice.call(&Stub::RegisterSnapshot, request).code() == StatusCode::PERMISSION_DENIED);
  v1::CreateImageRequest forged;
  forged.set_name("forged");
  forged.set_disk_format("qcow2");
  (*forged.mutable_properties())["image_type"] = "snapshot";
  CHECK(alice.call(&Stub::CreateImage, forged).code() == StatusCode::INVALID_ARGUMENT);
}
