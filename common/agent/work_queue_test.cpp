// WorkQueue semantics. The back-off runs on an injected clock: nothing here sleeps or times.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "common/agent/work_queue.h"

using namespace stratus::agent;
using namespace std::chrono_literals;
using Keys = std::vector<std::string>;

namespace {

// A clock that moves only when told, and jitter fixed at none.
struct ManualClock {
  WorkQueue::Clock::time_point now{};
  WorkQueue::Options options() {
    WorkQueue::Options o;
    o.backoff = {200ms, 30s, 0.1};
    o.now = [this] { return now; };
    o.random = [] { return 0.0; };
    return o;
  }
};

}  // namespace

TEST_CASE("a key added twice while queued is handed out once", "[unit][agent]") {
  WorkQueue queue;
  queue.add("a");
  queue.add("b");
  queue.add("a");
  CHECK(queue.size() == 2);
  CHECK(queue.try_get_batch(10) == Keys{"a", "b"});
  CHECK(queue.size() == 0);
}

TEST_CASE("get_batch hands out at most max keys, oldest first", "[unit][agent]") {
  WorkQueue queue;
  for (auto key : {"1", "2", "3"}) queue.add(key);
  CHECK(queue.get_batch(2) == Keys{"1", "2"});
  CHECK(queue.get_batch(2) == Keys{"3"});
}

TEST_CASE("a key added while it is processed is processed again after done, not twice at once", "[unit][agent]") {
  WorkQueue queue;
  queue.add("a");
  auto batch = queue.try_get_batch(10);
  REQUIRE(batch == Keys{"a"});
  queue.add("a");  // changed again meanwhile: dirty
  queue.add("a");
  CHECK(queue.size() == 0);  // not handed to a second worker while the first has it
  CHECK(queue.try_get_batch(10).empty());
  queue.done(batch);
  CHECK(queue.size() == 1);
  CHECK(queue.try_get_batch(10) == Keys{"a"});
}

TEST_CASE("a key not re-added is not handed out again after done", "[unit][agent]") {
  WorkQueue queue;
  queue.add("a");
  auto batch = queue.try_get_batch(10);
  queue.done(batch);
  CHECK(queue.size() == 0);
  CHECK(queue.wait_idle(0ms));
}

TEST_CASE("the back-off of a failing key doubles up to its cap and resets on forget", "[unit][agent]") {
  ManualClock clock;
  WorkQueue queue(clock.options());
  CHECK(queue.add_rate_limited("a") == 200ms);
  CHECK(queue.add_rate_limited("a") == 400ms);
  CHECK(queue.add_rate_limited("a") == 800ms);
  CHECK(queue.failures("a") == 3);
  for (int i = 0; i < 20; ++i) queue.add_rate_limited("a");
  CHECK(queue.add_rate_limited("a") == 30s);
  queue.forget("a");
  CHECK(queue.failures("a") == 0);
  CHECK(queue.add_rate_limited("a") == 200ms);
}

TEST_CASE("jitter shortens the back-off by at most its fraction", "[unit][agent]") {
  ManualClock clock;
  auto options = clock.options();
  options.random = [] { return 0.999; };
  WorkQueue queue(options);
  auto delay = queue.add_rate_limited("a");
  CHECK(delay >= 180ms);
  CHECK(delay <= 200ms);
}

TEST_CASE("a rate-limited key comes back after its delay and delays no other key", "[unit][agent]") {
  ManualClock clock;
  WorkQueue queue(clock.options());
  queue.add("bad");
  auto batch = queue.try_get_batch(10);
  queue.add_rate_limited("bad");  // its sync failed
  queue.done(batch);
  queue.add("good");

  CHECK(queue.try_get_batch(10) == Keys{"good"});  // at once, without "bad"
  CHECK(queue.waiting() == 1);
  clock.now += 199ms;
  CHECK(queue.try_get_batch(10).empty());
  clock.now += 1ms;
  CHECK(queue.get_batch(10) == Keys{"bad"});  // due: get_batch does not block
  CHECK(queue.waiting() == 0);
}

TEST_CASE("an add of a key waiting for its back-off queues it now", "[unit][agent]") {
  ManualClock clock;
  WorkQueue queue(clock.options());
  queue.add_rate_limited("a");
  queue.add("a");  // something changed: look now
  CHECK(queue.try_get_batch(10) == Keys{"a"});
  CHECK(queue.waiting() == 0);
  CHECK(queue.failures("a") == 1);  // its back-off still grows until forget
}

TEST_CASE("a key failing while processed and re-added is handed out once after done", "[unit][agent]") {
  ManualClock clock;
  WorkQueue queue(clock.options());
  queue.add("a");
  auto batch = queue.try_get_batch(10);
  queue.add_rate_limited("a");
  clock.now += 1s;               // due while still being processed
  CHECK(queue.try_get_batch(10).empty());
  queue.done(batch);
  CHECK(queue.try_get_batch(10) == Keys{"a"});
  CHECK(queue.try_get_batch(10).empty());
}

TEST_CASE("get_batch blocks until a key is added", "[unit][agent]") {
  WorkQueue queue;
  Keys got;
  std::thread worker([&] { got = queue.get_batch(10); });
  queue.add("a");
  worker.join();
  CHECK(got == Keys{"a"});
}

TEST_CASE("shut_down wakes a waiting get_batch and wait_idle, and later adds are ignored", "[unit][agent]") {
  WorkQueue queue;
  std::atomic<bool> returned{false};
  Keys got{"sentinel"};
  std::thread worker([&] {
    got = queue.get_batch(10);
    returned = true;
  });
  queue.shut_down();
  worker.join();
  CHECK(returned);
  CHECK(got.empty());
  CHECK(queue.shutting_down());
  queue.add("a");
  CHECK(queue.size() == 0);
  CHECK(queue.get_batch(10).empty());
}

TEST_CASE("shut_down wakes a get_batch waiting for a delayed key", "[unit][agent]") {
  WorkQueue queue;  // real clock: the key is due in 200 ms, shut_down comes first
  queue.add_rate_limited("a");
  Keys got{"sentinel"};
  std::thread worker([&] { got = queue.get_batch(10); });
  queue.shut_down();
  worker.join();
  CHECK(got.empty());
}

TEST_CASE("wait_idle holds while a key is processed and returns once it is done", "[unit][agent]") {
  WorkQueue queue;
  queue.add("a");
  CHECK_FALSE(queue.wait_idle(0ms));
  auto batch = queue.try_get_batch(10);
  CHECK_FALSE(queue.wait_idle(0ms));
  std::thread worker([&] { queue.done(batch); });
  CHECK(queue.wait_idle(10s));
  worker.join();
}
