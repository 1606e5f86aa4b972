#pragma once
// What the identity API tests share: a real stratus-identity process on a database of its
// own (IdentityService), a small gRPC client that carries a token (IdentityClient), and
// helpers that set up users, projects and roles through the API.
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <grpcpp/grpcpp.h>

#include "identity/v1/identity.grpc.pb.h"
#include "tests/support/reply.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"

namespace stratus::identity_test {

namespace v1 = cloud::identity::v1;
using Stub = v1::Identity::Stub;
using grpc::StatusCode;
using test_support::ServiceProcess;
using test_support::TestDatabase;
// Extra environment for a service process, e.g. Env{{"STRATUS_IDENTITY_LOCKOUT", "2"}}.
using Env = std::map<std::string, std::string>;

// The bootstrap admin every service process creates on a fresh database.
inline const std::string kAdminName = "admin";
inline const std::string kAdminProject = "admin";
inline const std::string kAdminPassword = "Bootstrap-Admin-Pw-7";

using test_support::describe;
using test_support::must;
using test_support::Reply;

// A client of one identity process, sending `authorization: <value>` when it has one.
// Copies share the channel; with_token() makes a client that acts as someone else.
class IdentityClient {
 public:
  explicit IdentityClient(const std::string& address);

  IdentityClient with_token(const std::string& token) const { return with_authorization("Bearer " + token); }
  IdentityClient with_authorization(const std::string& value) const;
  IdentityClient without_token() const { return with_authorization(""); }

  // Calls `method` (e.g. &Stub::CreateProject) with this client's authorization.
  template <typename Request, typename Response>
  Reply<Response> call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                       const Request& request) const {
    grpc::ClientContext context;
    // Generous: password hashing under a loaded machine must not turn into DEADLINE_EXCEEDED.
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!authorization_.empty()) context.AddMetadata("authorization", authorization_);
    Reply<Response> reply;
    reply.status = ((*stub_).*method)(&context, request, &reply.value);
    return reply;
  }

  // The calls most tests make.
  Reply<v1::Token> login(const std::string& user, const std::string& password, const std::string& project = "") const;
  Reply<v1::Token> renew(const std::string& token, const std::string& project = "") const;
  Reply<v1::TokenInfo> validate(const std::string& token) const;
  Reply<v1::Project> create_project(const std::string& name) const;
  Reply<v1::User> create_user(const std::string& name, const std::string& password) const;
  Reply<v1::RoleAssignment> add_role(const std::string& user, const std::string& project,
                                     const std::string& role) const;
  Reply<v1::ListProjectsResponse> list_projects() const;
  Reply<v1::ListUsersResponse> list_users() const;

 private:
  std::shared_ptr<Stub> stub_;
  std::string authorization_;
};

// The environment of a stratus-identity child process on `database`, with the bootstrap
// admin; `extra` adds or overrides variables (e.g. STRATUS_IDENTITY_LOCKOUT).
test_support::ServiceOptions identity_options(const TestDatabase& database,
                                              const std::map<std::string, std::string>& extra = {});
std::unique_ptr<ServiceProcess> start_identity(const TestDatabase& database,
                                               const std::map<std::string, std::string>& extra = {});

// One identity process on a fresh database of its own, and clients for it: `anonymous`
// (no token) and `admin` (the bootstrap admin's token, scoped to the admin project).
// Members are destroyed in reverse: clients, then the process (SIGTERM), then the database.
struct IdentityService {
  explicit IdentityService(const std::map<std::string, std::string>& extra_env = {});

  TestDatabase database;
  std::unique_ptr<ServiceProcess> process;
  IdentityClient anonymous;
  std::string admin_token;
  IdentityClient admin;
};

// Creates user `name` and gives them `role` on `project` (which must exist).
v1::User create_user_with_role(const IdentityClient& admin, const std::string& name, const std::string& password,
                               const std::string& project, const std::string& role);
// Logs `user` in (scoped to `project`, or their only project) and returns a client acting as them.
IdentityClient logged_in(const IdentityClient& any, const std::string& user, const std::string& password,
                         const std::string& project = "");

// Token anatomy: "stv1.<key id>.<claims>.<signature>".
std::vector<std::string> token_parts(const std::string& token);
std::string key_id_of(const std::string& token);

// "0aff" -> "\x0a\xff": for bytea columns read with encode(column, 'hex').
std::string bytes_from_hex(const std::string& hex);

// Names of what a list holds, for readable comparisons.
std::vector<std::string> project_names(const v1::ListProjectsResponse& projects);
std::vector<std::string> user_names(const v1::ListUsersResponse& users);

}  // namespace stratus::identity_test

// Catch prints status codes by name ("UNAUTHENTICATED") instead of numbers.
namespace Catch {
template <>
struct StringMaker<grpc::StatusCode> {
  static std::string convert(grpc::StatusCode code);
};
}  // namespace Catch
