#pragma once
// A per-key work queue for level-triggered agents, with the manners of Kubernetes'
// client-go workqueue:
//  - add(key) queues a key once: adding it again while it waits does nothing;
//  - a key added while it is being processed (between get_batch and done) is "dirty": it is
//    queued again when done() is called, so no change is missed and no key is processed by
//    two workers at once;
//  - add_rate_limited(key) queues it after a per-key exponential back-off (one failing key
//    is retried alone, with growing delay, and delays nothing else); forget(key) after a
//    success resets its back-off;
//  - get_batch(max) hands out up to `max` ready keys at once, so a reconciler can handle
//    many in one round (e.g. one flow compilation for the whole host).
// Waiting is on a condition variable (until a key is ready, the next delayed key is due, or
// shut_down), never by polling. The clock and the jitter's randomness can be injected, so
// tests check the back-off without sleeping.
//
//   WorkQueue queue;
//   worker: for (;;) { auto keys = queue.get_batch(100); if (keys.empty()) break;
//                      for (k : keys) try { sync(k); queue.forget(k); }
//                                 catch (...) { queue.add_rate_limited(k); }
//                      queue.done(keys); }
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/bus/backoff.h"

namespace stratus::agent {

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    // 200 ms, 400 ms, ... up to 30 s, each shortened by up to 10% at random.
    bus::BackoffPolicy backoff{std::chrono::milliseconds(200), std::chrono::seconds(30), 0.1};
    std::function<Clock::time_point()> now = [] { return Clock::now(); };
    std::function<double()> random = bus::random_unit;
  };

  WorkQueue() : WorkQueue(Options{}) {}
  explicit WorkQueue(Options options);
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues `key` now (also one that waits for its back-off: something changed, look now).
  // Ignored after shut_down().
  void add(const std::string& key);
  // Queues `key` once its back-off has passed; each call before forget() doubles it.
  // Returns the delay chosen.
  std::chrono::milliseconds add_rate_limited(const std::string& key);
  // The key succeeded: its next failure starts the back-off from the beginning.
  void forget(const std::string& key);
  // Consecutive add_rate_limited calls for `key` since the last forget().
  int failures(const std::string& key) const;

  // Blocks until at least one key is ready, then takes up to `max` of them (oldest first);
  // they count as being processed until done(). Empty once shut_down() was called.
  std::vector<std::string> get_batch(std::size_t max);
  // Takes what is ready now, without waiting (tests, benchmarks, synchronous rounds).
  std::vector<std::string> try_get_batch(std::size_t max);
  // The keys are processed: those added meanwhile are queued again.
  void done(const std::vector<std::string>& keys);

  // True once no key is queued or being processed (keys waiting for their back-off do not
  // count); false after `timeout`.
  bool wait_idle(std::chrono::milliseconds timeout);
  // Wakes every waiter; get_batch returns empty from now on, add is ignored.
  void shut_down();
  bool shutting_down() const;

  std::size_t size() const;     // keys ready to be handed out
  std::size_t waiting() const;  // keys waiting for their back-off

 private:
  void push_locked(const std::string& key);
  void promote_due_locked(Clock::time_point now);
  std::vector<std::string> take_locked(std::size_t max);

  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;                    // ready, in order
  std::set<std::string> dirty_;                      // needs processing (queued, or re-added while processing)
  std::set<std::string> processing_;
  std::map<std::string, Clock::time_point> delayed_;  // key -> when its back-off ends
  std::map<std::string, int> failures_;
  bool shutting_down_ = false;
};

}  // namespace stratus::agent
