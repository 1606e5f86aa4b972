#include "common/bus/backoff.h"

#include <algorithm>
#include <random>

namespace stratus::bus {

std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, int failures, double random01) {
  using std::chrono::milliseconds;
  if (failures < 1) return milliseconds(0);
  double delay = static_cast<double>(policy.initial.count());
  double cap = static_cast<double>(policy.max.count());
  for (int i = 1; i < failures && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  delay *= 1.0 - jitter * std::clamp(random01, 0.0, 1.0);
  return milliseconds(static_cast<milliseconds::rep>(delay));
}

double random_unit() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace stratus::bus
