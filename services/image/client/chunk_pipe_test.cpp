#include "services/image/client/chunk_pipe.h"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <catch2/catch.hpp>

using stratus::image::ChunkPipe;

TEST_CASE("a chunk pipe hands every chunk over, in order") {
  std::string seen;
  {
    ChunkPipe pipe(2, [&](const std::string& chunk) { seen += chunk; });
    for (char c = 'a'; c <= 'z'; ++c) pipe.push(std::string(3, c));
    pipe.drain();
  }
  CHECK(seen.size() == 26 * 3);
  CHECK(seen.substr(0, 6) == "aaabbb");
  CHECK(seen.substr(seen.size() - 3) == "zzz");
}

TEST_CASE("a chunk pipe holds at most `depth` chunks") {
  std::atomic<bool> release{false};
  std::atomic<int> pushed{0};
  ChunkPipe pipe(2, [&](const std::string&) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  std::thread producer([&] {
    for (int i = 0; i < 5; ++i) {
      pipe.push("x");
      ++pushed;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(pushed == 2);  // the third waits while two are in flight
  release = true;
  producer.join();
  pipe.drain();
  CHECK(pushed == 5);
}

TEST_CASE("a chunk pipe's consumer error comes back to the producer") {
  ChunkPipe pipe(2, [&](const std::string& chunk) {
    if (chunk == "bad") throw std::runtime_error("disk full");
  });
  pipe.push("good");
  pipe.push("bad");
  CHECK_THROWS_WITH([&] {
    for (int i = 0; i < 10; ++i) pipe.push("more");
    pipe.drain();
  }(), "disk full");
}
