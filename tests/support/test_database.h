#pragma once
// A PostgreSQL database of its own for one test (or one group of service processes):
// created with a unique name on the server of STRATUS_TEST_PG_URL (default: the `postgres`
// ctest fixture's throwaway cluster) and dropped, disconnecting whoever still uses it, when
// the object goes away.
#include <string>

namespace stratus::test_support {

// STRATUS_TEST_PG_URL, or postgresql://postgres@127.0.0.1:55432/postgres.
std::string test_pg_url();

// `url` with its database replaced: postgresql://u@h:p/old?x -> postgresql://u@h:p/name?x
std::string with_database(const std::string& url, const std::string& database);

class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return name_; }
  // The connection URL of this database, e.g. for a service's STRATUS_DB_URL.
  const std::string& url() const { return url_; }

 private:
  std::string name_;
  std::string url_;
};

}  // namespace stratus::test_support
