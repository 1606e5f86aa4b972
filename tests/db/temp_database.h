#pragma once
// A database of its own for one test: created on the server of STRATUS_TEST_PG_URL
// (default: the throwaway cluster of the `postgres` ctest fixture) and dropped at the end.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <random>
#include <string>

#include <pqxx/pqxx>

#include "common/log/log.h"

namespace stratus::testing {

inline std::string test_pg_url() {
  const char* url = std::getenv("STRATUS_TEST_PG_URL");
  return url && *url ? url : "postgresql://postgres@127.0.0.1:55432/postgres";
}

inline log::Logger db_test_logger() {
  return log::Logger("test", log::Level::Warn, log::Format::Text, std::make_shared<log::Sink>(std::cerr));
}

// `url` with its database name replaced: postgresql://u@h:p/old?x -> postgresql://u@h:p/name?x
inline std::string with_database(const std::string& url, const std::string& name) {
  size_t authority = url.find("://");
  size_t path = url.find('/', authority == std::string::npos ? 0 : authority + 3);
  size_t query = url.find('?', path == std::string::npos ? 0 : path);
  std::string base = path == std::string::npos ? url.substr(0, query) : url.substr(0, path);
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return base + "/" + name + rest;
}

class TempDatabase {
 public:
  TempDatabase() : name_("stratus_test_" + random_suffix()), url_(with_database(test_pg_url(), name_)) {
    pqxx::connection admin(test_pg_url());
    pqxx::nontransaction(admin).exec("CREATE DATABASE " + name_);
  }
  ~TempDatabase() {
    try {
      pqxx::connection admin(test_pg_url());
      pqxx::nontransaction(admin).exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception& e) {
      std::cerr << "could not drop test database " << name_ << ": " << e.what() << "\n";
    }
  }
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }

 private:
  static std::string random_suffix() {
    std::random_device random;
    std::string suffix;
    for (int i = 0; i < 12; ++i) suffix += "abcdefghijklmnopqrstuvwxyz0123456789"[random() % 36];
    return suffix;
  }
  std::string name_;
  std::string url_;
};

}  // namespace stratus::testing
