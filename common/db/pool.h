#pragma once
// The one PostgreSQL access path: a fixed-size pool of libpqxx connections and a
// `transact` that runs a function in a transaction, retrying the whole function when
// PostgreSQL reports a serialization failure or the connection broke (so the function must
// only touch the database and its own locals).
#include <condition_variable>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "common/error/error.h"
#include "common/log/log.h"

namespace stratus::db {

class Pool {
 public:
  Pool(std::string url, size_t size, log::Logger logger,
       std::chrono::milliseconds acquire_timeout = std::chrono::seconds(10));
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A connection borrowed from the pool, returned when the lease ends.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<pqxx::connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    // The moved-from lease must not give anything back.
    Lease(Lease&& other) noexcept : pool_(std::exchange(other.pool_, nullptr)), conn_(std::move(other.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pqxx::connection& operator*() { return *conn_; }
    pqxx::connection* operator->() { return conn_.get(); }
    // Drops a connection that failed so the pool opens a fresh one next time.
    void discard() { conn_.reset(); }

   private:
    Pool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
  };

  // Blocks until a connection is free; UNAVAILABLE if none frees up in time or the
  // database cannot be reached.
  Lease acquire();

  template <typename Body>
  auto transact(Body&& body) -> std::invoke_result_t<Body, pqxx::work&> {
    using Result = std::invoke_result_t<Body, pqxx::work&>;
    for (int attempt = 1;; ++attempt) {
      Lease lease = acquire();
      try {
        pqxx::work tx(*lease);
        if constexpr (std::is_void_v<Result>) {
          body(tx);
          tx.commit();
          return;
        } else {
          Result result = body(tx);
          tx.commit();
          return result;
        }
      } catch (const pqxx::serialization_failure&) {
        if (attempt >= kMaxAttempts) throw unavailable("database: too much contention, try again");
      } catch (const pqxx::deadlock_detected&) {
        if (attempt >= kMaxAttempts) throw unavailable("database: deadlock, try again");
      } catch (const pqxx::broken_connection&) {
        lease.discard();
        if (attempt >= kMaxAttempts) throw unavailable("database connection lost");
      }
    }
  }

  const std::string& url() const { return url_; }

 private:
  static constexpr int kMaxAttempts = 3;
  void give_back(std::unique_ptr<pqxx::connection> conn);
  std::unique_ptr<pqxx::connection> open();

  std::string url_;
  size_t size_;
  log::Logger logger_;
  std::chrono::milliseconds acquire_timeout_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  size_t open_count_ = 0;  // connections lent out or idle
};

// True when `e` is a unique-constraint violation (so a store can answer ALREADY_EXISTS).
bool is_unique_violation(const std::exception& e);

}  // namespace stratus::db
