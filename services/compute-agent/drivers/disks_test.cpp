#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/error/error.h"
#include "services/compute-agent/drivers/disks.h"
#include "common/process/run.h"

using namespace stratus::compute_agent;
namespace fs = std::filesystem;

namespace {

const std::string kInstance = "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d";

struct TempDir {
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "stratus-disks-test-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

std::string info(const std::string& path, const std::string& field) {
  auto out = stratus::process::run_or_throw({"qemu-img", "info", "--output=json", path});
  auto at = out.find("\"" + field + "\"");
  REQUIRE(at != std::string::npos);
  auto colon = out.find(':', at);
  auto end = out.find_first_of(",\n}", colon);
  std::string value = out.substr(colon + 1, end - colon - 1);
  value.erase(0, value.find_first_not_of(" \""));
  value.erase(value.find_last_not_of(" \"") + 1);
  return value;
}

InstanceDisksSpec spec_on(const fs::path& base) {
  InstanceDisksSpec spec;
  spec.instance_uuid = kInstance;
  spec.base_image_path = base.string();
  spec.base_image_format = "raw";
  spec.root_gib = 1;
  spec.ephemeral_gib = 2;
  spec.swap_mib = 64;
  stratus::configdrive::ConfigDriveContent content;
  content.uuid = kInstance;
  content.hostname = "disk-test";
  spec.config_drive = content;
  return spec;
}

}  // namespace

TEST_CASE("an instance gets a qcow2 overlay grown to the flavor, ephemeral, swap and config drive") {
  TempDir dir;
  const fs::path base = dir.path / "base.raw";
  stratus::process::run_or_throw({"qemu-img", "create", "-q", "-f", "raw", base.string(), "16M"});
  QcowDiskManager disks((dir.path / "instances").string());

  auto made = disks.prepare(spec_on(base));
  CHECK(made.directory == (dir.path / "instances" / kInstance).string());
  CHECK(info(made.root, "format") == "qcow2");
  CHECK(info(made.root, "backing-filename") == base.string());
  CHECK(info(made.root, "backing-filename-format") == "raw");
  CHECK(info(made.root, "virtual-size") == std::to_string(1ull << 30));
  REQUIRE(made.ephemeral);
  CHECK(info(*made.ephemeral, "virtual-size") == std::to_string(2ull << 30));
  REQUIRE(made.swap);
  CHECK(info(*made.swap, "virtual-size") == std::to_string(64ull << 20));
  REQUIRE(made.config_drive);
  CHECK(fs::file_size(*made.config_drive) > 0);
  CHECK(made.console_log == (dir.path / "instances" / kInstance / "console.log").string());
  CHECK(disks.instance_uuids() == std::vector<std::string>{kInstance});
  CHECK(disks.base_images_in_use() == std::set<std::string>{base.string()});
  // QEMU runs as another user: the directories must let it through.
  struct stat st {};
  REQUIRE(stat(made.directory.c_str(), &st) == 0);
  CHECK((st.st_mode & 0005) == 0005);
}

TEST_CASE("preparing again keeps the root disk the guest wrote to") {
  TempDir dir;
  const fs::path base = dir.path / "base.raw";
  stratus::process::run_or_throw({"qemu-img", "create", "-q", "-f", "raw", base.string(), "16M"});
  QcowDiskManager disks((dir.path / "instances").string());
  auto made = disks.prepare(spec_on(base));
  stratus::process::run_or_throw({"qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 64k", made.root});
  auto size_before = fs::file_size(made.root);
  disks.prepare(spec_on(base));
  CHECK(fs::file_size(made.root) == size_before);
  auto read = stratus::process::run({"qemu-io", "-f", "qcow2", "-c", "read -P 0x5a 0 64k", made.root});
  CHECK(read.status == 0);
  CHECK(read.output.find("Pattern verification failed") == std::string::npos);
}

TEST_CASE("an image smaller than the flavor's root disk is grown, a larger one is kept") {
  TempDir dir;
  const fs::path base = dir.path / "base.raw";
  stratus::process::run_or_throw({"qemu-img", "create", "-q", "-f", "raw", base.string(), "1536M"});
  QcowDiskManager disks((dir.path / "instances").string());
  auto spec = spec_on(base);
  spec.root_gib = 1;
  auto made = disks.prepare(spec);
  CHECK(info(made.root, "virtual-size") == std::to_string(1536ull << 20));
}

TEST_CASE("remove_instance removes every file and is idempotent") {
  TempDir dir;
  const fs::path base = dir.path / "base.raw";
  stratus::process::run_or_throw({"qemu-img", "create", "-q", "-f", "raw", base.string(), "16M"});
  QcowDiskManager disks((dir.path / "instances").string());
  auto made = disks.prepare(spec_on(base));
  disks.remove_instance(kInstance);
  CHECK_FALSE(fs::exists(made.directory));
  CHECK(disks.instance_uuids().empty());
  CHECK(disks.base_images_in_use().empty());
  disks.remove_instance(kInstance);
  CHECK(fs::exists(base));  // the base image belongs to the cache
}

TEST_CASE("a missing base image or a bad instance id changes nothing") {
  TempDir dir;
  QcowDiskManager disks((dir.path / "instances").string());
  auto spec = spec_on(dir.path / "absent.raw");
  CHECK_THROWS_AS(disks.prepare(spec), stratus::Error);
  CHECK_FALSE(fs::exists(dir.path / "instances" / kInstance / "disk"));
  CHECK_THROWS_AS(disks.remove_instance("../.."), stratus::Error);
  spec.instance_uuid = "../x";
  CHECK_THROWS_AS(disks.prepare(spec), stratus::Error);
}
