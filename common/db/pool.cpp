#include "common/db/pool.h"

namespace stratus::db {

Pool::Pool(std::string url, size_t size, log::Logger logger, std::chrono::milliseconds acquire_timeout)
    : url_(std::move(url)), size_(size == 0 ? 1 : size), logger_(std::move(logger)),
      acquire_timeout_(acquire_timeout) {}

Pool::~Pool() = default;

Pool::Lease::~Lease() {
  if (pool_) pool_->give_back(std::move(conn_));
}

std::unique_ptr<pqxx::connection> Pool::open() {
  try {
    return std::make_unique<pqxx::connection>(url_);
  } catch (const pqxx::broken_connection& e) {
    // The URL may carry a password: log the reason only.
    logger_.error("cannot connect to the database", {{"error", e.what()}});
    throw unavailable("database unreachable");
  }
}

Pool::Lease Pool::acquire() {
  std::unique_lock<std::mutex> lock(mutex_);
  bool ready = available_.wait_for(lock, acquire_timeout_, [&] { return !idle_.empty() || open_count_ < size_; });
  if (!ready) throw unavailable("database: all " + std::to_string(size_) + " connections busy");
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  ++open_count_;  // reserve the slot, then connect without holding the lock
  lock.unlock();
  try {
    return Lease(this, open());
  } catch (...) {
    std::lock_guard<std::mutex> relock(mutex_);
    --open_count_;
    available_.notify_one();
    throw;
  }
}

void Pool::give_back(std::unique_ptr<pqxx::connection> conn) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (conn && conn->is_open()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_count_;
  }
  available_.notify_one();
}

bool is_unique_violation(const std::exception& e) {
  return dynamic_cast<const pqxx::unique_violation*>(&e) != nullptr;
}

}  // namespace stratus::db
