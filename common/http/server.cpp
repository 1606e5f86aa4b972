#include "common/http/server.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>

namespace stratus::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {
class Session;
}

struct Server::Impl {
  Impl(ServerSettings s, Handler h, log::Logger l)
      : settings(std::move(s)), handler(std::move(h)), logger(std::move(l)), acceptor(io) {}

  void accept();
  void track(Session* session, std::weak_ptr<Session> weak);
  void forget(Session* session);
  void drop_idle_sessions();

  ServerSettings settings;
  Handler handler;
  UpgradeHandler upgrade;
  log::Logger logger;
  std::atomic<bool> stopping{false};
  // Before io: sessions still queued in io when it is destroyed unregister themselves here.
  std::mutex mutex;
  std::condition_variable all_closed;
  std::map<Session*, std::weak_ptr<Session>> sessions;
  asio::io_context io;
  tcp::acceptor acceptor;
};

namespace {

namespace websocket = beast::websocket;

// An accepted WebSocket: reads frames and hands them to the app's session; sends what the
// app queues, in order, one write at a time. Everything runs on the connection's strand.
class WebSocketConnection : public WebSocket, public std::enable_shared_from_this<WebSocketConnection> {
 public:
  WebSocketConnection(tcp::socket socket, std::function<WebSocketSession(std::shared_ptr<WebSocket>)> start,
                      std::size_t max_message_bytes)
      : ws_(std::move(socket)), start_(std::move(start)) {
    ws_.read_message_max(max_message_bytes);
  }

  void run(Request request) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));  // pings an idle peer
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(beast::http::field::server, "stratus"); }));
    ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

  void send(std::string data, bool text) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), data = std::move(data), text]() mutable {
      if (self->finished_ || self->close_requested_) return;
      self->outgoing_.emplace_back(std::move(data), text);
      if (self->outgoing_.size() == 1) self->write_next();
    });
  }

  void close() override {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      self->close_requested_ = true;
      if (self->outgoing_.empty()) self->send_close();
    });
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return finish();
    accepted_ = true;
    session_ = start_(shared_from_this());
    read();
  }

  void read() {
    ws_.async_read(incoming_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return finish();  // closed by the peer, timed out, or too large a message
    std::string data = beast::buffers_to_string(incoming_.data());
    incoming_.consume(incoming_.size());
    if (session_.on_message) session_.on_message(std::move(data));
    read();
  }

  void write_next() {
    auto& [data, text] = outgoing_.front();
    ws_.text(text);
    ws_.async_write(asio::buffer(data), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->finish();
      self->outgoing_.pop_front();
      if (!self->outgoing_.empty()) self->write_next();
      else if (self->close_requested_) self->send_close();
    });
  }

  void send_close() {
    if (closing_ || finished_ || !accepted_) return;
    closing_ = true;
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) { self->finish(); });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    outgoing_.clear();
    // The app's callbacks usually hold this connection: dropping them ends the cycle.
    auto session = std::move(session_);
    session_ = WebSocketSession{};
    if (session.on_close) session.on_close();
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::function<WebSocketSession(std::shared_ptr<WebSocket>)> start_;
  WebSocketSession session_;
  beast::flat_buffer incoming_;
  std::deque<std::pair<std::string, bool>> outgoing_;
  bool accepted_ = false;
  bool close_requested_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

