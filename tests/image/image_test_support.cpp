#include "tests/image/image_test_support.h"

#include <signal.h>

#include <random>
#include <thread>

#include "common/rpc/status.h"
#include "services/image/client/sha256.h"

namespace stratus::image_test {
namespace fs = std::filesystem;
namespace {

constexpr auto kCallTimeout = std::chrono::seconds(30);

std::string unique_suffix() {
  static std::mt19937 random(std::random_device{}());
  return std::to_string(random());  // many projects share one identity: no collisions
}

}  // namespace

// ---------------------------------------------------------------- ImageClient

ImageClient::ImageClient(const std::string& address, std::string token, std::string project_id)
    : stub_(v1::Images::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
      token_(std::move(token)),
      project_id_(std::move(project_id)) {}

void ImageClient::prepare(grpc::ClientContext& context) const {
  context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  context.AddMetadata("authorization", "Bearer " + token_);
}

Reply<v1::Image> ImageClient::create(const std::string& name, const std::string& disk_format,
                                     const std::string& visibility) const {
  v1::CreateImageRequest request;
  request.set_name(name);
  request.set_disk_format(disk_format);
  request.set_visibility(visibility);
  return call(&Stub::CreateImage, request);
}

Reply<v1::Image> ImageClient::get(const std::string& image) const {
  v1::GetImageRequest request;
  request.set_image(image);
  return call(&Stub::GetImage, request);
}

Reply<v1::Empty> ImageClient::remove(const std::string& image) const {
  v1::DeleteImageRequest request;
  request.set_image(image);
  return call(&Stub::DeleteImage, request);
}

Reply<v1::ListImagesResponse> ImageClient::list(const v1::ListImagesRequest& request) const {
  return call(&Stub::ListImages, request);
}

Reply<v1::Image> ImageClient::update(const v1::UpdateImageRequest& request) const {
  return call(&Stub::UpdateImage, request);
}

Reply<v1::Image> ImageClient::upload_chunks(const std::string& image, uint64_t size, const std::string& sha256,
                                            const std::vector<std::string>& chunks) const {
  grpc::ClientContext context;
  prepare(context);
  Reply<v1::Image> reply;
  auto stream = stub_->Upload(&context, &reply.value);
  v1::UploadRequest message;
  message.mutable_start()->set_image(image);
  message.mutable_start()->set_size(size);
  message.mutable_start()->set_sha256(sha256);
  bool open = stream->Write(message);
  for (const auto& chunk : chunks) {
    if (!open) break;
    message.set_data(chunk);
    open = stream->Write(message);
  }
  stream->WritesDone();
  reply.status = stream->Finish();
  return reply;
}

Reply<v1::Image> ImageClient::upload(const std::string& image, const std::string& bytes) const {
  std::vector<std::string> chunks;
  for (size_t at = 0; at < bytes.size(); at += 64 * 1024) chunks.push_back(bytes.substr(at, 64 * 1024));
  return upload_chunks(image, bytes.size(), sha256_hex(bytes), chunks);
}

Reply<std::string> ImageClient::download(const std::string& image, uint64_t offset) const {
  grpc::ClientContext context;
  prepare(context);
  v1::DownloadRequest request;
  request.set_image(image);
  request.set_offset(offset);
  auto stream = stub_->Download(&context, request);
  Reply<std::string> reply;
  v1::DownloadChunk chunk;
  while (stream->Read(&chunk)) reply.value += chunk.data();
  reply.status = stream->Finish();
  return reply;
}

v1::Image ImageClient::create_active(const std::string& name, const std::string& bytes,
                                     const std::string& visibility) const {
  auto image = must(create(name, "raw", visibility), "creating image " + name);
  return must(upload(image.id(), bytes), "uploading image " + name);
}

// ---------------------------------------------------------------- ImageCloud

SharedIdentity& SharedIdentity::instance() {
  static SharedIdentity identity;
  return identity;
}

SharedIdentity::SharedIdentity()
    : process(std::make_unique<test_support::ServiceProcess>(
          test_support::identity_service_options(STRATUS_IDENTITY_BIN, db.url()))),
      setup(std::make_unique<test_support::IdentitySetup>(process->address())) {}

ImageCloud& ImageCloud::shared() {
  static ImageCloud cloud;
  return cloud;
}

ImageCloud::ImageCloud(Env image_env)
    : identity_(SharedIdentity::instance()),
      store_dir_(fs::temp_directory_path() / ("stratus-image-store-" + unique_suffix())),
      image_env_(std::move(image_env)) {
  start_image();
}

ImageCloud::~ImageCloud() {
  image_.reset();
  std::error_code ignored;
  fs::remove_all(store_dir_, ignored);
}

void ImageCloud::start_image() {
  test_support::ServiceOptions options;
  options.binary = STRATUS_IMAGE_BIN;
  options.db_url = image_db_.url();
  test_support::use_admin_as_service_user(options, identity_.process->address());
  options.env["STRATUS_IMAGE_STORE_DIR"] = store_dir_.string();
  for (const auto& [name, value] : image_env_) options.env[name] = value;
  image_ = std::make_unique<test_support::ServiceProcess>(options);
}

void ImageCloud::restart_image(bool kill_first) {
  if (kill_first) ::kill(image_->pid(), SIGKILL);
  image_->stop();
  image_.reset();
  start_image();
}

ImageClient ImageCloud::client(const std::string& token, const std::string& project_id) const {
  return ImageClient(image_->address(), token, project_id);
}

ImageClient ImageCloud::project_member(const std::string& label, const std::string& role) {
  auto member = identity_.setup->create_member("proj-" + label + "-" + unique_suffix(), role);
  return client(member.token, member.project_id);
}

std::vector<std::string> ImageCloud::stored_files() const {
  std::vector<std::string> names;
  if (!fs::exists(store_dir_)) return names;
  for (const auto& entry : fs::directory_iterator(store_dir_)) names.push_back(entry.path().filename().string());
  return names;
}

std::vector<std::string> ImageCloud::stored_files_of(const std::string& image_id) const {
  std::vector<std::string> names;
  for (auto& name : stored_files())
    if (name.rfind(image_id, 0) == 0) names.push_back(name);
  return names;
}

// ---------------------------------------------------------------- helpers

std::string sha256_hex(const std::string& bytes) {
  image::Sha256 hash;
  hash.update(bytes.data(), bytes.size());
  return hash.hex_digest();
}

std::string pattern_bytes(size_t size, unsigned seed) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 31 + seed * 7 + (i >> 10)) & 0xff);
  return bytes;
}

std::vector<std::string> image_names(const v1::ListImagesResponse& list) {
  std::vector<std::string> names;
  for (const auto& i : list.images()) names.push_back(i.name());
  return names;
}

bool becomes(const ImageClient& client, const std::string& image, const std::string& status,
             std::chrono::milliseconds timeout) {
  return test_support::eventually(
      [&] {
        auto reply = client.get(image);
        return reply.ok() && reply.value.status() == status;
      },
      timeout);
}

}  // namespace stratus::image_test

std::string Catch::StringMaker<grpc::StatusCode>::convert(grpc::StatusCode code) {
  return stratus::rpc::grpc_code_name(code);
}
