#include "services/dashboard/api/dashboard_handler.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <google/protobuf/util/time_util.h>
#include <nlohmann/json.hpp>

#include "common/error/error.h"
#include "common/rpc/status.h"
#include "common/validate/validate.h"
#include "services/dashboard/domain/rpc_routes.h"
#include "services/dashboard/domain/static_paths.h"

namespace stratus::dashboard {

namespace beast_http = boost::beast::http;
namespace v1 = cloud::identity::v1;
using json = nlohmann::json;

namespace {

constexpr const char* kJson = "application/json";

// Headers every answer carries: no framing by other sites, no type sniffing, scripts and
// connections only from this origin.
void secure(http::Response& response) {
  response.set("X-Content-Type-Options", "nosniff");
  response.set("X-Frame-Options", "DENY");
  response.set("Referrer-Policy", "same-origin");
  response.set("Content-Security-Policy",
               "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
}

http::Response json_response(const http::Request& request, unsigned status, const std::string& body) {
  auto response = http::make_response(request, static_cast<http::Status>(status), body, kJson);
  response.set(beast_http::field::cache_control, "no-store");
  secure(response);
  return response;
}

http::Response error_response(const http::Request& request, unsigned status, const std::string& code,
                              const std::string& message) {
  json body = {{"error", {{"code", code}, {"message", message}}}};
  return json_response(request, status, body.dump());
}

http::Response status_response(const http::Request& request, const grpc::Status& status) {
  return error_response(request, http_status_for(status.error_code()), rpc::grpc_code_name(status.error_code()),
                        status.error_message());
}

std::string session_token_of(const http::Request& request) {
  auto header = request.find(beast_http::field::cookie);
  if (header == request.end()) return "";
  auto value = cookie_value(std::string_view(header->value().data(), header->value().size()), kSessionCookie);
  return value ? *value : "";
}

std::string header_of(const http::Request& request, const char* name) {
  auto header = request.find(name);
  return header == request.end() ? "" : std::string(header->value());
}

// A JSON object body's string fields; nullopt when the body is not a JSON object.
std::optional<json> json_object(const std::string& body) {
  json parsed = json::parse(body.empty() ? "{}" : body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

std::string string_field(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

StaticSite StaticSite::load(const std::string& root) {
  namespace fs = std::filesystem;
  StaticSite site;
  if (!fs::is_regular_file(fs::path(root) / "index.html"))
    throw std::runtime_error("dashboard.web_root " + root + " has no index.html: build the app (npm run build)");
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::string relative = fs::relative(entry.path(), root).generic_string();
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    site.files_[relative] = {content.str(), content_type_for(relative), cache_control_for(relative)};
  }
  return site;
}

const StaticFile* StaticSite::find(const std::string& relative_path) const {
  auto it = files_.find(relative_path);
  return it == files_.end() ? nullptr : &it->second;
}

DashboardHandler::DashboardHandler(SessionBackend& sessions, RpcBackend& rpc, ConsoleBackend& consoles,
                                   const CsrfGuard& csrf, const StaticSite& site, DashboardSettings settings,
                                   log::Logger logger)
    : sessions_(sessions), rpc_(rpc), consoles_(consoles), csrf_(csrf), site_(site), settings_(settings),
      logger_(std::move(logger)) {}

http::Response DashboardHandler::handle(const http::Request& request) {
  std::string target(request.target());
  std::string path = target.substr(0, target.find('?'));
  if (path == "/api" || path.rfind("/api/", 0) == 0) return handle_api(request, path);
  return serve_static(request);
}

http::Upgrade DashboardHandler::upgrade(const http::Request& request) {
  std::string target(request.target());
  std::string path = target.substr(0, target.find('?'));
  const std::string prefix = "/api/console/";
  if (path.rfind(prefix, 0) != 0 || path.size() == prefix.size())
    return http::Upgrade::refuse(error_response(request, 404, "NOT_FOUND", "no WebSocket at " + path));
  std::string server = path.substr(prefix.size());
  if (!validate::is_uuid(server))
    return http::Upgrade::refuse(error_response(request, 400, "INVALID_ARGUMENT", "a console is opened by server id"));
  std::string token = session_token_of(request);
  if (token.empty()) return http::Upgrade::refuse(error_response(request, 401, "UNAUTHENTICATED", "you are not logged in"));
  // Cross-site WebSockets carry cookies too (SameSite aside): the origin must be this site's,
  // and the CSRF token bound to the session must come along.
  if (!same_origin(header_of(request, "Origin"), header_of(request, "Host")))
    return http::Upgrade::refuse(error_response(request, 403, "PERMISSION_DENIED", "a console opens only from the dashboard's own pages"));
  if (!csrf_.accepts(token, query_value(target, "csrf")))
    return http::Upgrade::refuse(error_response(request, 403, "PERMISSION_DENIED",
                                                "the console request has no valid CSRF token: reload the page"));
  return http::Upgrade::accept_with([this, token, server](std::shared_ptr<http::WebSocket> socket) {
    std::weak_ptr<http::WebSocket> weak = socket;
    auto log = logger_;
    std::shared_ptr<ConsoleCall> call = consoles_.open(
        token, server,
        [weak](const std::string& bytes) {
          if (auto s = weak.lock()) s->send(bytes);
        },
        [weak, log, server](const grpc::Status& status) {
          auto s = weak.lock();
          if (!s) return;
          // The service's own words on the user's screen, then the end of the session.
          if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED)
            s->send(std::string("\r\n[") + rpc::grpc_code_name(status.error_code()) + ": " + status.error_message() + "]\r\n");
          s->close();
        });
    logger_.info("console opened", {{"server", server}});
    return http::WebSocketSession{[call](std::string typed) { call->type(typed); },
                                  [call]() mutable { call->hang_up(); }};
  });
}

http::Response DashboardHandler::handle_api(const http::Request& request, const std::string& path) {
  auto method = request.method();
  if (path == "/api/session" && method == beast_http::verb::post) return log_in(request);

  std::string token = session_token_of(request);
  if (token.empty()) return error_response(request, 401, "UNAUTHENTICATED", "you are not logged in");
  if (method != beast_http::verb::get && method != beast_http::verb::head &&
      !csrf_.accepts(token, header_of(request, "X-CSRF-Token")))
    return error_response(request, 403, "PERMISSION_DENIED",
                          "the request has no valid X-CSRF-Token: reload the page and try again");

  if (path == "/api/session") {
    if (method == beast_http::verb::get) return current_session(request, token);
    if (method == beast_http::verb::delete_) return log_out(request, token);
  } else if (path == "/api/session/project" && method == beast_http::verb::post) {
    return switch_project(request, token);
  } else if (path == "/api/projects" && method == beast_http::verb::get) {
    return forward(request, rpc_route("identity", "ListProjects"), token);
  } else if (path == "/api/endpoints" && method == beast_http::verb::get) {
    return forward(request, rpc_route("identity", "ListEndpoints"), token);
  } else if (path.rfind("/api/rpc/", 0) == 0) {
    if (method != beast_http::verb::post)
      return error_response(request, 405, "INVALID_ARGUMENT", "service calls are POST requests");
    auto route = find_rpc_route(path);
    if (!route) return error_response(request, 404, "NOT_FOUND", "no such service call: " + path.substr(9));
    return forward(request, *route, token);
  } else {
    return error_response(request, 404, "NOT_FOUND", "no such API path: " + path);
  }
  return error_response(request, 405, "INVALID_ARGUMENT", std::string(request.method_string()) + " is not allowed on " + path);
}

http::Response DashboardHandler::log_in(const http::Request& request) {
  auto body = json_object(request.body());
  if (!body) return error_response(request, 400, "INVALID_ARGUMENT", "the login body must be a JSON object");
  std::string username = string_field(*body, "username");
  std::string password = string_field(*body, "password");
  if (username.empty() || password.empty())
    return error_response(request, 400, "INVALID_ARGUMENT", "enter a user name and a password");
  v1::Token token;
  auto status = sessions_.log_in(username, password, string_field(*body, "project"), &token);
  if (!status.ok()) {
    logger_.info("login refused", {{"user", echo(username)}, {"code", rpc::grpc_code_name(status.error_code())}});
    return status_response(request, status);
  }
  if (!is_cookie_safe(token.token()))
    return error_response(request, 500, "INTERNAL", "identity issued a token that cannot be kept in a cookie");
  logger_.info("logged in", {{"user_id", token.info().user_id()}, {"project_id", token.info().project_id()}});
  return session_answer(request, token.token(), token.info(), true);
}

http::Response DashboardHandler::current_session(const http::Request& request, const std::string& token) {
  v1::TokenInfo info;
  auto status = sessions_.validate(token, &info);
  if (!status.ok()) {
    auto response = status.error_code() == grpc::StatusCode::UNAUTHENTICATED
                        ? error_response(request, 401, "UNAUTHENTICATED", "your session expired, please log in again")
                        : status_response(request, status);
    if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED)
      response.set(beast_http::field::set_cookie, cleared_session_cookie(settings_.secure_cookies));
    return response;
  }
  return session_answer(request, token, info, false);
}

http::Response DashboardHandler::log_out(const http::Request& request, const std::string& token) {
  auto status = sessions_.log_out(token);
  // An expired or already revoked token is logged out all the same.
  if (!status.ok() && status.error_code() != grpc::StatusCode::UNAUTHENTICATED &&
      status.error_code() != grpc::StatusCode::INVALID_ARGUMENT)
    return status_response(request, status);
  auto response = http::make_response(request, http::Status::no_content, "", kJson);
  response.set(beast_http::field::set_cookie, cleared_session_cookie(settings_.secure_cookies));
  response.set(beast_http::field::cache_control, "no-store");
  secure(response);
  return response;
}

http::Response DashboardHandler::switch_project(const http::Request& request, const std::string& token) {
  auto body = json_object(request.body());
  std::string project = body ? string_field(*body, "project") : "";
  if (project.empty()) return error_response(request, 400, "INVALID_ARGUMENT", "name the project to switch to");
  v1::Token scoped;
  auto status = sessions_.switch_project(token, project, &scoped);
  if (!status.ok()) return status_response(request, status);
  // The old token is no longer the session; revoke it so it cannot outlive the switch.
  sessions_.log_out(token);
  return session_answer(request, scoped.token(), scoped.info(), true);
}

http::Response DashboardHandler::forward(const http::Request& request, const RpcRoute& route,
                                         const std::string& token) {
  auto started = std::chrono::steady_clock::now();
  RpcReply reply = rpc_.call(route, token, request.method() == beast_http::verb::get ? "" : request.body());
  auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  if (!reply.status.ok()) {
    unsigned http_status = http_status_for(reply.status.error_code());
    if (http_status >= 500)
      logger_.warn("service call failed", {{"call", route.service + "/" + route.method},
                                            {"code", rpc::grpc_code_name(reply.status.error_code())},
                                            {"message", reply.status.error_message()}});
    return status_response(request, reply.status);
  }
  logger_.debug("service call", {{"call", route.service + "/" + route.method}, {"ms", elapsed_ms.count()}});
  return json_response(request, 200, reply.json);
}

http::Response DashboardHandler::session_answer(const http::Request& request, const std::string& token,
                                                const v1::TokenInfo& info, bool set_cookie) {
  using google::protobuf::util::TimeUtil;
  json body = {{"user_id", info.user_id()},
               {"user_name", info.user_name()},
               {"project_id", info.project_id()},
               {"project_name", info.project_name()},
               {"roles", std::vector<std::string>(info.roles().begin(), info.roles().end())},
               {"expires_at", TimeUtil::ToString(info.expires_at())},
               {"csrf_token", csrf_.token_for(token)}};
  auto response = json_response(request, 200, body.dump());
  if (set_cookie) {
    auto remaining = std::chrono::seconds(info.expires_at().seconds()) -
                     std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    response.set(beast_http::field::set_cookie, session_cookie(token, settings_.secure_cookies, remaining));
  }
  return response;
}

http::Response DashboardHandler::serve_static(const http::Request& request) {
  if (request.method() != beast_http::verb::get && request.method() != beast_http::verb::head)
    return error_response(request, 405, "INVALID_ARGUMENT", "only GET and HEAD serve the app");
  auto relative = static_file_for(std::string(request.target()));
  if (!relative) return error_response(request, 400, "INVALID_ARGUMENT", "that path is not allowed");
  const StaticFile* file = site_.find(*relative);
  // The app's own routes (/instances, /volumes/...) are pages of index.html; a missing
  // asset is a real 404 so a stale page does not get HTML for its script.
  if (!file && relative->rfind("assets/", 0) != 0) file = site_.find("index.html");
  if (!file) return error_response(request, 404, "NOT_FOUND", "no such file: " + *relative);
  auto response = http::make_response(request, http::Status::ok,
                                      request.method() == beast_http::verb::head ? "" : file->content,
                                      file->content_type);
  response.set(beast_http::field::cache_control, file->cache_control);
  secure(response);
  return response;
}

}  // namespace stratus::dashboard
