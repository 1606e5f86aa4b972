#include "common/task/periodic.h"

namespace stratus {

PeriodicTask::PeriodicTask(std::string name, std::chrono::milliseconds interval, std::function<void()> run,
                           log::Logger logger)
    : name_(std::move(name)), interval_(interval), run_(std::move(run)), logger_(std::move(logger)),
      thread_([this] { loop(); }) {}

PeriodicTask::~PeriodicTask() { stop(); }

void PeriodicTask::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PeriodicTask::trigger() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    triggered_ = true;
  }
  wake_.notify_all();
}

void PeriodicTask::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, interval_, [&] { return stopping_ || triggered_; });
    if (stopping_) break;
    triggered_ = false;
    lock.unlock();
    try {
      run_();
    } catch (const std::exception& e) {
      logger_.warn("periodic task failed", {{"task", name_}, {"error", e.what()}});
    }
    lock.lock();
  }
}

}  // namespace stratus
