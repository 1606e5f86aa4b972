#pragma once
// Exponential back-off with jitter: how long to wait before attempt n+1 after n failures.
// Used by the bus's reconnect loops, its message retries and the agents' work queue.
// The jitter only shortens a delay (by up to `jitter` of it), so `max` is a real cap, and
// many processes that failed together (a broker restart) do not come back in lockstep.
#include <chrono>
#include <functional>

namespace stratus::bus {

struct BackoffPolicy {
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds max{2000};
  double jitter = 0.2;  // fraction of the delay that is random, 0..1
};

// The delay after `failures` consecutive failures (1 for the first): initial * 2^(failures-1),
// capped at max, times (1 - jitter * random01) with random01 in [0, 1).
std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, int failures, double random01);

// A uniformly distributed number in [0, 1), thread-safe.
double random_unit();

// The state of one retry loop: next() after each failure, reset() after a success.
class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy, std::function<double()> random = random_unit)
      : policy_(policy), random_(std::move(random)) {}
  std::chrono::milliseconds next() { return backoff_delay(policy_, ++failures_, random_()); }
  void reset() { failures_ = 0; }
  int failures() const { return failures_; }

 private:
  BackoffPolicy policy_;
  std::function<double()> random_;
  int failures_ = 0;
};

}  // namespace stratus::bus
