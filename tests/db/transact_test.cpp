// db::Pool::transact against a real PostgreSQL: retries on serialization failures, and
// recognising unique violations.
#include <catch2/catch.hpp>

#include "common/db/pool.h"
#include "tests/db/temp_database.h"

using stratus::db::Pool;
using stratus::testing::TempDatabase;

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

TEST_CASE("a real serialization failure between SERIALIZABLE transactions is retried", "[integration][db]") {
  TempDatabase database;
  Pool pool(database.url(), 1, stratus::testing::db_test_logger());
  pool.transact([](pqxx::work& tx) { tx.exec("CREATE TABLE doctor (name text PRIMARY KEY, on_call boolean)"); });
  pqxx::connection other(database.url());

  // Write skew: both read who is on call, then each adds a doctor on the strength of it.
  // The other transaction commits first, so PostgreSQL must abort the body's first attempt;
  // the retry sees bob and commits.
  int attempts = 0;
  int on_call_seen = pool.transact([&](pqxx::work& tx) {
    ++attempts;
    tx.exec("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
    int seen = tx.exec("SELECT count(*) FROM doctor WHERE on_call")[0][0].as<int>();
    if (attempts == 1) {
      pqxx::work concurrent(other);
      concurrent.exec("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
      concurrent.exec("SELECT count(*) FROM doctor WHERE on_call");
      concurrent.exec("INSERT INTO doctor VALUES ('bob', true)");
      concurrent.commit();
    }
    tx.exec("INSERT INTO doctor VALUES ('alice', true)");
    return seen;
  });

  CHECK(attempts == 2);
  CHECK(on_call_seen == 1);  // the retry saw bob
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
