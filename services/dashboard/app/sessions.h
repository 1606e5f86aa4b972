#pragma once
// Logging in and out through identity: a password (or, to switch project, the current token)
// buys a project-scoped token, which becomes the session; logging out revokes it.
#include <chrono>
#include <string>

#include <grpcpp/grpcpp.h>

#include "identity/v1/identity.grpc.pb.h"

namespace stratus::dashboard {

class SessionBackend {
 public:
  virtual ~SessionBackend() = default;
  virtual grpc::Status log_in(const std::string& username, const std::string& password, const std::string& project,
                              cloud::identity::v1::Token* token) = 0;
  virtual grpc::Status switch_project(const std::string& token, const std::string& project,
                                      cloud::identity::v1::Token* scoped) = 0;
  virtual grpc::Status validate(const std::string& token, cloud::identity::v1::TokenInfo* info) = 0;
  virtual grpc::Status log_out(const std::string& token) = 0;
};

class IdentitySessions : public SessionBackend {
 public:
  IdentitySessions(cloud::identity::v1::Identity::Stub& identity, std::chrono::milliseconds deadline)
      : identity_(identity), deadline_(deadline) {}

  grpc::Status log_in(const std::string& username, const std::string& password, const std::string& project,
                      cloud::identity::v1::Token* token) override;
  grpc::Status switch_project(const std::string& token, const std::string& project,
                              cloud::identity::v1::Token* scoped) override;
  grpc::Status validate(const std::string& token, cloud::identity::v1::TokenInfo* info) override;
  grpc::Status log_out(const std::string& token) override;

 private:
  void prepare(grpc::ClientContext& context, const std::string& token) const;

  cloud::identity::v1::Identity::Stub& identity_;
  std::chrono::milliseconds deadline_;
};

}  // namespace stratus::dashboard