// One connection: read a request, answer it, and again while the client keeps it alive.
// Every step runs on the connection's strand, one after the other.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl* server) : stream_(std::move(socket)), server_(server) {}
  ~Session() { server_->forget(this); }

  void start() {
    server_->track(this, weak_from_this());
    read();
  }

  // From stop(): a connection waiting for its next request is closed; one whose request is
  // being answered finishes and then closes (stopping turns keep-alive off).
  void close_if_waiting() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->waiting_) self->stream_.socket().close();
    });
  }

 private:
  void read() {
    if (server_->stopping) return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->settings.max_header_bytes));
    parser_->body_limit(server_->settings.max_body_bytes);
    stream_.expires_after(server_->settings.read_timeout);
    waiting_ = true;
    beast::http::async_read(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    waiting_ = false;
    if (ec == beast::http::error::body_limit || ec == beast::http::error::header_limit) {
      Request head;
      head.version(11);
      auto response = make_response(head, Status::payload_too_large, "request too large\n", "text/plain");
      response.keep_alive(false);
      return write(std::move(response));
    }
    if (ec) return close();  // end of stream, timeout, reset, malformed request
    Request request = parser_->release();
    if (server_->upgrade && websocket::is_upgrade(request)) return upgrade(std::move(request));
    Response response;
    try {
      response = server_->handler(request);
    } catch (const std::exception& e) {
      server_->logger.error("http handler failed", {{"error", e.what()}, {"target", std::string(request.target())}});
      response = make_response(request, Status::internal_server_error, "internal error\n", "text/plain");
    }
    response.keep_alive(request.keep_alive() && !server_->stopping);
    write(std::move(response));
  }

  // The app decides; an accepted connection leaves this session for a WebSocketConnection.
  void upgrade(Request request) {
    Upgrade decision;
    try {
      decision = server_->upgrade(request);
    } catch (const std::exception& e) {
      server_->logger.error("websocket upgrade failed", {{"error", e.what()}, {"target", std::string(request.target())}});
      decision = Upgrade::refuse(make_response(request, Status::internal_server_error, "internal error\n", "text/plain"));
    }
    if (decision.refusal || !decision.accept) {
      Response refusal = decision.refusal ? std::move(*decision.refusal)
                                          : make_response(request, Status::not_found, "not found\n", "text/plain");
      refusal.keep_alive(false);
      return write(std::move(refusal));
    }
    stream_.expires_never();
    std::make_shared<WebSocketConnection>(stream_.release_socket(), std::move(decision.accept),
                                          server_->settings.max_body_bytes)
        ->run(std::move(request));
  }

  void write(Response response) {
    response_ = std::move(response);
    response_.prepare_payload();
    stream_.expires_after(server_->settings.read_timeout);
    beast::http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec || !self->response_.keep_alive()) return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  Response response_;
  bool waiting_ = false;
  Server::Impl* server_;  // outlives its sessions (see Impl's member order)
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      std::make_shared<Session>(std::move(socket), this)->start();
    } else {
      logger.warn("accept failed", {{"error", ec.message()}});
    }
    accept();
  });
}

void Server::Impl::track(Session* session, std::weak_ptr<Session> weak) {
  std::lock_guard<std::mutex> lock(mutex);
  sessions[session] = std::move(weak);
}

void Server::Impl::forget(Session* session) {
  std::lock_guard<std::mutex> lock(mutex);
  sessions.erase(session);
  if (sessions.empty()) all_closed.notify_all();
}

void Server::Impl::drop_idle_sessions() {
  // Taken out under the lock, used and released after it: the last reference to a session
  // may be one of these, and its destructor takes the lock (forget()).
  std::vector<std::shared_ptr<Session>> alive;
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto& [raw, weak] : sessions)
      if (auto session = weak.lock()) alive.push_back(std::move(session));
  }
  for (auto& session : alive) session->close_if_waiting();
}

std::pair<std::string, unsigned short> split_host_port(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size())
    throw std::invalid_argument("listen address must be host:port, got '" + address + "'");
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string port_text = address.substr(colon + 1);
  if (port_text.find_first_not_of("0123456789") != std::string::npos || port_text.size() > 5 ||
      std::stoul(port_text) > 65535)
    throw std::invalid_argument("listen address has a bad port: '" + address + "'");
  return {host, static_cast<unsigned short>(std::stoul(port_text))};
}

Response make_response(const Request& request, Status status, std::string body, const std::string& content_type) {
  Response response(status, request.version());
  response.set(beast::http::field::server, "stratus");
  response.set(beast::http::field::content_type, content_type);
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Server::Server(ServerSettings settings, Handler handler, log::Logger logger)
    : impl_(std::make_shared<Impl>(std::move(settings), std::move(handler), std::move(logger))) {
  if (impl_->settings.threads < 1) throw std::invalid_argument("http server needs at least one thread");
  if (impl_->settings.max_body_bytes < 1) throw std::invalid_argument("http max body size must be positive");
}

Server::~Server() {
  if (running_) stop(std::chrono::milliseconds(0));
}

void Server::on_upgrade(UpgradeHandler handler) { impl_->upgrade = std::move(handler); }

void Server::start() {
  auto [host, port] = split_host_port(impl_->settings.listen);
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("cannot listen on " + impl_->settings.listen + ": " + ec.message());
  tcp::endpoint endpoint(address, port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + impl_->settings.listen + ": " + ec.message());
  port_ = acceptor.local_endpoint().port();
  impl_->accept();
  for (int i = 0; i < impl_->settings.threads; ++i) threads_.emplace_back([impl = impl_] { impl->io.run(); });
  running_ = true;
  impl_->logger.info("serving http", {{"address", impl_->settings.listen}, {"port", port_},
                                      {"threads", impl_->settings.threads}});
}

void Server::stop(std::chrono::milliseconds grace) {
  if (!running_) return;
  running_ = false;
  impl_->stopping = true;
  asio::post(impl_->io, [impl = impl_] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  impl_->drop_idle_sessions();
  {
    std::unique_lock<std::mutex> lock(impl_->mutex);
    impl_->all_closed.wait_for(lock, grace, [&] { return impl_->sessions.empty(); });
  }
  impl_->io.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  impl_->logger.info("http stopped");
}

}  // namespace stratus::http
