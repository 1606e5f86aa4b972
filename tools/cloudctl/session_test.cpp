// Session against an in-process fake of the identity service: token reuse, renewal and the catalog.
#include <catch2/catch.hpp>

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <string>

#include "identity/v1/identity.grpc.pb.h"
#include "tools/cloudctl/console.h"
#include "tools/cloudctl/session.h"

using namespace stratus::cloudctl;
namespace id = cloud::identity::v1;
namespace fs = std::filesystem;

namespace {

// Issues "token-N" for the password "right"; calls fail as expired while `expire_all` is set.
class FakeIdentity : public id::Identity::Service {
 public:
  int authentications = 0;
  int catalog_reads = 0;
  bool expire_all = false;
  std::string last_bearer;

  grpc::Status Authenticate(grpc::ServerContext*, const id::AuthenticateRequest* request, id::Token* token) override {
    if (request->password().password() != "right")
      return {grpc::StatusCode::UNAUTHENTICATED, "invalid user name or password"};
    ++authentications;
    expire_all = false;
    token->set_token("token-" + std::to_string(authentications));
    token->mutable_info()->set_user_name(request->password().username());
    token->mutable_info()->set_project_name("demo");
    token->mutable_info()->mutable_expires_at()->set_seconds(time(nullptr) + 3600);
    return grpc::Status::OK;
  }

  grpc::Status ListProjects(grpc::ServerContext* context, const id::ListProjectsRequest*, id::ListProjectsResponse*) override {
    return check(*context);
  }

  grpc::Status ListEndpoints(grpc::ServerContext* context, const id::ListEndpointsRequest*,
                             id::ListEndpointsResponse* response) override {
    ++catalog_reads;
    auto* endpoint = response->add_endpoints();
    endpoint->set_service("compute");
    endpoint->set_url("127.0.0.1:1");
    return check(*context);
  }

 private:
  grpc::Status check(const grpc::ServerContext& context) {
    auto it = context.client_metadata().find("authorization");
    last_bearer = it == context.client_metadata().end() ? "" : std::string(it->second.data(), it->second.size());
    if (expire_all) return {grpc::StatusCode::UNAUTHENTICATED, "token expired; log in again"};
    return grpc::Status::OK;
  }
};

class NoTerminal : public Console {
 public:
  bool interactive() const override { return false; }
  std::optional<std::string> read_line() override { return std::nullopt; }
  std::optional<std::string> ask_secret(const std::string&) override { return std::nullopt; }
};

struct Fixture {
  Fixture() {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&identity);
    server = builder.BuildAndStart();
    endpoint = "127.0.0.1:" + std::to_string(port);
    std::string pattern = (fs::temp_directory_path() / "cloudctl-session-XXXXXX").string();
    home = mkdtemp(pattern.data());
    paths = {home + "/config", home + "/credentials", home + "/cache"};
  }
  ~Fixture() {
    server->Shutdown();
    fs::remove_all(home);
  }
  Profile profile(std::optional<std::string> password) { return {"demo", endpoint, "demo", "demo", std::move(password), ""}; }
  void list_projects(Session& session) {
    auto stub = id::Identity::NewStub(session.channel_for("identity"));
    session.call("identity", *stub, &id::Identity::Stub::ListProjects, id::ListProjectsRequest());
  }

  FakeIdentity identity;
  std::unique_ptr<grpc::Server> server;
  std::string endpoint, home;
  ConfigPaths paths;
  NoTerminal console;
};

}  // namespace

TEST_CASE("a cached valid token is reused by later commands without authenticating again") {
  Fixture f;
  Session(f.profile("right"), f.paths, f.console).login("demo", "right", "demo");
  Session later(f.profile(std::nullopt), f.paths, f.console);
  f.list_projects(later);
  CHECK(f.identity.authentications == 1);
  CHECK(f.identity.last_bearer == "Bearer token-1");
}

TEST_CASE("without a token the stored password logs in and the token is cached") {
  Fixture f;
  Session session(f.profile("right"), f.paths, f.console);
  f.list_projects(session);
  CHECK(f.identity.authentications == 1);
  REQUIRE(load_token_cache(token_cache_path(f.paths, "demo")));
  CHECK(load_token_cache(token_cache_path(f.paths, "demo"))->bearer == "token-1");
}

TEST_CASE("a token the server calls expired is renewed and the call retried once") {
  Fixture f;
  Session(f.profile("right"), f.paths, f.console).login("demo", "right", "demo");
  f.identity.expire_all = true;
  Session later(f.profile("right"), f.paths, f.console);
  f.list_projects(later);
  CHECK(f.identity.authentications == 2);
  CHECK(f.identity.last_bearer == "Bearer token-2");
}

TEST_CASE("an expired token with no password and no terminal asks the user to log in") {
  Fixture f;
  Session(f.profile("right"), f.paths, f.console).login("demo", "right", "demo");
  f.identity.expire_all = true;
  Session later(f.profile(std::nullopt), f.paths, f.console);
  try {
    f.list_projects(later);
    FAIL("expected UNAUTHENTICATED");
  } catch (const CloudError& error) {
    CHECK(error.status_name() == "UNAUTHENTICATED");
    CHECK_THAT(error.what(), Catch::Contains("cloudctl login"));
  }
}

TEST_CASE("other services are found in the catalog, read once and cached with the token") {
  Fixture f;
  Session session(f.profile("right"), f.paths, f.console);
  CHECK(session.channel_for("compute"));
  CHECK(f.identity.catalog_reads == 1);
  CHECK(load_token_cache(token_cache_path(f.paths, "demo"))->catalog.at("compute") == "127.0.0.1:1");
  Session later(f.profile("right"), f.paths, f.console);
  CHECK(later.channel_for("compute"));
  CHECK(f.identity.catalog_reads == 1);
  CHECK_THROWS_AS(later.channel_for("image"), CloudError);
}

TEST_CASE("an unreachable identity endpoint is UNAVAILABLE with a hint naming it") {
  Fixture f;
  Profile profile = f.profile("right");
  profile.endpoint = "127.0.0.1:1";
  Session session(profile, f.paths, f.console);
  try {
    f.list_projects(session);
    FAIL("expected UNAVAILABLE");
  } catch (const CloudError& error) {
    CHECK(error.status_name() == "UNAVAILABLE");
    CHECK_THAT(error.what(), Catch::Contains("127.0.0.1:1"));
  }
}
