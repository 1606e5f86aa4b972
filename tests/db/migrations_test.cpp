// db::migrate against a real PostgreSQL: order, idempotence, and replicas starting together.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "common/db/migrations.h"
#include "tests/db/temp_database.h"

using stratus::db::Migration;
using stratus::db::Pool;
using stratus::testing::TempDatabase;

namespace {

// Listed out of order on purpose: version 2 only works after version 1.
std::vector<Migration> widget_migrations() {
  return {
      {2, "002_add_colour", "ALTER TABLE widget ADD COLUMN colour text NOT NULL DEFAULT 'blue'"},
      {1, "001_create_widget", "CREATE TABLE widget (id serial PRIMARY KEY, name text NOT NULL)"},
      {3, "003_seed", "INSERT INTO widget (name) VALUES ('first')"},
  };
}

std::vector<int> applied_versions(Pool& pool, const std::string& component) {
  return pool.transact([&](pqxx::work& tx) {
    std::vector<int> versions;
    for (const auto& row :
         tx.exec_params("SELECT version FROM schema_migrations WHERE component = $1 ORDER BY applied_at, version",
                        component))
      versions.push_back(row[0].as<int>());
    return versions;
  });
}

}  // namespace

TEST_CASE("migrations apply in version order to an empty database", "[integration][db]") {
  TempDatabase database;
  Pool pool(database.url(), 2, stratus::testing::db_test_logger());

  REQUIRE(stratus::db::migrate(pool, "widgets", widget_migrations(), stratus::testing::db_test_logger()) == 3);

  CHECK(applied_versions(pool, "widgets") == std::vector<int>{1, 2, 3});
  auto colour = pool.transact([](pqxx::work& tx) { return tx.exec("SELECT colour FROM widget")[0][0].as<std::string>(); });
  CHECK(colour == "blue");
}

TEST_CASE("a second migration run applies nothing", "[integration][db]") {
  TempDatabase database;
  Pool pool(database.url(), 2, stratus::testing::db_test_logger());
  auto logger = stratus::testing::db_test_logger();

  REQUIRE(stratus::db::migrate(pool, "widgets", widget_migrations(), logger) == 3);
  CHECK(stratus::db::migrate(pool, "widgets", widget_migrations(), logger) == 0);

  // A new migration later applies alone.
  auto more = widget_migrations();
  more.push_back({4, "004_more", "INSERT INTO widget (name) VALUES ('second')"});
  CHECK(stratus::db::migrate(pool, "widgets", more, logger) == 1);
  CHECK(applied_versions(pool, "widgets") == std::vector<int>{1, 2, 3, 4});
}

TEST_CASE("components keep separate migration histories", "[integration][db]") {
  TempDatabase database;
  Pool pool(database.url(), 2, stratus::testing::db_test_logger());
  auto logger = stratus::testing::db_test_logger();

  REQUIRE(stratus::db::migrate(pool, "widgets", widget_migrations(), logger) == 3);
  std::vector<Migration> gadgets = {{1, "001_create_gadget", "CREATE TABLE gadget (id serial PRIMARY KEY)"}};
  CHECK(stratus::db::migrate(pool, "gadgets", gadgets, logger) == 1);
  CHECK(applied_versions(pool, "gadgets") == std::vector<int>{1});
}

TEST_CASE("two replicas migrating at once both succeed and each migration applies once", "[integration][db]") {
  TempDatabase database;
  auto logger = stratus::testing::db_test_logger();
  // Each "replica" has its own pool, as separate processes would.
  Pool pool_a(database.url(), 1, logger);
  Pool pool_b(database.url(), 1, logger);

  std::atomic<int> applied{0};
  std::atomic<int> failures{0};
  auto replica = [&](Pool& pool) {
    try {
      applied += stratus::db::migrate(pool, "widgets", widget_migrations(), logger);
    } catch (const std::exception& e) {
      ++failures;
      WARN("migrate failed: " << e.what());
    }
  };
  std::thread a(replica, std::ref(pool_a));
  std::thread b(replica, std::ref(pool_b));
  a.join();
  b.join();

  CHECK(failures == 0);
  CHECK(applied == 3);
  CHECK(applied_versions(pool_a, "widgets") == std::vector<int>{1, 2, 3});
  auto rows = pool_a.transact([](pqxx::work& tx) { return tx.exec("SELECT count(*) FROM widget")[0][0].as<int>(); });
  CHECK(rows == 1);  // the seed ran once
}
