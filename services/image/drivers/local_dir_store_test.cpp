#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include "common/error/error.h"
#include "services/image/drivers/local_dir_store.h"

using namespace stratus::image;
namespace fs = std::filesystem;

namespace {

const std::string kId = "11111111-2222-3333-4444-555555555555";

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("image-store-test-" + std::to_string(std::random_device()()));
  ~TempDir() { fs::remove_all(path); }
};

std::string read_all(ImageStore& store, uint64_t offset) {
  auto reader = store.open_read(kId, offset);
  std::string out;
  char buffer[3];
  for (size_t n; (n = reader->read(buffer, sizeof buffer)) > 0;) out.append(buffer, n);
  return out;
}

size_t files_in(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("committed bytes read back from any offset") {
  TempDir dir;
  LocalDirStore store(dir.path.string());
  auto writer = store.begin_write(kId);
  writer->write("hello ", 6);
  writer->write("world", 5);
  CHECK_FALSE(store.exists(kId));  // invisible until commit
  writer->commit();
  CHECK(store.exists(kId));
  CHECK(read_all(store, 0) == "hello world");
  CHECK(read_all(store, 6) == "world");
  CHECK(read_all(store, 11).empty());
  CHECK(files_in(dir.path) == 1);
}

TEST_CASE("an aborted or abandoned write leaves no file behind") {
  TempDir dir;
  LocalDirStore store(dir.path.string());
  store.begin_write(kId)->write("partial", 7);  // destroyed without commit
  CHECK(files_in(dir.path) == 0);
  auto writer = store.begin_write(kId);
  writer->write("x", 1);
  writer->abort();
  writer->abort();
  CHECK(files_in(dir.path) == 0);
  CHECK_THROWS_AS(store.open_read(kId, 0), stratus::Error);
}

TEST_CASE("remove drops committed and partial bytes and is idempotent") {
  TempDir dir;
  LocalDirStore store(dir.path.string());
  auto writer = store.begin_write(kId);
  writer->write("abc", 3);
  writer->commit();
  std::ofstream(store.partial_path(kId)) << "leftover";
  store.remove(kId);
  store.remove(kId);
  CHECK(files_in(dir.path) == 0);
}

TEST_CASE("ids that are not UUIDs never become file names") {
  TempDir dir;
  LocalDirStore store(dir.path.string());
  CHECK_THROWS_AS(store.begin_write("../etc/passwd"), stratus::Error);
  CHECK_THROWS_AS(store.remove("x"), stratus::Error);
}
