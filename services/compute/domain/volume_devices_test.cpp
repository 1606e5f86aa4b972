#include "services/compute/domain/volume_devices.h"

#include <functional>

#include <catch2/catch.hpp>

#include "common/error/error.h"

using namespace stratus;
using namespace stratus::compute;

namespace {
// The code of the Error `f` throws; Internal when it throws none (never expected here).
ErrorCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::Internal;
}
}  // namespace

TEST_CASE("volumes come after the flavor's root, ephemeral and swap disks") {
  CHECK(flavor_devices(0, 0) == std::vector<std::string>{"/dev/vda"});
  CHECK(flavor_devices(1, 0) == std::vector<std::string>{"/dev/vda", "/dev/vdb"});
  CHECK(flavor_devices(0, 512) == std::vector<std::string>{"/dev/vda", "/dev/vdb"});
  CHECK(flavor_devices(1, 512) == std::vector<std::string>{"/dev/vda", "/dev/vdb", "/dev/vdc"});
  CHECK(choose_device(0, 0, {}, "") == "/dev/vdb");
  CHECK(choose_device(1, 512, {}, "") == "/dev/vdd");
}

TEST_CASE("the next free name is taken, gaps first") {
  CHECK(choose_device(0, 0, {"/dev/vdb"}, "") == "/dev/vdc");
  CHECK(choose_device(0, 0, {"/dev/vdc"}, "") == "/dev/vdb");
  std::vector<std::string> all;
  for (char c = 'b'; c <= 'z'; ++c) all.push_back(std::string("/dev/vd") + c);
  CHECK(code_of([&] { choose_device(0, 0, all, ""); }) == ErrorCode::ResourceExhausted);
}

TEST_CASE("a requested device is checked") {
  CHECK(choose_device(0, 0, {}, "/dev/vdf") == "/dev/vdf");
  CHECK(choose_device(0, 0, {}, "vdf") == "/dev/vdf");
  CHECK(code_of([] { choose_device(0, 0, {}, "/dev/sdb"); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { choose_device(0, 0, {}, "/dev/vd"); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { choose_device(0, 0, {}, "/dev/vdb1"); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { choose_device(0, 0, {}, "../etc"); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { choose_device(0, 0, {}, "/dev/vda"); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { choose_device(1, 0, {}, "/dev/vdb"); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { choose_device(0, 0, {"/dev/vdc"}, "/dev/vdc"); }) == ErrorCode::AlreadyExists);
}

TEST_CASE("the domain's target dev drops /dev/") {
  CHECK(target_dev("/dev/vdb") == "vdb");
  CHECK(target_dev("vdc") == "vdc");
}
