#pragma once
// Bounds how many Argon2id verifications run at once. Each needs 19 MiB and logins are
// unauthenticated, so without a bound a burst of logins could exhaust memory; beyond the
// bound a caller waits briefly, then is told to retry.
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace stratus::identity {

class PasswordGate {
 public:
  explicit PasswordGate(int slots) : free_(slots) {}

  // Runs `verify` when a slot frees up within `wait`; false if none did.
  template <typename Verify>
  bool run(std::chrono::milliseconds wait, Verify&& verify, bool& result) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!freed_.wait_for(lock, wait, [&] { return free_ > 0; })) return false;
      --free_;
    }
    struct Release {
      PasswordGate* gate;
      ~Release() {
        std::lock_guard<std::mutex> lock(gate->mutex_);
        ++gate->free_;
        gate->freed_.notify_one();
      }
    } release{this};
    result = verify();
    return true;
  }

 private:
  std::mutex mutex_;
  std::condition_variable freed_;
  int free_;
};

}  // namespace stratus::identity
