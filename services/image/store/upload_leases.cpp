#include "services/image/store/upload_leases.h"

namespace stratus::image {
namespace {

constexpr const char* kLockKey = "hashtextextended('stratus.image.upload:' || $1, 0)";

}  // namespace

UploadLeases::UploadLeases(std::string db_url, log::Logger logger)
    : db_url_(std::move(db_url)), logger_(std::move(logger)) {}

pqxx::connection& UploadLeases::connection() {
  if (!connection_ || !connection_->is_open()) {
    if (connection_ && !held_.empty())
      logger_.warn("upload lease connection was lost: live uploads may be recovered by another replica");
    held_.clear();
    connection_ = std::make_unique<pqxx::connection>(db_url_);
  }
  return *connection_;
}

bool UploadLeases::try_acquire(const std::string& image_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Session locks are re-entrant, so the database alone would not refuse our own uploads.
  if (held_.count(image_id)) return false;
  try {
    pqxx::nontransaction tx(connection());
    bool taken = tx.exec_params(std::string("SELECT pg_try_advisory_lock(") + kLockKey + ")", image_id)[0][0].as<bool>();
    if (taken) held_.insert(image_id);
    return taken;
  } catch (const pqxx::broken_connection&) {
    connection_.reset();
    throw;
  }
}

void UploadLeases::release(const std::string& image_id) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!held_.erase(image_id)) return;
  try {
    pqxx::nontransaction tx(*connection_);
    tx.exec_params(std::string("SELECT pg_advisory_unlock(") + kLockKey + ")", image_id);
  } catch (const std::exception& e) {
    // The lock then lives until the connection closes; recovery waits for it.
    logger_.warn("could not release an upload lease", {{"image_id", image_id}, {"error", e.what()}});
    connection_.reset();
    held_.clear();
  }
}

}  // namespace stratus::image
