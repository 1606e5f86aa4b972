// The back-off schedules of the bus (issue 9 item 10: a client resumes within about 2 s of
// the broker being back) and of message retries, computed, not measured.
#include <catch2/catch.hpp>

#include "common/bus/backoff.h"
#include "common/bus/consumer.h"

using namespace stratus::bus;
using namespace std::chrono_literals;

TEST_CASE("back-off doubles from its initial delay up to its cap", "[unit][bus]") {
  BackoffPolicy policy{100ms, 2s, 0.2};
  CHECK(backoff_delay(policy, 1, 0.0) == 100ms);
  CHECK(backoff_delay(policy, 2, 0.0) == 200ms);
  CHECK(backoff_delay(policy, 3, 0.0) == 400ms);
  CHECK(backoff_delay(policy, 5, 0.0) == 1600ms);
  CHECK(backoff_delay(policy, 6, 0.0) == 2s);
  CHECK(backoff_delay(policy, 1000, 0.0) == 2s);  // no overflow
  CHECK(backoff_delay(policy, 0, 0.0) == 0ms);
}

TEST_CASE("jitter only shortens a delay, by up to its fraction", "[unit][bus]") {
  BackoffPolicy policy{100ms, 2s, 0.2};
  CHECK(backoff_delay(policy, 1, 0.5) == 90ms);
  CHECK(backoff_delay(policy, 10, 0.999) >= 1600ms);
  CHECK(backoff_delay(policy, 10, 0.999) <= 2s);
  for (int i = 0; i < 200; ++i) {
    auto d = backoff_delay(policy, 3, random_unit());
    CHECK(d >= 320ms);
    CHECK(d <= 400ms);
  }
}

TEST_CASE("Backoff grows per failure and starts over after reset", "[unit][bus]") {
  Backoff backoff({100ms, 2s, 0.2}, [] { return 0.0; });
  CHECK(backoff.next() == 100ms);
  CHECK(backoff.next() == 200ms);
  CHECK(backoff.failures() == 2);
  backoff.reset();
  CHECK(backoff.next() == 100ms);
}

TEST_CASE("a consumer reconnects well under a second after a failure and waits at most 2 s", "[unit][bus]") {
  ConsumerOptions options;
  CHECK(backoff_delay(options.reconnect_backoff, 1, 0.0) <= 200ms);
  CHECK(backoff_delay(options.reconnect_backoff, 100, 0.0) <= 2s);
  CHECK(options.reconnect_backoff.jitter > 0);
  CHECK(options.max_attempts >= 2);
  // A message's retries are spread: the second attempt comes later than the first retry.
  CHECK(backoff_delay(options.retry_backoff, 2, 0.0) > backoff_delay(options.retry_backoff, 1, 0.0));
}
