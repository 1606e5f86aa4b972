// Image bytes through the real service: uploads, downloads, and what failures leave behind.
// All but the crash test share one image process (ImageCloud::shared()).
#include <thread>

#include "tests/image/image_test_support.h"

using namespace stratus::image_test;

namespace {

bool has_partial_files(const ImageCloud& cloud) {
  for (const auto& name : cloud.stored_files())
    if (name.find(".partial") != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("an uploaded image is active and downloads with the same bytes and sha256") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("a");
  auto created = must(alice.create("debian-12", "qcow2"), "create");
  CHECK(created.status() == "queued");
  CHECK(created.container_format() == "bare");

  std::string bytes = pattern_bytes(3 * 1024 * 1024 + 17);
  auto active = alice.upload(created.id(), bytes);
  REQUIRE(active.ok());
  CHECK(active.value.status() == "active");
  CHECK(active.value.size() == bytes.size());
  CHECK(active.value.sha256() == sha256_hex(bytes));

  auto downloaded = alice.download("debian-12");  // by name
  REQUIRE(downloaded.ok());
  CHECK(downloaded.value.size() == bytes.size());
  CHECK(downloaded.value == bytes);
  CHECK(cloud.stored_files_of(created.id()) == std::vector<std::string>{created.id()});
}

TEST_CASE("a download resumes from an offset") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("a");
  std::string bytes = pattern_bytes(2 * 1024 * 1024 + 5);
  auto image = alice.create_active("resumable", bytes);
  uint64_t offset = 1024 * 1024 + 3;
  auto rest = alice.download(image.id(), offset);
  REQUIRE(rest.ok());
  CHECK(rest.value == bytes.substr(offset));
  CHECK(alice.download(image.id(), bytes.size()).value.empty());
  CHECK(alice.download(image.id(), bytes.size() + 1).code() == StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("an upload shorter or longer than declared leaves the image killed and nothing in the store") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("a");
  std::string bytes = pattern_bytes(200000);

  auto short_image = must(alice.create("short"), "create");
  auto reply = alice.upload_chunks(short_image.id(), bytes.size() + 10, sha256_hex(bytes), {bytes});
  CHECK(reply.code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(reply.message(), Catch::Contains("declared"));
  CHECK(alice.get(short_image.id()).value.status() == "killed");

  auto long_image = must(alice.create("long"), "create");
  reply = alice.upload_chunks(long_image.id(), bytes.size() - 1, sha256_hex(bytes), {bytes});
  CHECK(reply.code() == StatusCode::INVALID_ARGUMENT);
  CHECK(alice.get(long_image.id()).value.status() == "killed");
  CHECK(cloud.stored_files_of(short_image.id()).empty());
  CHECK(cloud.stored_files_of(long_image.id()).empty());
}

TEST_CASE("an upload whose bytes do not match the declared sha256 leaves the image killed") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("a");
  auto image = must(alice.create("tampered"), "create");
  std::string bytes = pattern_bytes(100000);
  auto reply = alice.upload_chunks(image.id(), bytes.size(), sha256_hex(bytes + "x"), {bytes});
  CHECK(reply.code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(reply.message(), Catch::Contains("sha256 mismatch"));
  CHECK(alice.get(image.id()).value.status() == "killed");
  CHECK(cloud.stored_files_of(image.id()).empty());
  // A killed image takes no new bytes; its name is free for a new image.
  CHECK(alice.upload(image.id(), bytes).code() == StatusCode::FAILED_PRECONDITION);
  CHECK(alice.create("tampered").ok());
}

TEST_CASE("a client that disconnects mid-upload leaves the image killed and no partial file") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("a");
  auto image = must(alice.create("interrupted"), "create");
  {
    grpc::ClientContext context;
    alice.prepare(context);
    v1::Image ignored;
    auto stream = alice.stub().Upload(&context, &ignored);
    v1::UploadRequest message;
    message.mutable_start()->set_image(image.id());
    message.mutable_start()->set_size(10 * 1024 * 1024);
    message.mutable_start()->set_sha256(std::string(64, '0'));
    REQUIRE(stream->Write(message));
    message.set_data(pattern_bytes(1024 * 1024));
    REQUIRE(stream->Write(message));
    REQUIRE(becomes(alice, image.id(), "saving"));
    context.TryCancel();
    stream->Finish();
  }
  CHECK(becomes(alice, image.id(), "killed"));
  CHECK(stratus::test_support::eventually([&] { return cloud.stored_files_of(image.id()).empty(); },
                                          std::chrono::seconds(5)));
}

TEST_CASE("an image left saving by a crashed service is killed on restart and its partial file removed") {
  // The crashed process's database session may outlive it by a moment; the periodic
  // recovery then finishes the job.
  ImageCloud cloud(Env{{"STRATUS_IMAGE_RECOVERY_INTERVAL", "1"}});
  auto alice = cloud.project_member("a");
  auto image = must(alice.create("crashed"), "create");
  grpc::ClientContext context;
  alice.prepare(context);
  v1::Image ignored;
  auto stream = alice.stub().Upload(&context, &ignored);
  v1::UploadRequest message;
  message.mutable_start()->set_image(image.id());
  message.mutable_start()->set_size(10 * 1024 * 1024);
  message.mutable_start()->set_sha256(std::string(64, '0'));
  REQUIRE(stream->Write(message));
  message.set_data(pattern_bytes(1024 * 1024));
  REQUIRE(stream->Write(message));
  REQUIRE(becomes(alice, image.id(), "saving"));
  REQUIRE(stratus::test_support::eventually([&] { return has_partial_files(cloud); }, std::chrono::seconds(5)));

  cloud.restart_image(/*kill_first=*/true);
  auto alice_again = cloud.client(alice.token(), alice.project_id());  // the new process listens elsewhere
  CHECK(becomes(alice_again, image.id(), "killed"));
  CHECK_FALSE(has_partial_files(cloud));
  CHECK(cloud.stored_files().empty());
  context.TryCancel();
  stream->Finish();
}

TEST_CASE("an active image refuses a second upload and keeps its bytes") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("a");
  std::string bytes = pattern_bytes(50000);
  auto image = alice.create_active("fixed", bytes);
  auto reply = alice.upload(image.id(), pattern_bytes(50000, 2));
  CHECK(reply.code() == StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(reply.message(), Catch::Contains("active"));
  auto now = alice.get(image.id()).value;
  CHECK(now.status() == "active");
  CHECK(now.sha256() == image.sha256());
  CHECK(alice.download(image.id()).value == bytes);
}

TEST_CASE("a queued image has nothing to download") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("a");
  auto image = must(alice.create("empty"), "create");
  auto reply = alice.download(image.id());
  CHECK(reply.code() == StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(reply.message(), Catch::Contains("queued"));
}

TEST_CASE("an upload without a start message or with a bad declaration changes nothing") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("a");
  auto image = must(alice.create("declared"), "create");
  CHECK(alice.upload_chunks(image.id(), 0, std::string(64, 'a'), {}).code() == StatusCode::INVALID_ARGUMENT);
  CHECK(alice.upload_chunks(image.id(), 10, "not-a-digest", {"0123456789"}).code() == StatusCode::INVALID_ARGUMENT);
  CHECK(alice.get(image.id()).value.status() == "queued");
  CHECK(cloud.stored_files_of(image.id()).empty());
}
