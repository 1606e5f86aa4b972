#include "common/http/server.h"

#include <catch2/catch.hpp>

#include <future>
#include <sstream>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

using namespace stratus;
namespace beast = boost::beast;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

log::Logger quiet_logger() {
  static std::ostringstream sink_stream;
  return log::Logger("http-test", log::Level::Error, log::Format::Text, std::make_shared<log::Sink>(sink_stream));
}

http::Server echo_server(http::ServerSettings settings = {},
                         std::function<void(const http::Request&)> on_request = nullptr) {
  settings.listen = "127.0.0.1:0";
  return http::Server(settings, [on_request](const http::Request& r) {
    if (on_request) on_request(r);
    return http::make_response(r, http::Status::ok, std::string(r.method_string()) + " " + std::string(r.target()) +
                                                        " " + r.body(), "text/plain");
  }, quiet_logger());
}

// A client connection to the server under test.
struct Client {
  explicit Client(int port) : stream(io) { stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)); }
  http::Response send(beast::http::verb verb, const std::string& target, const std::string& body = "",
                      bool keep_alive = true) {
    http::Request request(verb, target, 11);
    request.set(beast::http::field::host, "localhost");
    request.body() = body;
    request.keep_alive(keep_alive);
    request.prepare_payload();
    beast::http::write(stream, request);
    http::Response response;
    beast::http::read(stream, buffer, response);
    return response;
  }
  // True when the server closed the connection (a read ends with end of stream / reset).
  bool closed_by_server() {
    beast::error_code ec;
    char byte;
    stream.socket().read_some(asio::buffer(&byte, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }
  asio::io_context io;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
};

}  // namespace

TEST_CASE("the http server answers requests and keeps the connection alive between them") {
  auto server = echo_server();
  server.start();
  Client client(server.port());
  auto first = client.send(beast::http::verb::get, "/a?x=1");
  CHECK(first.result() == http::Status::ok);
  CHECK(first.body() == "GET /a?x=1 ");
  CHECK(first.keep_alive());
  auto second = client.send(beast::http::verb::post, "/", "Action=Describe");
  CHECK(second.body() == "POST / Action=Describe");
  server.stop();
}

TEST_CASE("the http server closes a connection the client does not keep alive") {
  auto server = echo_server();
  server.start();
  Client client(server.port());
  auto response = client.send(beast::http::verb::get, "/", "", false);
  CHECK_FALSE(response.keep_alive());
  CHECK(client.closed_by_server());
  server.stop();
}

TEST_CASE("a body over the limit is refused with 413 and the connection closed") {
  http::ServerSettings settings;
  settings.max_body_bytes = 100;
  auto server = echo_server(settings);
  server.start();
  Client client(server.port());
  auto response = client.send(beast::http::verb::post, "/", std::string(101, 'x'));
  CHECK(response.result() == http::Status::payload_too_large);
  CHECK(client.closed_by_server());
  Client another(server.port());
  CHECK(another.send(beast::http::verb::post, "/", std::string(100, 'x')).result() == http::Status::ok);
  server.stop();
}

TEST_CASE("a handler that throws answers 500 and the server goes on") {
  http::ServerSettings settings;
  settings.listen = "127.0.0.1:0";
  http::Server server(settings, [](const http::Request&) -> http::Response { throw std::runtime_error("boom"); },
                      quiet_logger());
  server.start();
  Client client(server.port());
  CHECK(client.send(beast::http::verb::get, "/").result() == http::Status::internal_server_error);
  CHECK(client.send(beast::http::verb::get, "/").result() == http::Status::internal_server_error);
  server.stop();
}

TEST_CASE("stop closes idle connections and lets a request in flight finish") {
  std::promise<void> entered;
  std::promise<void> release;
  auto release_future = release.get_future().share();
  auto server = echo_server({}, [&](const http::Request& r) {
    if (r.target() != "/slow") return;
    entered.set_value();
    release_future.wait();
  });
  server.start();
  Client idle(server.port());
  CHECK(idle.send(beast::http::verb::get, "/warm").result() == http::Status::ok);

  Client busy(server.port());
  auto in_flight = std::async(std::launch::async, [&] { return busy.send(beast::http::verb::get, "/slow"); });
  entered.get_future().wait();
  auto stopped = std::async(std::launch::async, [&] { server.stop(std::chrono::seconds(5)); });
  CHECK(idle.closed_by_server());
  release.set_value();
  auto response = in_flight.get();
  CHECK(response.result() == http::Status::ok);
  CHECK_FALSE(response.keep_alive());
  stopped.get();
}

TEST_CASE("a listen address that cannot be bound is an error") {
  auto server = echo_server();
  server.start();
  http::ServerSettings settings;
  settings.listen = "127.0.0.1:" + std::to_string(server.port());
  http::Server second(settings, [](const http::Request& r) { return http::make_response(r, http::Status::ok, "", "text/plain"); },
                      quiet_logger());
  CHECK_THROWS_AS(second.start(), std::runtime_error);
  CHECK_THROWS_AS(http::split_host_port("nohost"), std::invalid_argument);
  CHECK(http::split_host_port("127.0.0.1:8788") == std::make_pair(std::string("127.0.0.1"), static_cast<unsigned short>(8788)));
  server.stop();
}

TEST_CASE("a websocket upgrade is accepted or refused by the app, and an accepted one echoes until closed") {
  http::ServerSettings settings;
  settings.listen = "127.0.0.1:0";
  http::Server server(settings, [](const http::Request& r) {
    return http::make_response(r, http::Status::ok, "plain http\n", "text/plain");
  }, quiet_logger());
  std::promise<void> closed;
  server.on_upgrade([&](const http::Request& r) -> http::Upgrade {
    if (r.target() != "/echo")
      return http::Upgrade::refuse(http::make_response(r, http::Status::forbidden, "no\n", "text/plain"));
    return http::Upgrade::accept_with([&](std::shared_ptr<http::WebSocket> socket) {
      std::weak_ptr<http::WebSocket> weak = socket;
      return http::WebSocketSession{[weak](std::string data) {
                                      if (auto s = weak.lock()) s->send("echo: " + data, true);
                                    },
                                    [&] { closed.set_value(); }};
    });
  });
  server.start();

  asio::io_context io;
  namespace websocket = beast::websocket;
  {
    websocket::stream<tcp::socket> ws(io);
    ws.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
    ws.handshake("127.0.0.1", "/echo");
    ws.write(asio::buffer(std::string("hello")));
    beast::flat_buffer buffer;
    ws.read(buffer);
    CHECK(beast::buffers_to_string(buffer.data()) == "echo: hello");
    CHECK(ws.got_text());
    ws.close(websocket::close_code::normal);
  }
  CHECK(closed.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);

  // Refused: the app's own answer, as plain HTTP.
  tcp::socket plain(io);
  plain.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
  beast::http::request<beast::http::empty_body> ask(beast::http::verb::get, "/elsewhere", 11);
  ask.set(beast::http::field::host, "127.0.0.1");
  ask.set(beast::http::field::upgrade, "websocket");
  ask.set(beast::http::field::connection, "upgrade");
  ask.set(beast::http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  ask.set(beast::http::field::sec_websocket_version, "13");
  beast::http::write(plain, ask);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> answer;
  beast::http::read(plain, buffer, answer);
  CHECK(answer.result() == http::Status::forbidden);
  server.stop(std::chrono::seconds(1));
}
