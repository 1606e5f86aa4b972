// db::Pool::transact against a real PostgreSQL: retries on serialization failures, and
// recognising unique violations.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/db/pool.h"
#include "tests/db/temp_database.h"

using stratus::db::Pool;
using stratus::testing::TempDatabase;

namespace {

// Lets `count` threads pass only once all have arrived (C++17 has no std::latch).
class Rendezvous {
 public:
  explicit Rendezvous(int count) : waiting_(count) {}
  void arrive_and_wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (--waiting_ == 0) all_arrived_.notify_all();
    all_arrived_.wait_for(lock, std::chrono::seconds(10), [&] { return waiting_ <= 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable all_arrived_;
  int waiting_;
};

}  // namespace

TEST_CASE("transact runs the body again after a serialization failure", "[integration][db]") {
  TempDatabase database;
  Pool pool(database.url(), 1, stratus::testing::db_test_logger());

  int attempts = 0;
  int result = pool.transact([&](pqxx::work& tx) {
    ++attempts;
    if (attempts == 1) throw pqxx::serialization_failure("could not serialize access (simulated)");
    return tx.exec("SELECT 42")[0][0].as<int>();
  });

  CHECK(result == 42);
  CHECK(attempts == 2);
}

TEST_CASE("transact gives up with UNAVAILABLE when serialization keeps failing", "[integration][db]") {
  TempDatabase database;
  Pool pool(database.url(), 1, stratus::testing::db_test_logger());

  int attempts = 0;
  try {
    pool.transact([&](pqxx::work&) {
      ++attempts;
      throw pqxx::serialization_failure("could not serialize access (simulated)");
    });
    FAIL("transact should have thrown");
  } catch (const stratus::Error& e) {
    CHECK(e.code() == stratus::ErrorCode::Unavailable);
  }
  CHECK(attempts == 3);
}

TEST_CASE("two conflicting SERIALIZABLE transactions both commit thanks to the retry", "[integration][db]") {
  TempDatabase database;
  Pool pool(database.url(), 2, stratus::testing::db_test_logger());
  pool.transact([](pqxx::work& tx) { tx.exec("CREATE TABLE doctor (name text PRIMARY KEY, on_call boolean)"); });

  // Write skew: each reads how many are on call, then adds one more on the strength of it.
  // PostgreSQL's SSI lets only one commit; the other must run again and sees the first.
  Rendezvous both_have_read(2);
  std::atomic<int> attempts{0};
  auto add_doctor = [&](const std::string& name) {
    pool.transact([&](pqxx::work& tx) {
      tx.exec("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
      bool first_attempt = ++attempts <= 2;
      tx.exec("SELECT count(*) FROM doctor WHERE on_call");
      if (first_attempt) both_have_read.arrive_and_wait();
      tx.exec_params("INSERT INTO doctor (name, on_call) VALUES ($1, true)", name);
    });
  };
  std::thread alice(add_doctor, "alice");
  std::thread bob(add_doctor, "bob");
  alice.join();
  bob.join();

  CHECK(attempts == 3);  // one of the two ran twice
  auto count = pool.transact([](pqxx::work& tx) { return tx.exec("SELECT count(*) FROM doctor")[0][0].as<int>(); });
  CHECK(count == 2);
}

TEST_CASE("is_unique_violation tells a duplicate key from other errors", "[integration][db]") {
  TempDatabase database;
  Pool pool(database.url(), 1, stratus::testing::db_test_logger());
  pool.transact([](pqxx::work& tx) { tx.exec("CREATE TABLE project (name text UNIQUE)"); });
  pool.transact([](pqxx::work& tx) { tx.exec("INSERT INTO project VALUES ('demo')"); });

  try {
    pool.transact([](pqxx::work& tx) { tx.exec("INSERT INTO project VALUES ('demo')"); });
    FAIL("a duplicate insert should throw");
  } catch (const std::exception& e) {
    CHECK(stratus::db::is_unique_violation(e));
  }

  try {
    pool.transact([](pqxx::work& tx) { tx.exec("INSERT INTO no_such_table VALUES (1)"); });
    FAIL("an insert into a missing table should throw");
  } catch (const std::exception& e) {
    CHECK_FALSE(stratus::db::is_unique_violation(e));
  }
}
