#include "common/ovsdb/client.h"

#include <algorithm>
#include <thread>

#include "common/ovsdb/error.h"

namespace stratus::ovsdb {

void check_transact_results(const std::string& db, const json& ops, const json& results) {
  if (!results.is_array()) {
    throw OvsdbError("transact " + db, "malformed reply", results.dump());
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    const json& result = results[i];
    if (!result.is_object() || !result.contains("error")) continue;
    std::string context = "transact " + db;
    if (i < ops.size()) {
      context += " operation " + std::to_string(i) + " (" + ops[i].value("op", "?") + " " +
                 ops[i].value("table", "") + ")";
    } else {
      context += " commit";  // an extra result past the ops reports a commit failure
    }
    throw OvsdbError(context, result["error"].is_string() ? result["error"].get<std::string>()
                                                          : result["error"].dump(),
                     result.value("details", ""));
  }
  if (results.size() < ops.size()) {
    throw OvsdbError("transact " + db, "missing results",
                     std::to_string(results.size()) + " for " + std::to_string(ops.size()));
  }
}

Client::Client(std::string remote, ClientOptions options)
    : remote_(std::move(remote)), options_(std::move(options)) {}

Client::~Client() { close(); }

void Client::connect() {
  close();
  std::uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation = ++generation_;
  }
  auto connection = std::make_shared<Connection>(
      remote_,
      [this](const std::string& method, const json& params) { on_notification(method, params); },
      [this, generation](const std::string& reason) { on_disconnect(generation, reason); });
  std::lock_guard<std::mutex> lock(mutex_);
  connection_ = std::move(connection);
}

bool Client::connect_with_backoff(const Backoff& backoff,
                                  const std::function<bool()>& should_stop) {
  auto delay = backoff.initial;
  while (!should_stop()) {
    try {
      connect();
      return true;
    } catch (const OvsdbError& e) {
      log(std::string(e.what()) + "; retrying in " + std::to_string(delay.count()) + " ms");
    }
    // Sleep in slices so a stop request is noticed quickly.
    const auto until = std::chrono::steady_clock::now() + delay;
    while (!should_stop() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    delay = std::min(delay * 2, backoff.max);
  }
  return false;
}

void Client::run(const Backoff& backoff, const std::function<bool()>& should_stop,
                 const std::function<void()>& on_connected) {
  while (connect_with_backoff(backoff, should_stop)) {
    try {
      on_connected();
    } catch (const OvsdbError& e) {
      log(std::string("after connect: ") + e.what());
      close();
      continue;
    }
    while (!should_stop() && !wait_for_disconnect(std::chrono::milliseconds(100))) {
    }
  }
  close();
}

bool Client::is_connected() const {
  auto connection = session();
  return connection && connection->is_open();
}

bool Client::wait_for_disconnect(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return disconnected_.wait_for(lock, timeout,
                                [this] { return !connection_ || !connection_->is_open(); });
}

void Client::close() {
  std::shared_ptr<Connection> connection;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    connection.swap(connection_);
    ++generation_;
  }
  if (connection) connection->close();
  disconnected_.notify_all();
}

json Client::call(const std::string& method, const json& params) {
  auto connection = session();
  if (!connection) throw OvsdbError(method, "not connected to " + remote_);
  return connection->call(method, params, options_.call_timeout);
}

std::vector<std::string> Client::list_dbs() {
  return call("list_dbs", json::array()).get<std::vector<std::string>>();
}

json Client::get_schema(const std::string& db) { return call("get_schema", json::array({db})); }

json Client::transact(const std::string& db, const json& ops) {
  json params = json::array({db});
  for (const json& op : ops) params.push_back(op);
  json results = call("transact", params);
  check_transact_results(db, ops, results);
  return results;
}

json Client::monitor(const std::string& db, const json& monitor_id, const json& requests,
                     UpdateHandler on_update) {
  {
    // Registered first: the server may send updates right behind its reply.
    std::lock_guard<std::mutex> lock(mutex_);
    update_handlers_[monitor_id.dump()] = std::move(on_update);
  }
  return call("monitor", json::array({db, monitor_id, requests}));
}

void Client::monitor_cancel(const json& monitor_id) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    update_handlers_.erase(monitor_id.dump());
  }
  call("monitor_cancel", json::array({monitor_id}));
}

std::shared_ptr<Connection> Client::session() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return connection_;
}

void Client::on_notification(const std::string& method, const json& params) {
  if (method != "update" || !params.is_array() || params.size() != 2) return;
  UpdateHandler handler;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = update_handlers_.find(params[0].dump());
    if (it == update_handlers_.end()) return;
    handler = it->second;
  }
  handler(params[1]);
}

void Client::on_disconnect(std::uint64_t generation, const std::string& reason) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (generation != generation_) return;  // a session we already replaced
  }
  log("disconnected from " + remote_ + ": " + reason);
  disconnected_.notify_all();
}

void Client::log(const std::string& line) const {
  if (options_.logger) options_.logger->warn("ovsdb: " + line, {{"remote", remote_}});
}

}  // namespace stratus::ovsdb
