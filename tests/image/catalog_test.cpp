// Lists, quotas and bad input, through the real service.
#include "tests/image/image_test_support.h"

using namespace stratus::image_test;

namespace {

// The two quota tests share an image process with small quotas (per project, and each test
// has projects of its own): two images, 100000 bytes.
ImageCloud& quota_cloud() {
  static ImageCloud cloud(Env{{"STRATUS_IMAGE_QUOTA_IMAGES", "2"}, {"STRATUS_IMAGE_QUOTA_BYTES", "100000"}});
  return cloud;
}

}  // namespace

TEST_CASE("lists filter by visibility, owner, status and name") {
  ImageCloud cloud;  // its own: public images and the admin's all-projects view are cloud-wide
  auto admin = cloud.admin();
  auto alice = cloud.project_member("a");
  admin.create_active("public-one", pattern_bytes(100), "public");
  alice.create_active("active-one", pattern_bytes(100));
  must(alice.create("queued-one"), "create");

  CHECK(image_names(must(alice.list(), "list")) ==
        std::vector<std::string>{"public-one", "active-one", "queued-one"});
  v1::ListImagesRequest request;
  request.set_visibility("private");
  CHECK(image_names(must(alice.list(request), "list")) == std::vector<std::string>{"active-one", "queued-one"});
  request = {};
  request.set_status("queued");
  CHECK(image_names(must(alice.list(request), "list")) == std::vector<std::string>{"queued-one"});
  request = {};
  request.set_owner(admin.project_id());
  CHECK(image_names(must(alice.list(request), "list")) == std::vector<std::string>{"public-one"});
  request = {};
  request.set_name("active-one");
  CHECK(image_names(must(alice.list(request), "list")) == std::vector<std::string>{"active-one"});
  request = {};
  request.set_status("unknown");
  CHECK(alice.list(request).code() == StatusCode::INVALID_ARGUMENT);
  request = {};
  request.set_all_projects(true);
  CHECK(alice.list(request).code() == StatusCode::PERMISSION_DENIED);
  CHECK(image_names(must(admin.list(request), "list")).size() == 3);
}

TEST_CASE("a list comes in pages that together hold every image once") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("a");
  std::vector<std::string> created;
  for (int i = 0; i < 7; ++i) {
    created.push_back("img-" + std::to_string(i));
    must(alice.create(created.back()), "create");
  }
  std::vector<std::string> seen;
  v1::ListImagesRequest request;
  request.set_page_size(3);
  int pages = 0;
  for (;;) {
    auto page = must(alice.list(request), "list page");
    ++pages;
    for (const auto& name : image_names(page)) seen.push_back(name);
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  CHECK(pages == 3);
  CHECK(seen == created);
  request.set_page_token("garbage");
  CHECK(alice.list(request).code() == StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("the image count quota refuses one image too many") {
  auto& cloud = quota_cloud();
  auto alice = cloud.project_member("a");
  must(alice.create("one"), "create");
  must(alice.create("two"), "create");
  auto reply = alice.create("three");
  CHECK(reply.code() == StatusCode::RESOURCE_EXHAUSTED);
  CHECK(image_names(must(alice.list(), "list")).size() == 2);
  // Another project has a quota of its own.
  CHECK(cloud.project_member("b").create("one").ok());
}

TEST_CASE("the byte quota refuses an upload that would go over and leaves the image queued") {
  auto& cloud = quota_cloud();
  auto alice = cloud.project_member("a");
  auto first = alice.create_active("first", pattern_bytes(60000));
  auto second = must(alice.create("second"), "create");
  auto reply = alice.upload(second.id(), pattern_bytes(50000));
  CHECK(reply.code() == StatusCode::RESOURCE_EXHAUSTED);
  CHECK(alice.get(second.id()).value.status() == "queued");
  CHECK(cloud.stored_files_of(first.id()).size() == 1);
  CHECK(cloud.stored_files_of(second.id()).empty());
  CHECK(alice.upload(second.id(), pattern_bytes(40000)).ok());
}

TEST_CASE("bad image records are refused with a clear error and nothing is created") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("a");
  auto unknown_format = alice.create("bad", "vmdk");
  CHECK(unknown_format.code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(unknown_format.message(), Catch::Contains("unknown disk_format 'vmdk'"));
  CHECK(alice.create(std::string(65, 'n')).code() == StatusCode::INVALID_ARGUMENT);
  v1::CreateImageRequest reserved;
  reserved.set_name("reserved");
  reserved.set_disk_format("raw");
  (*reserved.mutable_properties())["status"] = "active";
  auto reply = alice.call(&Stub::CreateImage, reserved);
  CHECK(reply.code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(reply.message(), Catch::Contains("reserved"));
  v1::CreateImageRequest kernel_on_raw;
  kernel_on_raw.set_name("kernel");
  kernel_on_raw.set_disk_format("raw");
  kernel_on_raw.set_kernel_id("vmlinuz");
  CHECK(alice.call(&Stub::CreateImage, kernel_on_raw).code() == StatusCode::INVALID_ARGUMENT);
  CHECK(must(alice.list(), "list").images().empty());

  must(alice.create("taken"), "create");
  CHECK(alice.create("taken").code() == StatusCode::ALREADY_EXISTS);
}

TEST_CASE("an ami names its kernel and ramdisk images") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("a");
  auto kernel = must(alice.create("vmlinuz", "aki"), "create kernel");
  auto ramdisk = must(alice.create("initrd", "ari"), "create ramdisk");
  CHECK(kernel.container_format() == "aki");
  v1::CreateImageRequest machine;
  machine.set_name("machine");
  machine.set_disk_format("ami");
  machine.set_kernel_id("vmlinuz");
  machine.set_ramdisk_id(ramdisk.id());
  auto created = must(alice.call(&Stub::CreateImage, machine), "create ami");
  CHECK(created.kernel_id() == kernel.id());
  CHECK(created.ramdisk_id() == ramdisk.id());
  machine.set_name("swapped");
  machine.set_kernel_id(ramdisk.id());
  CHECK(alice.call(&Stub::CreateImage, machine).code() == StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("properties are set and unset, reserved keys refused") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("a");
  auto image = must(alice.create("props"), "create");
  v1::UpdateImageRequest update;
  update.set_image(image.id());
  (*update.mutable_set_properties())["os_distro"] = "debian";
  (*update.mutable_set_properties())["default_user"] = "debian";
  update.set_min_disk(2);
  auto after = must(alice.update(update), "set properties");
  CHECK(after.properties().at("os_distro") == "debian");
  CHECK(after.min_disk() == 2);

  v1::UpdateImageRequest bad;
  bad.set_image(image.id());
  (*bad.mutable_set_properties())["size"] = "1";
  bad.set_name("renamed");
  CHECK(alice.update(bad).code() == StatusCode::INVALID_ARGUMENT);
  CHECK(alice.get(image.id()).value.name() == "props");

  v1::UpdateImageRequest unset;
  unset.set_image(image.id());
  unset.add_unset_properties("default_user");
  CHECK(must(alice.update(unset), "unset").properties().count("default_user") == 0);
}
