#pragma once
// What a gRPC call answered, for tests: the status and, when OK, the response. Suites call
// their services through small clients that return Reply<Response>.
#include <stdexcept>
#include <string>

#include <grpcpp/grpcpp.h>

namespace stratus::test_support {

template <typename Response>
struct Reply {
  grpc::Status status;
  Response value;
  bool ok() const { return status.ok(); }
  grpc::StatusCode code() const { return status.error_code(); }
  std::string message() const { return status.error_message(); }
};

// "CODE: message", for failure messages.
std::string describe(const grpc::Status& status);

// The response; throws when `reply` is not OK, naming `what`: for set-up steps, where a
// failure is not the behaviour under test but must still stop it. Returns a copy (bind it to a
// variable before iterating one of its lists).
template <typename Response>
Response must(const Reply<Response>& reply, const std::string& what) {
  if (!reply.ok()) throw std::runtime_error(what + " failed: " + describe(reply.status));
  return reply.value;
}

}  // namespace stratus::test_support
