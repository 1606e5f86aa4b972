#include "common/agent/work_queue.h"

#include <algorithm>

namespace stratus::agent {

WorkQueue::WorkQueue(Options options) : options_(std::move(options)) {}

void WorkQueue::push_locked(const std::string& key) {
  if (shutting_down_ || dirty_.count(key)) return;
  dirty_.insert(key);
  if (processing_.count(key)) return;  // queued again by done()
  queue_.push_back(key);
  changed_.notify_all();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mutex_);
  delayed_.erase(key);
  push_locked(key);
}

std::chrono::milliseconds WorkQueue::add_rate_limited(const std::string& key) {
  std::lock_guard lock(mutex_);
  int failures = ++failures_[key];
  auto delay = bus::backoff_delay(options_.backoff, failures, options_.random());
  if (shutting_down_) return delay;
  auto due = options_.now() + delay;
  auto it = delayed_.find(key);
  // Already waiting: keep the earlier time, so a burst of failures does not push it out.
  if (it == delayed_.end()) delayed_.emplace(key, due);
  else it->second = std::min(it->second, due);
  changed_.notify_all();  // a waiter may need to wake earlier
  return delay;
}

void WorkQueue::forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  failures_.erase(key);
}

int WorkQueue::failures(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::promote_due_locked(Clock::time_point now) {
  for (auto it = delayed_.begin(); it != delayed_.end();) {
    if (it->second <= now) {
      std::string key = it->first;
      it = delayed_.erase(it);
      push_locked(key);
    } else {
      ++it;
    }
  }
}

std::vector<std::string> WorkQueue::take_locked(std::size_t max) {
  std::vector<std::string> keys;
  while (!queue_.empty() && keys.size() < max) {
    std::string key = std::move(queue_.front());
    queue_.pop_front();
    dirty_.erase(key);
    processing_.insert(key);
    keys.push_back(std::move(key));
  }
  return keys;
}

std::vector<std::string> WorkQueue::get_batch(std::size_t max) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (shutting_down_) return {};
    promote_due_locked(options_.now());
    if (!queue_.empty()) return take_locked(std::max<std::size_t>(max, 1));
    if (delayed_.empty()) {
      changed_.wait(lock);
    } else {
      auto next_due = std::min_element(delayed_.begin(), delayed_.end(),
                                       [](const auto& a, const auto& b) { return a.second < b.second; })->second;
      changed_.wait_for(lock, next_due - options_.now());
    }
  }
}

std::vector<std::string> WorkQueue::try_get_batch(std::size_t max) {
  std::lock_guard lock(mutex_);
  if (shutting_down_) return {};
  promote_due_locked(options_.now());
  return take_locked(max);
}

void WorkQueue::done(const std::vector<std::string>& keys) {
  std::lock_guard lock(mutex_);
  for (const auto& key : keys) {
    processing_.erase(key);
    if (dirty_.count(key) && !shutting_down_) queue_.push_back(key);
  }
  changed_.notify_all();
}

bool WorkQueue::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return queue_.empty() && processing_.empty(); });
}

void WorkQueue::shut_down() {
  std::lock_guard lock(mutex_);
  shutting_down_ = true;
  changed_.notify_all();
}

bool WorkQueue::shutting_down() const {
  std::lock_guard lock(mutex_);
  return shutting_down_;
}

std::size_t WorkQueue::size() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

std::size_t WorkQueue::waiting() const {
  std::lock_guard lock(mutex_);
  return delayed_.size();
}

}  // namespace stratus::agent
