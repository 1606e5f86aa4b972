#include "services/compute/console/console_broker.h"

#include <catch2/catch.hpp>
#include <thread>

using namespace stratus::compute;
using namespace std::chrono_literals;

TEST_CASE("a console session pairs only with the agent of its instance's host, once") {
  ConsoleBroker broker;
  auto session = broker.open("instance-1", "host-a");
  CHECK(broker.attach(session->id, "host-b") == nullptr);  // another host's agent
  CHECK(broker.attach("no-such-session", "host-a") == nullptr);
  auto attached = broker.attach(session->id, "host-a");
  REQUIRE(attached == session);
  CHECK(session->wait_attached(0ms));
  CHECK(broker.attach(session->id, "host-a") == nullptr);  // a second tunnel
  broker.end(session);
  CHECK(broker.size() == 0);
}

TEST_CASE("a new session of the same instance takes the console over and ends the older one") {
  ConsoleBroker broker;
  auto first = broker.open("instance-1", "host-a");
  auto other_instance = broker.open("instance-2", "host-a");
  auto second = broker.open("instance-1", "host-a");
  CHECK(broker.size() == 2);
  std::string chunk;
  bool closed = false;
  REQUIRE(first->to_user.pop(chunk, 0ms, closed));
  CHECK(chunk.find("taken over by another session") != std::string::npos);
  CHECK_FALSE(first->to_user.pop(chunk, 0ms, closed));
  CHECK(closed);
  CHECK(broker.attach(first->id, "host-a") == nullptr);
  CHECK_FALSE(second->to_user.pop(chunk, 0ms, closed));
  CHECK_FALSE(closed);
  CHECK_FALSE(other_instance->to_user.pop(chunk, 0ms, closed));
  CHECK_FALSE(closed);
}

TEST_CASE("a session the agent never attaches to times out, and one that ends wakes its waiter") {
  ConsoleBroker broker;
  auto lonely = broker.open("instance-1", "host-a");
  CHECK_FALSE(lonely->wait_attached(20ms));
  auto ending = broker.open("instance-2", "host-a");
  std::thread ender([&] {
    std::this_thread::sleep_for(20ms);
    broker.end(ending);
  });
  CHECK_FALSE(ending->wait_attached(10s));  // returns at the end, not after 10 s
  ender.join();
}

TEST_CASE("a pipe keeps chunks in order, drains after close, and refuses beyond its bound") {
  ConsolePipe pipe(8);
  CHECK(pipe.push("abc"));
  CHECK(pipe.push("defgh"));
  CHECK_FALSE(pipe.push("i"));  // 9 bytes would exceed 8
  pipe.close();
  CHECK_FALSE(pipe.push("j"));
  std::string chunk;
  bool closed = false;
  REQUIRE(pipe.pop(chunk, 0ms, closed));
  CHECK(chunk == "abc");
  REQUIRE(pipe.pop(chunk, 0ms, closed));
  CHECK(chunk == "defgh");
  CHECK_FALSE(pipe.pop(chunk, 0ms, closed));
  CHECK(closed);
}
