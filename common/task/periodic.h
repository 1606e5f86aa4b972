#pragma once
// Runs a function every `interval` on a thread of its own until destroyed: the resync loops
// of level-triggered components (key and revocation reloads, agents' full resyncs).
// A failing run is logged and the next one comes at the usual time.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/log/log.h"

namespace stratus {

class PeriodicTask {
 public:
  PeriodicTask(std::string name, std::chrono::milliseconds interval, std::function<void()> run, log::Logger logger);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void stop();
  // Runs the function soon, without waiting for the interval.
  void trigger();

 private:
  void loop();
  std::string name_;
  std::chrono::milliseconds interval_;
  std::function<void()> run_;
  log::Logger logger_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool triggered_ = false;
  std::thread thread_;
};

}  // namespace stratus
