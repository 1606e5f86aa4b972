#pragma once
// The transactional outbox: a service that changes its database and must also emit a
// message writes the message into the `outbox` table in the same transaction (`enqueue`),
// so either both happen or neither. A Relay then publishes the rows to the broker with
// confirms and deletes them. A crash between publish and delete publishes a row twice,
// which at-least-once delivery allows (handlers are idempotent).
//
// Services apply `outbox_migrations()` with db::migrate(pool, "outbox", ...) at start:
//   pool.transact([&](pqxx::work& tx) {
//     store.revoke(tx, token_id);
//     outbox::enqueue(tx, bus::kEventsExchange, "identity.token.revoked", revoked_message);
//   });
//   outbox::Relay relay(db_url, publisher, logger);  // one per replica, for the process's life
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "common/bus/publisher.h"
#include "common/db/migrations.h"
#include "common/log/log.h"

namespace google::protobuf {
class Message;
}

namespace stratus::db {
// Generated from common/outbox/migrations by stratus_embed_migrations.
const std::vector<Migration>& outbox_migrations();
}  // namespace stratus::db

namespace stratus::outbox {

// Adds a message to the outbox in the caller's transaction and wakes the relays when it
// commits. Returns the message id (a fresh UUID).
std::string enqueue(pqxx::transaction_base& tx, const std::string& exchange, const std::string& routing_key,
                    const google::protobuf::Message& payload);
std::string enqueue(pqxx::transaction_base& tx, const std::string& exchange, const std::string& routing_key,
                    const std::string& body, const std::string& type);

struct RelayOptions {
  std::chrono::milliseconds poll_interval{1000};  // look at the table this often without a NOTIFY
  std::chrono::milliseconds min_backoff{200};     // after a failure, doubling up to max_backoff
  std::chrono::milliseconds max_backoff{10000};
  int batch_size = 100;
};

struct RelayStats {
  uint64_t published = 0;  // rows published and deleted
  uint64_t failed = 0;     // failed attempts (publish or database)
};

// Publishes outbox rows on a thread of its own. Several relays (one per replica) may run
// against one table: each takes its batch FOR UPDATE SKIP LOCKED, so a row goes to one of
// them. Within one relay rows are published in id order, which keeps the order of the
// messages of one routing key as they were committed (across relays it may not hold).
class Relay {
 public:
  // `db_url` gets a connection of its own (LISTEN needs one). Starts the thread at once.
  Relay(std::string db_url, bus::MessagePublisher& publisher, log::Logger logger, RelayOptions options = {});
  ~Relay();  // stop()
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Returns within about 200 ms plus a publish in progress.
  void stop();
  RelayStats stats() const { return {published_.load(), failed_.load()}; }

 private:
  class Wakeup;
  void run();
  struct BatchResult {
    int published = 0;
    bool publish_failed = false;  // the rest of the batch waits for the next attempt
  };
  // Publishes and deletes one batch, stopping at the first row the broker did not take.
  BatchResult relay_batch(pqxx::connection& connection);
  // Waits for a NOTIFY or the poll interval; returns true if stop() was called.
  bool wait_for_work(pqxx::connection& connection);
  bool sleep_unless_stopped(std::chrono::milliseconds duration);

  std::string db_url_;
  bus::MessagePublisher& publisher_;
  log::Logger logger_;
  RelayOptions options_;
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> failed_{0};
  std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace stratus::outbox
