#include "common/outbox/outbox.h"

#include <algorithm>

#include <google/protobuf/message.h>

#include "common/bus/message.h"

namespace stratus::outbox {
namespace {

constexpr auto kStopCheckInterval = std::chrono::milliseconds(200);

// "{1,2,3}": a bigint[] literal for `= ANY($1::bigint[])`.
std::string to_array_literal(const std::vector<int64_t>& ids) {
  std::string text = "{";
  for (size_t i = 0; i < ids.size(); ++i) text += (i ? "," : "") + std::to_string(ids[i]);
  return text + "}";
}

}  // namespace

std::string enqueue(pqxx::transaction_base& tx, const std::string& exchange, const std::string& routing_key,
                    const std::string& body, const std::string& type) {
  std::string message_id = bus::new_message_id();
  tx.exec_params(
      "INSERT INTO outbox (exchange, routing_key, type, message_id, payload) VALUES ($1, $2, $3, $4, $5)", exchange,
      routing_key, type, message_id, pqxx::binarystring(body));
  // Delivered only if the transaction commits; PostgreSQL folds repeats into one.
  tx.exec("NOTIFY outbox");
  return message_id;
}

std::string enqueue(pqxx::transaction_base& tx, const std::string& exchange, const std::string& routing_key,
                    const google::protobuf::Message& payload) {
  return enqueue(tx, exchange, routing_key, payload.SerializeAsString(), payload.GetDescriptor()->full_name());
}

// LISTEN outbox for as long as it lives; remembers nothing, await_notification's count
// is what tells the relay it was woken.
class Relay::Wakeup : public pqxx::notification_receiver {
 public:
  explicit Wakeup(pqxx::connection_base& connection) : pqxx::notification_receiver(connection, "outbox") {}
  void operator()(const std::string&, int) override {}
};

Relay::Relay(std::string db_url, bus::MessagePublisher& publisher, log::Logger logger, RelayOptions options)
    : db_url_(std::move(db_url)), publisher_(publisher), logger_(std::move(logger)), options_(options) {
  thread_ = std::thread([this] { run(); });
}

Relay::~Relay() { stop(); }

void Relay::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Relay::sleep_unless_stopped(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(mutex_);
  return stop_requested_.wait_for(lock, duration, [&] { return stopping_; });
}

void Relay::run() {
  std::unique_ptr<pqxx::connection> connection;
  std::unique_ptr<Wakeup> wakeup;
  auto backoff = options_.min_backoff;
  while (!sleep_unless_stopped(std::chrono::milliseconds(0))) {
    try {
      if (!connection) {
        connection = std::make_unique<pqxx::connection>(db_url_);
        wakeup = std::make_unique<Wakeup>(*connection);
      }
      BatchResult batch = relay_batch(*connection);
      if (!batch.publish_failed) {
        backoff = options_.min_backoff;
        // A full batch means more may be waiting: go again before sleeping.
        if (batch.published == options_.batch_size) continue;
        if (wait_for_work(*connection)) break;
        continue;
      }
    } catch (const std::exception& e) {
      if (dynamic_cast<const pqxx::broken_connection*>(&e)) {
        wakeup.reset();
        connection.reset();
      }
      // The database URL may carry a password, and pqxx messages do not: log the reason.
      logger_.warn("outbox relay database error, rows stay for the next attempt", {{"error", e.what()}});
    }
    ++failed_;
    if (sleep_unless_stopped(backoff)) break;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

Relay::BatchResult Relay::relay_batch(pqxx::connection& connection) {
  pqxx::work tx(connection, "outbox_relay");
  pqxx::result rows = tx.exec_params(
      "SELECT id, exchange, routing_key, type, message_id::text, payload FROM outbox"
      " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
      options_.batch_size);
  BatchResult result;
  std::vector<int64_t> published_ids;
  for (const auto& row : rows) {
    auto id = row["id"].as<int64_t>();
    auto message_id = row["message_id"].as<std::string>();
    try {
      publisher_.publish(row["exchange"].as<std::string>(), row["routing_key"].as<std::string>(),
                         pqxx::binarystring(row["payload"]).str(), row["type"].as<std::string>(), message_id);
    } catch (const std::exception& e) {
      logger_.warn("outbox publish failed, will retry",
                   {{"outbox_id", id}, {"message_id", message_id}, {"error", e.what()}});
      result.publish_failed = true;
      break;  // later rows wait, so that order per routing key holds
    }
    logger_.debug("outbox message published", {{"outbox_id", id}, {"message_id", message_id}});
    published_ids.push_back(id);
  }
  // Rows published before a failure are deleted now rather than published again later.
  if (!published_ids.empty())
    tx.exec_params("DELETE FROM outbox WHERE id = ANY($1::bigint[])", to_array_literal(published_ids));
  tx.commit();
  published_ += published_ids.size();
  result.published = static_cast<int>(published_ids.size());
  return result;
}

bool Relay::wait_for_work(pqxx::connection& connection) {
  auto deadline = std::chrono::steady_clock::now() + options_.poll_interval;
  for (;;) {
    if (sleep_unless_stopped(std::chrono::milliseconds(0))) return true;
    auto remaining = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
    if (remaining.count() <= 0) return false;
    auto slice = std::min<std::chrono::microseconds>(remaining, kStopCheckInterval);
    if (connection.await_notification(0, static_cast<long>(slice.count())) > 0) return false;
  }
}

}  // namespace stratus::outbox
