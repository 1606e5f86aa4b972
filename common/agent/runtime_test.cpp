#include <catch2/catch.hpp>

#include <atomic>
#include <iostream>

#include "common/agent/runtime.h"
#include "common/agent/work_queue.h"
#include "common/error/error.h"

using namespace stratus;
using namespace stratus::agent;
using namespace std::chrono_literals;

namespace {
log::Logger test_logger() {
  return log::Logger("test", log::Level::Warn, log::Format::Text, std::make_shared<log::Sink>(std::cerr));
}
}  // namespace

TEST_CASE("a worker starts only once the host view is synced", "[unit][agent]") {
  AgentRuntime runtime("test-agent", "node-1", test_logger());
  WorkQueue queue;
  std::atomic<bool> worker_ran{false};
  runtime.on_shutdown([&] { queue.shut_down(); });
  runtime.start_worker("worker", [&] {
    worker_ran = true;
    while (!queue.get_batch(10).empty()) {
    }
  });
  CHECK_FALSE(runtime.synced().is_open());
  CHECK_FALSE(runtime.ready());
  CHECK_FALSE(worker_ran);
  runtime.mark_synced();
  CHECK(runtime.synced().wait_for(10s));
  CHECK(runtime.ready());  // no bus consumer: synced is ready
  runtime.shut_down();      // returns: the hook shut the queue, the worker returned
  CHECK(worker_ran);
}

TEST_CASE("a worker never starts when shutdown comes before sync", "[unit][agent]") {
  std::atomic<bool> worker_ran{false};
  {
    AgentRuntime runtime("test-agent", "node-1", test_logger());
    runtime.start_worker("worker", [&] { worker_ran = true; });
    runtime.shut_down();
  }
  CHECK_FALSE(worker_ran);
}

TEST_CASE("shutdown runs the hooks in order, then joins the threads", "[unit][agent]") {
  std::vector<std::string> order;
  std::mutex mutex;
  auto note = [&](const std::string& what) {
    std::lock_guard lock(mutex);
    order.push_back(what);
  };
  SyncedGate session_closed;
  {
    AgentRuntime runtime("test-agent", "node-1", test_logger());
    runtime.start_thread("session", [&] {
      session_closed.wait();
      note("session returned");
    });
    runtime.on_shutdown([&] { note("first hook"); });
    runtime.on_shutdown([&] {
      note("second hook");
      session_closed.open();
    });
  }
  CHECK(order == std::vector<std::string>{"first hook", "second hook", "session returned"});
}

TEST_CASE("host names that could widen a binding are refused", "[unit][agent]") {
  for (const std::string& bad : std::vector<std::string>{"", "node*", "node#", "a..b", ".a", "a.", "with space", std::string(254, 'a')})
    CHECK_THROWS_AS(AgentRuntime("test-agent", bad, test_logger()), Error);
  CHECK_NOTHROW(AgentRuntime("test-agent", "node-1.rack_2.example", test_logger()));
}
