#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>

#include "common/ovsdb/connection.h"
#include "common/ovsdb/error.h"
#include "common/ovsdb/json_stream_framer.h"

using namespace stratus::ovsdb;
using namespace std::chrono_literals;

namespace {

// A scripted peer on a unix socket, standing in for ovsdb-server so the JSON-RPC plumbing
// can be tested exactly: the test decides every byte the server sends.
class ScriptedServer {
 public:
  ScriptedServer() {
    char dir_template[] = "/tmp/stratus-ovsdb-conn-XXXXXX";
    dir_ = ::mkdtemp(dir_template);
    path_ = dir_ + "/sock";
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof(address.sun_path) - 1);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(::listen(listen_fd_, 1) == 0);
  }
  ~ScriptedServer() {
    hang_up();
    ::close(listen_fd_);
    std::filesystem::remove_all(dir_);
  }

  std::string remote() const { return "unix:" + path_; }
  void accept_client() { peer_fd_ = ::accept(listen_fd_, nullptr, nullptr); }
  void send_text(const std::string& text) {
    REQUIRE(::send(peer_fd_, text.data(), text.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(text.size()));
  }
  // The next message from the client, or null after 5 s.
  json read_message() {
    for (;;) {
      if (auto text = framer_.next()) return json::parse(*text);
      pollfd p{peer_fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return nullptr;
      char buffer[4096];
      const ssize_t n = ::read(peer_fd_, buffer, sizeof(buffer));
      if (n <= 0) return nullptr;
      framer_.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
    }
  }
  void hang_up() {
    if (peer_fd_ >= 0) ::close(peer_fd_);
    peer_fd_ = -1;
  }

 private:
  std::string dir_;
  std::string path_;
  int listen_fd_ = -1;
  int peer_fd_ = -1;
  JsonStreamFramer framer_;
};

}  // namespace

TEST_CASE("connection answers the server's echo with the same params") {
  ScriptedServer server;
  Connection connection(server.remote(), {}, {});
  server.accept_client();
  server.send_text(R"({"method":"echo","params":["ping",1],"id":"echo"})");
  const json reply = server.read_message();
  CHECK(reply["id"] == "echo");
  CHECK(reply["result"] == json::parse(R"(["ping",1])"));
  CHECK(reply["error"].is_null());
}

TEST_CASE("connection hands a reply to its caller and a notification to the handler") {
  ScriptedServer server;
  std::promise<json> notified;
  Connection connection(
      server.remote(),
      [&](const std::string& method, const json& params) {
        if (method == "update") notified.set_value(params);
      },
      {});
  server.accept_client();
  auto result = std::async(std::launch::async, [&] {
    return connection.call("list_dbs", json::array(), 5s);
  });
  const json request = server.read_message();
  CHECK(request["method"] == "list_dbs");
  // The notification and the reply arrive in one read, glued together.
  server.send_text(R"({"method":"update","params":["m",{}],"id":null}{"id":)" +
                   request["id"].dump() + R"(,"result":["Open_vSwitch"],"error":null})");
  CHECK(result.get() == json::parse(R"(["Open_vSwitch"])"));
  auto update = notified.get_future();
  REQUIRE(update.wait_for(5s) == std::future_status::ready);
  CHECK(update.get()[0] == "m");
}

TEST_CASE("an error reply becomes an exception carrying the server's text") {
  ScriptedServer server;
  Connection connection(server.remote(), {}, {});
  server.accept_client();
  auto result = std::async(std::launch::async, [&] {
    return connection.call("get_schema", json::array({"Nope"}), 5s);
  });
  const json request = server.read_message();
  server.send_text(R"({"id":)" + request["id"].dump() +
                   R"(,"result":null,"error":{"error":"unknown database","details":"Nope"}})");
  CHECK_THROWS_WITH(result.get(), Catch::Contains("get_schema") &&
                                      Catch::Contains("unknown database") &&
                                      Catch::Contains("Nope"));
}

TEST_CASE("a call the server never answers times out") {
  ScriptedServer server;
  Connection connection(server.remote(), {}, {});
  server.accept_client();
  CHECK_THROWS_WITH(connection.call("transact", json::array(), 100ms),
                    Catch::Contains("timed out"));
}

TEST_CASE("a hang-up fails the pending call and reports the disconnect") {
  ScriptedServer server;
  std::promise<std::string> disconnected;
  Connection connection(server.remote(), {},
                        [&](const std::string& reason) { disconnected.set_value(reason); });
  server.accept_client();
  auto result = std::async(std::launch::async, [&] {
    return connection.call("list_dbs", json::array(), 5s);
  });
  server.read_message();
  server.hang_up();
  CHECK_THROWS_WITH(result.get(), Catch::Contains("closed"));
  auto reason = disconnected.get_future();
  REQUIRE(reason.wait_for(5s) == std::future_status::ready);
  CHECK_FALSE(connection.is_open());
  CHECK_THROWS_AS(connection.call("list_dbs", json::array(), 1s), OvsdbError);
}

TEST_CASE("connecting to a socket nobody listens on fails with the path") {
  CHECK_THROWS_WITH(Connection("unix:/nonexistent/ovsdb.sock", {}, {}),
                    Catch::Contains("/nonexistent/ovsdb.sock"));
  CHECK_THROWS_WITH(Connection("ssl:1.2.3.4:6640", {}, {}), Catch::Contains("unsupported"));
}
