// stratus-dashboard: the web dashboard. Serves the built single-page app and a JSON API that
// calls the cloud's services over gRPC with the user's own token (no dashboard super-user).
// Stateless: the session is the user's token in an HttpOnly cookie. See docs/dashboard.md.
//
//   stratus-dashboard --config /etc/stratus/dashboard.conf
//
// Settings (file or STRATUS_* environment): server.listen (127.0.0.1:8790, HTTP),
// identity.{url, service_user, service_password, service_project}, bus.url,
// compute.url, network.url, image.url, block-storage.url (else the catalog's),
// dashboard.{web_root (the built app: index.html and assets/), session_key_file (64 hex
// digits shared by replicas; else a random key per process), threads (16),
// call_timeout (30 s), max_body_bytes (1048576), read_timeout (30 s), secure_cookies (false;
// true under TLS)}, tls.*, log.{level, format}.
#include <fstream>
#include <sstream>

#include "common/http/server.h"
#include "common/process/signals.h"
#include "common/rpc/service_main.h"
#include "common/service/service_runtime.h"
#include "services/dashboard/api/dashboard_handler.h"

using namespace stratus;

namespace {

dashboard::CsrfKey session_key(const Config& config) {
  std::string file = config.get("dashboard.session_key_file", "");
  if (file.empty()) return dashboard::random_csrf_key();
  std::ifstream in(file);
  if (!in) throw std::runtime_error("dashboard.session_key_file " + file + " cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return dashboard::csrf_key_from_hex(text.str());
}

int run(const Config& config) {
  ServiceRuntime runtime(config, {"dashboard", "127.0.0.1:8790", nullptr});
  auto site = dashboard::StaticSite::load(config.get("dashboard.web_root", "/usr/share/stratus/dashboard"));
  dashboard::CsrfGuard csrf(session_key(config));
  auto call_timeout = config.get_seconds("dashboard.call_timeout", std::chrono::seconds(30));

  dashboard::IdentitySessions sessions(runtime.identity().stub(), call_timeout);
  dashboard::GrpcJsonBridge bridge(
      [&runtime](const std::string& service) {
        return service == "identity" ? runtime.channels().open(runtime.identity().endpoint())
                                     : runtime.channel_to(service);
      },
      call_timeout);
  dashboard::DashboardSettings settings;
  settings.secure_cookies = config.get_bool("dashboard.secure_cookies", false);
  dashboard::GrpcConsoleBackend consoles([&runtime] { return runtime.channel_to("compute"); });
  dashboard::DashboardHandler handler(sessions, bridge, consoles, csrf, site, settings, runtime.logger().child("api"));

  http::ServerSettings http_settings;
  http_settings.listen = runtime.listen_address();
  http_settings.threads = static_cast<int>(config.get_int("dashboard.threads", 16));
  http_settings.max_body_bytes = static_cast<size_t>(config.get_int("dashboard.max_body_bytes", 1024 * 1024));
  http_settings.read_timeout = config.get_seconds("dashboard.read_timeout", std::chrono::seconds(30));
  http::Server server(http_settings, [&handler](const http::Request& r) { return handler.handle(r); },
                      runtime.logger().child("http"));
  server.on_upgrade([&handler](const http::Request& r) { return handler.upgrade(r); });
  server.start();
  runtime.logger().info("serving the dashboard",
                        {{"url", "http://" + runtime.listen_address() + "/"}, {"files", site.size()}});
  int signal_number = process::wait_for_termination_signal();
  runtime.logger().info("shutting down", {{"signal", process::termination_signal_name(signal_number)}});
  server.stop(std::chrono::seconds(10));
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return rpc::service_main(argc, argv, "stratus-dashboard", run); }
