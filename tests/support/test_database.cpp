#include "tests/support/test_database.h"

#include <cstdlib>
#include <iostream>
#include <random>

#include <pqxx/pqxx>

namespace stratus::test_support {
namespace {

std::string random_suffix() {
  std::random_device random;
  std::string suffix;
  for (int i = 0; i < 12; ++i) suffix += "abcdefghijklmnopqrstuvwxyz0123456789"[random() % 36];
  return suffix;
}

}  // namespace

std::string test_pg_url() {
  const char* url = std::getenv("STRATUS_TEST_PG_URL");
  return url && *url ? url : "postgresql://postgres@127.0.0.1:55432/postgres";
}

std::string with_database(const std::string& url, const std::string& database) {
  size_t authority = url.find("://");
  size_t path = url.find('/', authority == std::string::npos ? 0 : authority + 3);
  size_t query = url.find('?', path == std::string::npos ? 0 : path);
  std::string base = path == std::string::npos ? url.substr(0, query) : url.substr(0, path);
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return base + "/" + database + rest;
}

TestDatabase::TestDatabase()
    : name_("stratus_test_" + random_suffix()), url_(with_database(test_pg_url(), name_)) {
  pqxx::connection server(test_pg_url());
  pqxx::nontransaction(server).exec("CREATE DATABASE " + name_);
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection server(test_pg_url());
    // FORCE: a service that was killed, or a pool not yet closed, must not keep it alive.
    pqxx::nontransaction(server).exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::cerr << "could not drop test database " << name_ << ": " << e.what() << "\n";
  }
}

}  // namespace stratus::test_support
