#pragma once
// Which uploads are alive, across replicas and restarts. Each process keeps one PostgreSQL
// connection of its own and holds a session advisory lock per upload it is receiving; when
// the process dies its connection closes and its locks go with it. Recovery kills a saving
// image only when it can take that lock itself, i.e. when no live process is uploading it.
//
// This is a second connection beside db::Pool on purpose: pool connections are lent out per
// transaction, while these locks must live as long as the upload. If this connection breaks
// the locks are lost; another replica may then kill a live upload, whose commit then finds the
// image no longer saving and fails cleanly (its bytes are removed).
#include <mutex>
#include <memory>
#include <set>
#include <string>

#include <pqxx/pqxx>

#include "common/log/log.h"

namespace stratus::image {

class UploadLeases {
 public:
  UploadLeases(std::string db_url, log::Logger logger);

  // True when this process now holds the lease of `image_id`; false when an upload of it is
  // alive here or in another process.
  bool try_acquire(const std::string& image_id);
  void release(const std::string& image_id) noexcept;

 private:
  pqxx::connection& connection();  // reconnects after a failure
  std::string db_url_;
  log::Logger logger_;
  std::mutex mutex_;
  std::unique_ptr<pqxx::connection> connection_;
  std::set<std::string> held_;
};

}  // namespace stratus::image
