#pragma once
// The dashboard's HTTP surface: the built single-page app, the session endpoints and the
// JSON bridge to the services (see docs/dashboard.md for the contract):
//   POST   /api/session           {username, password, project?} -> session JSON + cookie
//   GET    /api/session           the current session (401 when none or expired)
//   DELETE /api/session           log out (revokes the token)
//   POST   /api/session/project   {project} -> a session scoped to another project
//   GET    /api/projects          the projects the user may switch to
//   GET    /api/endpoints         the service catalog
//   POST   /api/rpc/<service>/<Method>   a unary call as the user, JSON in and out
//   GET    /api/console/<server>?csrf=T  WebSocket: the server's interactive serial console
// Every call but login needs the session cookie; every state-changing one (all but GET)
// also needs X-CSRF-Token.
#include <chrono>
#include <map>
#include <string>

#include "common/http/server.h"
#include "common/log/log.h"
#include "services/dashboard/app/console_bridge.h"
#include "services/dashboard/app/rpc_bridge.h"
#include "services/dashboard/app/sessions.h"
#include "services/dashboard/domain/session.h"

namespace stratus::dashboard {

struct StaticFile {
  std::string content;
  std::string content_type;
  std::string cache_control;
};

// The built app, read once at start (it is small, and a new build means a new release).
class StaticSite {
 public:
  // Every file under `root`; throws when `root` has no index.html.
  static StaticSite load(const std::string& root);
  const StaticFile* find(const std::string& relative_path) const;
  size_t size() const { return files_.size(); }

 private:
  std::map<std::string, StaticFile> files_;
};

struct DashboardSettings {
  bool secure_cookies = false;  // under TLS
};

class DashboardHandler {
 public:
  DashboardHandler(SessionBackend& sessions, RpcBackend& rpc, ConsoleBackend& consoles, const CsrfGuard& csrf,
                   const StaticSite& site, DashboardSettings settings, log::Logger logger);

  http::Response handle(const http::Request& request);
  // A WebSocket request: only the console, only from this origin, with the session cookie and
  // its CSRF token (browsers cannot set headers on a WebSocket: it rides in the query).
  http::Upgrade upgrade(const http::Request& request);

 private:
  http::Response handle_api(const http::Request& request, const std::string& path);
  http::Response log_in(const http::Request& request);
  http::Response current_session(const http::Request& request, const std::string& token);
  http::Response log_out(const http::Request& request, const std::string& token);
  http::Response switch_project(const http::Request& request, const std::string& token);
  http::Response forward(const http::Request& request, const RpcRoute& route, const std::string& token);
  http::Response serve_static(const http::Request& request);
  // The session answer: the token's user and project and a CSRF token; sets the cookie
  // when `token` is new.
  http::Response session_answer(const http::Request& request, const std::string& token,
                                const cloud::identity::v1::TokenInfo& info, bool set_cookie);

  SessionBackend& sessions_;
  RpcBackend& rpc_;
  ConsoleBackend& consoles_;
  const CsrfGuard& csrf_;
  const StaticSite& site_;
  DashboardSettings settings_;
  log::Logger logger_;
};

}  // namespace stratus::dashboard
