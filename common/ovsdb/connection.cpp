#include "common/ovsdb/connection.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/ovsdb/error.h"
#include "common/ovsdb/json_stream_framer.h"

namespace stratus::ovsdb {

namespace {

std::string errno_text() { return std::strerror(errno); }

int connect_unix(const std::string& remote, const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    throw OvsdbError("connect " + remote, "bad unix socket path");
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw OvsdbError("connect " + remote, "socket", errno_text());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    const std::string reason = errno_text();
    ::close(fd);
    throw OvsdbError("connect " + remote, "connect", reason);
  }
  return fd;
}

// host:port, where host may be a bracketed IPv6 address.
int connect_tcp(const std::string& remote, const std::string& target) {
  const auto colon = target.rfind(':');
  if (colon == std::string::npos) throw OvsdbError("connect " + remote, "expected tcp:host:port");
  std::string host = target.substr(0, colon);
  const std::string port = target.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    throw OvsdbError("connect " + remote, "resolve", ::gai_strerror(rc));
  }
  std::string reason = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      ::freeaddrinfo(found);
      return fd;
    }
    reason = errno_text();
    ::close(fd);
  }
  ::freeaddrinfo(found);
  throw OvsdbError("connect " + remote, "connect", reason);
}

int connect_remote(const std::string& remote) {
  if (remote.rfind("unix:", 0) == 0) return connect_unix(remote, remote.substr(5));
  if (remote.rfind("tcp:", 0) == 0) return connect_tcp(remote, remote.substr(4));
  throw OvsdbError("connect " + remote, "unsupported remote", "use unix:PATH or tcp:HOST:PORT");
}

// A JSON-RPC "error" member may be a string or an OVSDB error object.
OvsdbError reply_error(const std::string& method, const json& error) {
  if (error.is_object()) {
    return OvsdbError(method, error.value("error", error.dump()), error.value("details", ""));
  }
  return OvsdbError(method, error.is_string() ? error.get<std::string>() : error.dump());
}

}  // namespace

Connection::Connection(const std::string& remote, NotificationHandler on_notification,
                       DisconnectHandler on_disconnect)
    : remote_(remote),
      fd_(connect_remote(remote)),
      on_notification_(std::move(on_notification)),
      on_disconnect_(std::move(on_disconnect)) {
  open_ = true;
  reader_ = std::thread([this] { reader_loop(); });
}

Connection::~Connection() { close(); }

json Connection::call(const std::string& method, const json& params,
                      std::chrono::milliseconds timeout) {
  std::future<json> reply;
  std::int64_t id = 0;
  {
    std::lock_guard<std::mutex> lock(pending_mutex_);
    if (!open_) throw OvsdbError(method, "not connected to " + remote_);
    id = next_id_++;
    reply = pending_[id].get_future();
  }
  send({{"method", method}, {"params", params}, {"id", id}});
  if (reply.wait_for(timeout) != std::future_status::ready) {
    std::lock_guard<std::mutex> lock(pending_mutex_);
    pending_.erase(id);
    throw OvsdbError(method, "timed out after " + std::to_string(timeout.count()) + " ms");
  }
  try {
    return reply.get();
  } catch (const OvsdbError& e) {
    if (e.context() == "reply") throw OvsdbError(method, e.error(), e.details());
    throw;
  }
}

void Connection::send(const json& message) {
  const std::string bytes = message.dump();
  std::lock_guard<std::mutex> lock(write_mutex_);
  if (!open_) throw OvsdbError("send", "not connected to " + remote_);
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw OvsdbError("send to " + remote_, "write failed", errno_text());
    sent += static_cast<std::size_t>(n);
  }
}

void Connection::reader_loop() {
  JsonStreamFramer framer;
  std::string reason = "server closed the connection";
  char buffer[64 * 1024];
  try {
    for (;;) {
      const ssize_t n = ::read(fd_, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) reason = "read failed: " + errno_text();
      if (n <= 0) break;
      framer.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
      while (auto text = framer.next()) handle_message(json::parse(*text));
    }
  } catch (const std::exception& e) {
    reason = std::string("protocol error: ") + e.what();
  }
  {
    // Taking the write lock orders this with send(): no write starts after open_ drops.
    std::lock_guard<std::mutex> lock(write_mutex_);
    open_ = false;
  }
  fail_pending(reason);
  if (!closing_ && on_disconnect_) on_disconnect_(reason);
}

void Connection::handle_message(const json& message) {
  if (!message.is_object()) throw OvsdbError("json-rpc", "message is not an object");
  if (!message.contains("method")) return handle_reply(message);
  const std::string method = message.at("method").get<std::string>();
  const json params = message.value("params", json::array());
  const json id = message.value("id", json());
  if (id.is_null()) {
    if (on_notification_) on_notification_(method, params);
    return;
  }
  // ovsdb-server probes idle sessions with "echo"; not answering gets us disconnected.
  if (method == "echo") {
    send({{"result", params}, {"error", nullptr}, {"id", id}});
  } else {
    send({{"result", nullptr}, {"error", "unknown method " + method}, {"id", id}});
  }
}

void Connection::handle_reply(const json& message) {
  const json id = message.value("id", json());
  if (!id.is_number_integer()) return;  // not ours, e.g. a reply to an echo we never sent
  std::promise<json> waiter;
  {
    std::lock_guard<std::mutex> lock(pending_mutex_);
    auto it = pending_.find(id.get<std::int64_t>());
    if (it == pending_.end()) return;  // the caller already timed out
    waiter = std::move(it->second);
    pending_.erase(it);
  }
  const json error = message.value("error", json());
  if (!error.is_null()) {
    waiter.set_exception(std::make_exception_ptr(reply_error("reply", error)));
  } else {
    waiter.set_value(message.value("result", json()));
  }
}

void Connection::fail_pending(const std::string& reason) {
  std::map<std::int64_t, std::promise<json>> failed;
  {
    std::lock_guard<std::mutex> lock(pending_mutex_);
    failed.swap(pending_);
  }
  for (auto& [id, waiter] : failed) {
    waiter.set_exception(
        std::make_exception_ptr(OvsdbError("connection to " + remote_, "closed", reason)));
  }
}

void Connection::close() {
  std::lock_guard<std::mutex> lock(close_mutex_);
  if (fd_ < 0) return;
  closing_ = true;
  // shutdown() wakes the reader's blocking read(); the fd stays valid until it has exited.
  ::shutdown(fd_, SHUT_RDWR);
  if (reader_.joinable()) {
    // From a handler the reader cannot join itself; it ends once the handler returns and
    // the destructor, on another thread, finishes the job.
    if (reader_.get_id() == std::this_thread::get_id()) return;
    reader_.join();
  }
  ::close(fd_);
  fd_ = -1;
}

}  // namespace stratus::ovsdb
