#pragma once
// What the image API tests share: a small cloud of real processes (stratus-identity and
// stratus-image, each on a database of its own, the image store in a temporary directory),
// projects with members created through identity's API, and a client of the image API that
// carries one caller's token.
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <grpcpp/grpcpp.h>

#include "identity/v1/identity.grpc.pb.h"
#include "image/v1/image.grpc.pb.h"
#include "tests/support/identity_setup.h"
#include "tests/support/reply.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"

namespace stratus::image_test {

namespace v1 = cloud::image::v1;
namespace idv1 = cloud::identity::v1;
using Stub = v1::Images::Stub;
using grpc::StatusCode;
using Env = std::map<std::string, std::string>;


using test_support::describe;
using test_support::must;
using test_support::Reply;

// The image API as one caller (a token scoped to one project).
class ImageClient {
 public:
  ImageClient(const std::string& address, std::string token, std::string project_id);

  const std::string& project_id() const { return project_id_; }
  const std::string& token() const { return token_; }

  template <typename Request, typename Response>
  Reply<Response> call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                       const Request& request) const {
    grpc::ClientContext context;
    prepare(context);
    Reply<Response> reply;
    reply.status = ((*stub_).*method)(&context, request, &reply.value);
    return reply;
  }

  Reply<v1::Image> create(const std::string& name, const std::string& disk_format = "raw",
                          const std::string& visibility = "") const;
  Reply<v1::Image> get(const std::string& image) const;
  Reply<v1::Empty> remove(const std::string& image) const;
  Reply<v1::ListImagesResponse> list(const v1::ListImagesRequest& request = {}) const;
  Reply<v1::Image> update(const v1::UpdateImageRequest& request) const;
  // Streams `chunks` after a start message declaring `size` and `sha256`.
  Reply<v1::Image> upload_chunks(const std::string& image, uint64_t size, const std::string& sha256,
                                 const std::vector<std::string>& chunks) const;
  // Uploads `bytes` in 64 KiB chunks, declaring them truthfully.
  Reply<v1::Image> upload(const std::string& image, const std::string& bytes) const;
  // Everything from `offset` to the end, concatenated.
  Reply<std::string> download(const std::string& image, uint64_t offset = 0) const;
  // Creates a raw image and uploads `bytes` into it; returns the active image.
  v1::Image create_active(const std::string& name, const std::string& bytes, const std::string& visibility = "") const;

  Stub& stub() const { return *stub_; }
  void prepare(grpc::ClientContext& context) const;

 private:
  std::shared_ptr<Stub> stub_;
  std::string token_;
  std::string project_id_;
};

// stratus-identity, a real process on its own database, started once per test binary and
// shared by every ImageCloud: projects and users get unique names, so nothing collides.
struct SharedIdentity {
  static SharedIdentity& instance();
  SharedIdentity();
  test_support::TestDatabase db;
  std::unique_ptr<test_support::ServiceProcess> process;
  std::unique_ptr<test_support::IdentitySetup> setup;
};

// A stratus-image process on its own database, with the store in a temporary directory, and
// the shared identity. Its service user is the bootstrap admin.
//   ImageCloud::shared()   one image process for the test cases that only look at their own
//                          projects' images (most of them): starting processes is what takes time
//   ImageCloud cloud(env)  a fresh one, for settings of its own, restarts, or whole-cloud views
class ImageCloud {
 public:
  explicit ImageCloud(Env image_env = {});
  ~ImageCloud();
  static ImageCloud& shared();

  // A new project with one member (or `role`) user; a client acting as that user.
  ImageClient project_member(const std::string& label, const std::string& role = "member");
  // The bootstrap admin, scoped to the admin project (also what compute's service user is).
  ImageClient admin() const { return client(identity_.setup->admin_token(), identity_.setup->admin_project_id()); }
  ImageClient client(const std::string& token, const std::string& project_id) const;

  // Restarts stratus-image on the same database and store; `kill_first` sends SIGKILL
  // instead of SIGTERM, as a crash would.
  void restart_image(bool kill_first);
  test_support::ServiceProcess& image_process() { return *image_; }

  const std::filesystem::path& store_dir() const { return store_dir_; }
  // Names of the files in the store directory.
  std::vector<std::string> stored_files() const;
  // Names of the store's files of one image (`<id>`, `<id>.partial`): what a test on the
  // shared cloud checks, since other tests' images share the directory.
  std::vector<std::string> stored_files_of(const std::string& image_id) const;

 private:
  void start_image();
  SharedIdentity& identity_;
  test_support::TestDatabase image_db_;
  std::filesystem::path store_dir_;
  Env image_env_;
  std::unique_ptr<test_support::ServiceProcess> image_;
};

std::string sha256_hex(const std::string& bytes);
// `size` bytes of a repeating, position-dependent pattern (so offsets matter).
std::string pattern_bytes(size_t size, unsigned seed = 1);
std::vector<std::string> image_names(const v1::ListImagesResponse& list);
// Polls GetImage until the image has `status` (true) or `timeout` passes.
bool becomes(const ImageClient& client, const std::string& image, const std::string& status,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace stratus::image_test

namespace Catch {
template <>
struct StringMaker<grpc::StatusCode> {
  static std::string convert(grpc::StatusCode code);
};
}  // namespace Catch
