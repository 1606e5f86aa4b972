// The handler's session, CSRF and mapping rules with stand-in backends (pure logic: the
// browser journey in tests/dashboard-e2e runs the same paths against the real cloud).
#include "services/dashboard/api/dashboard_handler.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace stratus;
using namespace stratus::dashboard;
namespace v1 = cloud::identity::v1;
namespace beast_http = boost::beast::http;

namespace {

class StandInSessions : public SessionBackend {
 public:
  grpc::Status log_in(const std::string& user, const std::string& password, const std::string&,
                      v1::Token* token) override {
    if (user != "demo" || password != "secret")
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "invalid user name or password");
    token->set_token("tok-1");
    token->mutable_info()->set_user_name("demo");
    token->mutable_info()->set_project_name("demo");
    token->mutable_info()->mutable_expires_at()->set_seconds(4102444800);  // 2100
    return grpc::Status::OK;
  }
  grpc::Status switch_project(const std::string&, const std::string&, v1::Token*) override {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "no role on that project");
  }
  grpc::Status validate(const std::string& token, v1::TokenInfo* info) override {
    if (token != "tok-1") return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "token expired");
    info->set_user_name("demo");
    return grpc::Status::OK;
  }
  grpc::Status log_out(const std::string& token) override {
    revoked = token;
    return grpc::Status::OK;
  }
  std::string revoked;
};

class StandInRpc : public RpcBackend {
 public:
  RpcReply call(const RpcRoute& route, const std::string& token, const std::string& body) override {
    last_call = route.grpc_path() + " as " + token + " with " + body;
    if (route.method == "GetServer") return {grpc::Status(grpc::StatusCode::NOT_FOUND, "server 'x' not found"), ""};
    return {grpc::Status::OK, "{\"servers\":[]}"};
  }
  std::string last_call;
};

class StandInConsoles : public ConsoleBackend {
 public:
  std::unique_ptr<ConsoleCall> open(const std::string& token, const std::string& server,
                                    std::function<void(const std::string&)>,
                                    std::function<void(const grpc::Status&)>) override {
    opened = server + " as " + token;
    return nullptr;
  }
  std::string opened;
};

log::Logger quiet() {
  static std::ostringstream out;
  return log::Logger("test", log::Level::Error, log::Format::Text, std::make_shared<log::Sink>(out));
}

struct Fixture {
  Fixture() : csrf(random_csrf_key()) {
    root = std::filesystem::temp_directory_path() / ("dashboard-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root / "assets");
    std::ofstream(root / "index.html") << "<!doctype html><title>Stratus</title>";
    std::ofstream(root / "assets" / "app-1.js") << "console.log(1)";
    site = StaticSite::load(root.string());
    handler = std::make_unique<DashboardHandler>(sessions, rpc, consoles, csrf, site, DashboardSettings{}, quiet());
  }
  ~Fixture() { std::filesystem::remove_all(root); }

  http::Response send(beast_http::verb verb, const std::string& target, const std::string& body = "",
                      const std::string& cookie = "", const std::string& csrf_token = "") {
    http::Request request(verb, target, 11);
    if (!cookie.empty()) request.set(beast_http::field::cookie, "stratus_session=" + cookie);
    if (!csrf_token.empty()) request.set("X-CSRF-Token", csrf_token);
    request.body() = body;
    request.prepare_payload();
    return handler->handle(request);
  }

  std::filesystem::path root;
  StandInSessions sessions;
  StandInRpc rpc;
  StandInConsoles consoles;
  CsrfGuard csrf;
  StaticSite site;
  std::unique_ptr<DashboardHandler> handler;
};

}  // namespace

TEST_CASE_METHOD(Fixture, "logging in sets an HttpOnly cookie and answers a CSRF token bound to it") {
  auto response = send(beast_http::verb::post, "/api/session", R"({"username":"demo","password":"secret"})");
  CHECK(response.result_int() == 200);
  std::string cookie(response[beast_http::field::set_cookie]);
  CHECK(cookie.rfind("stratus_session=tok-1;", 0) == 0);
  CHECK(cookie.find("HttpOnly") != std::string::npos);
  CHECK(cookie.find("SameSite=Strict") != std::string::npos);
  CHECK(response.body().find(csrf.token_for("tok-1")) != std::string::npos);
  CHECK(response.body().find("tok-1") == std::string::npos);  // the token itself never reaches script
}

TEST_CASE_METHOD(Fixture, "a wrong password is a 401 with identity's message, and sets no cookie") {
  auto response = send(beast_http::verb::post, "/api/session", R"({"username":"demo","password":"nope"})");
  CHECK(response.result_int() == 401);
  CHECK(response.body().find("invalid user name or password") != std::string::npos);
  CHECK(response.find(beast_http::field::set_cookie) == response.end());
  CHECK(send(beast_http::verb::post, "/api/session", "not json").result_int() == 400);
  CHECK(send(beast_http::verb::post, "/api/session", R"({"username":"demo"})").result_int() == 400);
}

