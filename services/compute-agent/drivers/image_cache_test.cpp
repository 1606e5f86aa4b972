#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/error/error.h"
#include "services/compute-agent/drivers/disks.h"
#include "services/image/client/sha256.h"

using namespace stratus::compute_agent;
namespace fs = std::filesystem;

namespace {

const std::string kImage = "0f1e2d3c-4b5a-4968-8776-655443322110";
const std::string kOther = "1f1e2d3c-4b5a-4968-8776-655443322110";

struct TempDir {
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "stratus-cache-test-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

std::string sha256_of(const std::string& text) {
  stratus::image::Sha256 hash;
  hash.update(text.data(), text.size());
  return hash.hex_digest();
}

// Writes `content` and claims the sha256 of `claimed`.
ImageFetcher fetcher_of(const std::string& content, const std::string& claimed, std::atomic<int>& calls) {
  return [content, claimed, &calls](const std::string&, const std::string& destination) {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // widens the race window
    std::ofstream(destination, std::ios::binary) << content;
    return sha256_of(claimed);
  };
}

size_t files_in(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("an image is fetched once, verified, and then served from the cache") {
  TempDir dir;
  std::atomic<int> calls{0};
  FileImageCache cache((dir.path / "cache").string());
  auto fetch = fetcher_of("image bytes", "image bytes", calls);
  auto path = cache.acquire(kImage, fetch);
  CHECK(path == (dir.path / "cache" / kImage).string());
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(content == "image bytes");
  CHECK(cache.acquire(kImage, fetch) == path);
  CHECK(calls == 1);
}

TEST_CASE("concurrent requests for one image download it once") {
  TempDir dir;
  std::atomic<int> calls{0};
  FileImageCache cache(dir.path.string());
  auto fetch = fetcher_of("x", "x", calls);
  std::vector<std::thread> threads;
  std::vector<std::string> paths(8);
  for (size_t i = 0; i < paths.size(); ++i) threads.emplace_back([&, i] { paths[i] = cache.acquire(kImage, fetch); });
  for (auto& t : threads) t.join();
  CHECK(calls == 1);
  for (const auto& p : paths) CHECK(p == (dir.path / kImage).string());
}

TEST_CASE("bytes that do not match the image's sha256 are thrown away, for every waiter") {
  TempDir dir;
  std::atomic<int> calls{0};
  FileImageCache cache(dir.path.string());
  auto fetch = fetcher_of("corrupted", "original", calls);
  CHECK_THROWS_WITH(cache.acquire(kImage, fetch), Catch::Contains("sha256"));
  CHECK(files_in(dir.path) == 0);  // neither the image nor a partial file
  CHECK_THROWS(cache.acquire(kImage, fetch));
  CHECK(calls == 2);  // a failure is not cached: the next request tries again
}

TEST_CASE("a failing fetcher leaves nothing behind") {
  TempDir dir;
  FileImageCache cache(dir.path.string());
  ImageFetcher fetch = [](const std::string&, const std::string& destination) -> std::string {
    std::ofstream(destination) << "half";
    throw stratus::unavailable("image service down");
  };
  CHECK_THROWS_WITH(cache.acquire(kImage, fetch), Catch::Contains("image service down"));
  CHECK(files_in(dir.path) == 0);
}

TEST_CASE("image ids must be UUIDs, so no id can name a path outside the cache") {
  TempDir dir;
  std::atomic<int> calls{0};
  FileImageCache cache(dir.path.string());
  auto fetch = fetcher_of("x", "x", calls);
  CHECK_THROWS_AS(cache.acquire("../../etc/passwd", fetch), stratus::Error);
  CHECK_THROWS_AS(cache.acquire("0F1E2D3C-4B5A-4968-8776-655443322110", fetch), stratus::Error);
  CHECK(calls == 0);
}

TEST_CASE("cleanup removes images unused for longer than the limit, never ones in use") {
  TempDir dir;
  std::atomic<int> calls{0};
  FileImageCache cache(dir.path.string());
  auto fetch = fetcher_of("x", "x", calls);
  auto used = cache.acquire(kImage, fetch);
  auto unused = cache.acquire(kOther, fetch);
  // Recently used: kept whatever the overlays say.
  CHECK(cache.remove_unused({}, std::chrono::hours(1)).empty());
  // Age both past the limit: the one an overlay is built on stays.
  auto old = fs::file_time_type::clock::now() - std::chrono::hours(2);
  fs::last_write_time(used, old);
  fs::last_write_time(unused, old);
  std::ofstream(dir.path / ("." + kOther + ".partial-1-0")) << "left by a crash";
  fs::last_write_time(dir.path / ("." + kOther + ".partial-1-0"), old);
  auto removed = cache.remove_unused({used}, std::chrono::hours(1));
  CHECK(removed == std::set<std::string>{kOther});
  CHECK(fs::exists(used));
  CHECK_FALSE(fs::exists(unused));
  CHECK_FALSE(fs::exists(dir.path / ("." + kOther + ".partial-1-0")));
  // Acquiring again refetches the removed one.
  cache.acquire(kOther, fetch);
  CHECK(calls == 3);
}
