#pragma once
// Calls on one service's stub with one bearer token, as the integration suites make them.
#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "tests/support/reply.h"

namespace stratus::test_support {

template <typename Stub>
class AuthorizedClient {
 public:
  AuthorizedClient(const std::shared_ptr<grpc::Channel>& channel, std::string token)
      : stub_(std::make_shared<Stub>(channel)), token_(std::move(token)) {}

  template <typename Request, typename Response>
  Reply<Response> call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                       const Request& request) const {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    context.AddMetadata("authorization", "Bearer " + token_);
    Reply<Response> reply;
    reply.status = ((*stub_).*method)(&context, request, &reply.value);
    return reply;
  }
  Stub& stub() const { return *stub_; }
  const std::string& token() const { return token_; }

 private:
  std::shared_ptr<Stub> stub_;
  std::string token_;
};

}  // namespace stratus::test_support
