// Image upload and download throughput through the real service, against a plain file copy
// on the same disk in the same run, and the service's peak RSS. Prints figures; asserts nothing.
//
//   image_bench [--dir DIR] [--sizes MIB,MIB,...]       (default: build dir, 256,1024)
//
// Needs PostgreSQL (STRATUS_TEST_PG_URL, e.g. the `postgres` test fixture) and starts its own
// stratus-identity and stratus-image. The service's peak RSS is its VmHWM after each size, so
// equal figures for a small and a large image show memory independent of image size.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "identity/v1/identity.grpc.pb.h"
#include "services/image/client/sha256.h"
#include "services/image/client/transfer.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"

namespace fs = std::filesystem;
namespace v1 = cloud::image::v1;
namespace idv1 = cloud::identity::v1;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kAdminPassword = "Bench-Admin-Pw-1";

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void write_random_file(const std::string& path, uint64_t bytes) {
  std::ofstream out(path, std::ios::binary);
  std::vector<char> block(1 << 20);
  uint64_t x = 88172645463325252ULL;
  for (uint64_t done = 0; done < bytes; done += block.size()) {
    for (size_t i = 0; i < block.size(); i += 8) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      std::memcpy(&block[i], &x, 8);
    }
    out.write(block.data(), static_cast<std::streamsize>(std::min<uint64_t>(block.size(), bytes - done)));
  }
}

void fsync_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  ::fsync(fd);
  ::close(fd);
}

long status_kib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

void drop_from_cache(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

struct Options {
  std::string dir = STRATUS_BENCH_DIR;
  std::vector<uint64_t> sizes_mib = {256, 1024};
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--dir") o.dir = argv[i + 1];
    else if (flag == "--sizes") {
      o.sizes_mib.clear();
      std::stringstream in(argv[i + 1]);
      for (std::string item; std::getline(in, item, ',');) o.sizes_mib.push_back(std::stoull(item));
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse(argc, argv);
  fs::path work = fs::path(options.dir) / "image-bench";
  fs::create_directories(work);
  fs::path store = work / "store";

  stratus::test_support::TestDatabase identity_db, image_db;
  stratus::test_support::ServiceOptions id_opts;
  id_opts.binary = STRATUS_IDENTITY_BIN;
  id_opts.db_url = identity_db.url();
  id_opts.bus_url = "";
  id_opts.env["STRATUS_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD"] = kAdminPassword;
  stratus::test_support::ServiceProcess identity(id_opts);

  stratus::test_support::ServiceOptions im_opts;
  im_opts.binary = STRATUS_IMAGE_BIN;
  im_opts.db_url = image_db.url();
  im_opts.bus_url = "";
  im_opts.env = {{"STRATUS_IDENTITY_URL", identity.address()},
                 {"STRATUS_IDENTITY_SERVICE_USER", "admin"},
                 {"STRATUS_IDENTITY_SERVICE_PASSWORD", kAdminPassword},
                 {"STRATUS_IDENTITY_SERVICE_PROJECT", "admin"},
                 {"STRATUS_IMAGE_STORE_DIR", store.string()},
                 {"STRATUS_IMAGE_QUOTA_BYTES", std::to_string(1L << 40)}};
  stratus::test_support::ServiceProcess image(im_opts);

  auto id_stub = idv1::Identity::NewStub(grpc::CreateChannel(identity.address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext login_ctx;
  idv1::AuthenticateRequest login;
  login.mutable_password()->set_username("admin");
  login.mutable_password()->set_password(kAdminPassword);
  idv1::Token token;
  if (!id_stub->Authenticate(&login_ctx, login, &token).ok()) return 1;
  auto channel = grpc::CreateChannel(image.address(), grpc::InsecureChannelCredentials());
  auto stub = v1::Images::NewStub(channel);

  std::printf("%-6s %-9s %10s %10s %10s %10s %10s %8s %8s %12s\n", "MiB", "direction", "cp MB/s", "cp+fsync",
              "image MB/s", "ratio cp", "ratio sync", "", "", "service HWM");
  for (uint64_t mib : options.sizes_mib) {
    uint64_t bytes = mib << 20;
    std::string source = (work / "source.img").string(), copy = (work / "copy.img").string(),
                fetched = (work / "fetched.img").string();
    write_random_file(source, bytes);
    fsync_file(source);

    auto t = Clock::now();
    std::system(("cp " + source + " " + copy).c_str());
    double cp_s = seconds_since(t);
    fsync_file(copy);
    double cp_sync_s = seconds_since(t);
    fs::remove(copy);

    t = Clock::now();
    std::string digest = stratus::image::sha256_of_file(source);
    double hash_s = seconds_since(t);

    v1::CreateImageRequest create;
    create.set_name("bench-" + std::to_string(mib));
    create.set_disk_format("raw");
    grpc::ClientContext create_ctx;
    create_ctx.AddMetadata("authorization", "Bearer " + token.token());
    v1::Image created, uploaded;
    if (!stub->CreateImage(&create_ctx, create, &created).ok()) return 1;

    grpc::ClientContext up_ctx;
    up_ctx.AddMetadata("authorization", "Bearer " + token.token());
    t = Clock::now();
    auto status = stratus::image::upload_file(*stub, up_ctx, created.id(), source, digest, nullptr, &uploaded);
    double up_s = seconds_since(t);
    if (!status.ok()) {
      std::cerr << "upload failed: " << status.error_message() << "\n" << image.log_tail();
      return 1;
    }
    long hwm_up = status_kib(image.pid(), "VmHWM");

    drop_from_cache((store / created.id()).string());
    grpc::ClientContext down_ctx;
    down_ctx.AddMetadata("authorization", "Bearer " + token.token());
    t = Clock::now();
    status = stratus::image::download_file(*stub, down_ctx, created.id(), fetched, false, nullptr);
    double down_s = seconds_since(t);
    if (!status.ok()) {
      std::cerr << "download failed: " << status.error_message() << "\n";
      return 1;
    }
    long hwm_down = status_kib(image.pid(), "VmHWM");

    auto mbps = [&](double s) { return static_cast<double>(bytes) / 1e6 / s; };
    std::printf("%-6lu %-9s %10.0f %10.0f %10.0f %10.2f %10.2f %8s %8s %9ld KiB\n", static_cast<unsigned long>(mib),
                "upload", mbps(cp_s), mbps(cp_sync_s), mbps(up_s), cp_s / up_s, cp_sync_s / up_s, "", "", hwm_up);
    std::printf("%-6lu %-9s %10.0f %10.0f %10.0f %10.2f %10.2f %8s %8s %9ld KiB\n", static_cast<unsigned long>(mib),
                "download", mbps(cp_s), mbps(cp_sync_s), mbps(down_s), cp_s / down_s, cp_sync_s / down_s, "", "",
                hwm_down);
    std::printf("%-6lu client sha256 of the source (before upload, not in the upload time): %.0f MB/s\n",
                static_cast<unsigned long>(mib), mbps(hash_s));
    fs::remove(source);
    fs::remove(fetched);
  }
  fs::remove_all(work);
  return 0;
}
