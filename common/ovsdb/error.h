#pragma once

#include <stdexcept>
#include <string>

namespace stratus::ovsdb {

// Every failure of this library: connection trouble, JSON-RPC errors, failed transaction
// operations. what() reads "<context>: <error>: <details>", where context names the method
// and table/row, and error/details are the server's own words when it sent any.
class OvsdbError : public std::runtime_error {
 public:
  OvsdbError(std::string context, std::string error, std::string details = {})
      : std::runtime_error(compose(context, error, details)),
        context_(std::move(context)),
        error_(std::move(error)),
        details_(std::move(details)) {}

  const std::string& context() const { return context_; }
  const std::string& error() const { return error_; }
  const std::string& details() const { return details_; }

 private:
  static std::string compose(const std::string& c, const std::string& e, const std::string& d) {
    std::string text = c + ": " + e;
    if (!d.empty()) text += ": " + d;
    return text;
  }

  std::string context_;
  std::string error_;
  std::string details_;
};

}  // namespace stratus::ovsdb
