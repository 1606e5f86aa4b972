#pragma once
// The one HTTP/1.1 server of the cloud's HTTP fronts (the EC2 API now, the dashboard later),
// on Boost.Beast/Asio, so that WebSockets and streaming can later come from the same library.
//
//   http::Server server(settings, [&](const http::Request& r) { return answer(r); }, logger);
//   server.start();                       // binds (throws when it cannot), threads serve
//   process::wait_for_termination_signal();
//   server.stop(std::chrono::seconds(10)); // graceful: see stop()
//
// Every connection reads requests one after the other (keep-alive as the client asks),
// with a size limit on the headers and the body (413 beyond it) and a timeout on each read
// (a slow or idle client is dropped). The handler runs on one of the server's threads and
// may block (it calls other services); size `threads` for the calls that may wait at once.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/beast/http.hpp>

#include "common/log/log.h"

namespace stratus::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Status = boost::beast::http::status;
using Handler = std::function<Response(const Request&)>;

// WebSockets (RFC 6455) on the same port, for a request that asks to upgrade. The app sees a
// connection it may send to from any thread, and callbacks for what arrives:
//
//   server.on_upgrade([&](const http::Request& r) -> http::Upgrade {
//     if (!allowed(r)) return http::Upgrade::refuse(make_response(r, Status::forbidden, ...));
//     return http::Upgrade::accept_with([](std::shared_ptr<http::WebSocket> socket) {
//       return http::WebSocketSession{[socket](std::string data) { socket->send(data); },  // echo
//                                     [] { /* closed */ }};
//     });
//   });
class WebSocket {
 public:
  virtual ~WebSocket() = default;
  // Queued and sent in order; thread-safe. Binary frames unless `text`.
  virtual void send(std::string data, bool text = false) = 0;
  // Closes after what is queued (a normal close frame); thread-safe, idempotent.
  virtual void close() = 0;
};
struct WebSocketSession {
  std::function<void(std::string data)> on_message;  // on the connection's strand: keep it short
  std::function<void()> on_close;                     // once, however the connection ended
};
struct Upgrade {
  std::optional<Response> refusal;  // answered instead of upgrading
  std::function<WebSocketSession(std::shared_ptr<WebSocket>)> accept;
  static Upgrade refuse(Response response) { return Upgrade{std::move(response), nullptr}; }
  static Upgrade accept_with(std::function<WebSocketSession(std::shared_ptr<WebSocket>)> start) {
    return Upgrade{std::nullopt, std::move(start)};
  }
};
using UpgradeHandler = std::function<Upgrade(const Request&)>;

struct ServerSettings {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one (tests)
  int threads = 4;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::seconds read_timeout{30};  // per request, and for an idle keep-alive connection
};

// A response with `status`, a body and its content type; keep-alive copied from `request`.
Response make_response(const Request& request, Status status, std::string body, const std::string& content_type);

class Server {
 public:
  Server(ServerSettings settings, Handler handler, log::Logger logger);
  ~Server();  // stop() with no grace if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Requests that ask for a WebSocket go to `handler` (set it before start()); without one they
  // are ordinary requests for the HTTP handler.
  void on_upgrade(UpgradeHandler handler);
  // Binds and starts the threads. Throws std::runtime_error when the address cannot be bound.
  void start();
  // The bound port (after start()).
  int port() const { return port_; }
  // Stops accepting, drops connections waiting for a request, lets requests in flight be
  // answered (their connections then close) for up to `grace`, then stops the threads.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  bool running_ = false;
};

// "127.0.0.1:8788" -> {"127.0.0.1", 8788}; throws std::invalid_argument on a bad address.
std::pair<std::string, unsigned short> split_host_port(const std::string& address);

}  // namespace stratus::http