TEST_CASE_METHOD(Fixture, "service calls need the cookie and the CSRF token, and map statuses") {
  std::string csrf_token = csrf.token_for("tok-1");
  CHECK(send(beast_http::verb::post, "/api/rpc/compute/ListServers", "{}").result_int() == 401);
  CHECK(send(beast_http::verb::post, "/api/rpc/compute/ListServers", "{}", "tok-1").result_int() == 403);
  CHECK(send(beast_http::verb::post, "/api/rpc/compute/ListServers", "{}", "tok-1", csrf.token_for("tok-2"))
            .result_int() == 403);
  CHECK(rpc.last_call.empty());

  auto ok = send(beast_http::verb::post, "/api/rpc/compute/ListServers", "{}", "tok-1", csrf_token);
  CHECK(ok.result_int() == 200);
  CHECK(ok.body() == "{\"servers\":[]}");
  CHECK(rpc.last_call == "/cloud.compute.v1.Compute/ListServers as tok-1 with {}");

  auto missing = send(beast_http::verb::post, "/api/rpc/compute/GetServer", "{}", "tok-1", csrf_token);
  CHECK(missing.result_int() == 404);
  CHECK(missing.body() == R"({"error":{"code":"NOT_FOUND","message":"server 'x' not found"}})");

  CHECK(send(beast_http::verb::post, "/api/rpc/compute/GetInstanceSpec", "{}", "tok-1", csrf_token).result_int() ==
        404);
  CHECK(send(beast_http::verb::get, "/api/rpc/compute/ListServers", "", "tok-1").result_int() == 405);
}

TEST_CASE_METHOD(Fixture, "an expired session is a 401 that clears the cookie; logout revokes the token") {
  auto expired = send(beast_http::verb::get, "/api/session", "", "old-token");
  CHECK(expired.result_int() == 401);
  CHECK(std::string(expired[beast_http::field::set_cookie]).find("Max-Age=0") != std::string::npos);
  CHECK(send(beast_http::verb::get, "/api/session", "", "tok-1").result_int() == 200);

  CHECK(send(beast_http::verb::delete_, "/api/session", "", "tok-1").result_int() == 403);
  CHECK(sessions.revoked.empty());
  auto out = send(beast_http::verb::delete_, "/api/session", "", "tok-1", csrf.token_for("tok-1"));
  CHECK(out.result_int() == 204);
  CHECK(sessions.revoked == "tok-1");
}

TEST_CASE_METHOD(Fixture, "the app's routes get index.html; assets are exact; nothing outside") {
  auto page = send(beast_http::verb::get, "/instances/abc");
  CHECK(page.result_int() == 200);
  CHECK(page.body().find("<title>Stratus</title>") != std::string::npos);
  CHECK(std::string(page[beast_http::field::cache_control]) == "no-cache");
  auto script = send(beast_http::verb::get, "/assets/app-1.js");
  CHECK(script.body() == "console.log(1)");
  CHECK(std::string(script[beast_http::field::content_type]) == "text/javascript; charset=utf-8");
  CHECK(send(beast_http::verb::get, "/assets/gone.js").result_int() == 404);
  CHECK(send(beast_http::verb::get, "/../secrets").result_int() == 400);
  CHECK(send(beast_http::verb::post, "/instances").result_int() == 405);
}

TEST_CASE_METHOD(Fixture, "a console WebSocket needs the session, this origin and the CSRF token in its query") {
  const std::string server = "0b0c5a52-64a4-4b8c-9a3e-2f6f1f0e7a11";
  auto ask = [&](const std::string& target, const std::string& cookie, const std::string& origin) {
    http::Request request(beast_http::verb::get, target, 11);
    request.set(beast_http::field::host, "127.0.0.1:8790");
    if (!origin.empty()) request.set("Origin", origin);
    if (!cookie.empty()) request.set(beast_http::field::cookie, "stratus_session=" + cookie);
    return handler->upgrade(request);
  };
  const std::string own = "http://127.0.0.1:8790";
  const std::string csrf_query = "?csrf=" + csrf.token_for("tok-1");
  CHECK(ask("/api/console/" + server + csrf_query, "", own).refusal->result_int() == 401);
  CHECK(ask("/api/console/" + server + csrf_query, "tok-1", "http://evil.example").refusal->result_int() == 403);
  CHECK(ask("/api/console/" + server, "tok-1", own).refusal->result_int() == 403);
  CHECK(ask("/api/console/" + server + "?csrf=" + csrf.token_for("tok-2"), "tok-1", own).refusal->result_int() == 403);
  CHECK(ask("/api/console/not-an-id" + csrf_query, "tok-1", own).refusal->result_int() == 400);
  CHECK(ask("/api/elsewhere", "tok-1", own).refusal->result_int() == 404);
  auto accepted = ask("/api/console/" + server + csrf_query, "tok-1", own);
  CHECK_FALSE(accepted.refusal);
  REQUIRE(accepted.accept);
  CHECK(consoles.opened.empty());  // the call starts only once the WebSocket is accepted
}
