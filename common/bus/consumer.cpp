#include "common/bus/consumer.h"

#include <algorithm>

#include "common/bus/connection.h"
#include "common/bus/publisher.h"
#include "common/bus/topology.h"
#include "common/error/error.h"

namespace stratus::bus {
namespace {

std::string text_of(amqp_bytes_t bytes) { return std::string(static_cast<const char*>(bytes.bytes), bytes.len); }

timeval to_timeval(std::chrono::milliseconds duration) {
  timeval tv{};
  tv.tv_sec = static_cast<long>(duration.count() / 1000);
  tv.tv_usec = static_cast<long>((duration.count() % 1000) * 1000);
  return tv;
}

// Frees what amqp_consume_message allocated, however the delivery ends.
struct EnvelopeGuard {
  amqp_envelope_t* envelope;
  ~EnvelopeGuard() { amqp_destroy_envelope(envelope); }
};

// Text and integer headers as text; other kinds (arrays, tables: RabbitMQ's x-death) are skipped.
std::map<std::string, std::string> headers_of(const amqp_basic_properties_t& properties) {
  std::map<std::string, std::string> headers;
  if (!(properties._flags & AMQP_BASIC_HEADERS_FLAG)) return headers;
  for (int i = 0; i < properties.headers.num_entries; ++i) {
    const amqp_table_entry_t& entry = properties.headers.entries[i];
    std::string key = text_of(entry.key);
    const amqp_field_value_t& value = entry.value;
    switch (value.kind) {
      case AMQP_FIELD_KIND_UTF8:
      case AMQP_FIELD_KIND_BYTES: headers[key] = text_of(value.value.bytes); break;
      case AMQP_FIELD_KIND_I8: headers[key] = std::to_string(value.value.i8); break;
      case AMQP_FIELD_KIND_U8: headers[key] = std::to_string(value.value.u8); break;
      case AMQP_FIELD_KIND_I16: headers[key] = std::to_string(value.value.i16); break;
      case AMQP_FIELD_KIND_U16: headers[key] = std::to_string(value.value.u16); break;
      case AMQP_FIELD_KIND_I32: headers[key] = std::to_string(value.value.i32); break;
      case AMQP_FIELD_KIND_U32: headers[key] = std::to_string(value.value.u32); break;
      case AMQP_FIELD_KIND_I64: headers[key] = std::to_string(value.value.i64); break;
      case AMQP_FIELD_KIND_U64: headers[key] = std::to_string(value.value.u64); break;
      default: break;
    }
  }
  return headers;
}

int attempt_of(const std::map<std::string, std::string>& headers) {
  auto it = headers.find(kAttemptHeader);
  if (it == headers.end()) return 1;
  try {
    return std::max(1, std::stoi(it->second));
  } catch (const std::exception&) {
    return 1;
  }
}

// The handler's error, cut so a header and a log line stay small.
std::string short_error(const std::string& error) {
  const std::size_t kMax = 1000;
  return error.size() <= kMax ? error : error.substr(0, kMax) + "...";
}

Delivery to_delivery(const amqp_envelope_t& envelope) {
  const amqp_basic_properties_t& properties = envelope.message.properties;
  Delivery delivery;
  delivery.body = text_of(envelope.message.body);
  delivery.exchange = text_of(envelope.exchange);
  delivery.routing_key = text_of(envelope.routing_key);
  if (properties._flags & AMQP_BASIC_TYPE_FLAG) delivery.type = text_of(properties.type);
  if (properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG) delivery.message_id = text_of(properties.message_id);
  delivery.redelivered = envelope.redelivered != 0;
  delivery.headers = headers_of(properties);
  delivery.attempt = attempt_of(delivery.headers);
  // A retried message comes back through the default exchange: show where it first went.
  auto key = delivery.headers.find(kRoutingKeyHeader);
  if (key != delivery.headers.end()) delivery.routing_key = key->second;
  auto exchange = delivery.headers.find(kExchangeHeader);
  if (exchange != delivery.headers.end()) delivery.exchange = exchange->second;
  return delivery;
}

}  // namespace

Consumer::Consumer(BusUrl url, ConsumerOptions options, Handler handler, log::Logger logger,
                   ConnectedHook on_connected)
    : url_(std::move(url)), options_(std::move(options)), handler_(std::move(handler)), logger_(std::move(logger)),
      on_connected_(std::move(on_connected)) {
  thread_ = std::thread([this] { run(); });
}

Consumer::~Consumer() { stop(); }

void Consumer::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Consumer::wait_until_connected(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return connected_.load(); });
}

std::string Consumer::queue_name() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_name_;
}

bool Consumer::sleep_unless_stopped(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, duration, [&] { return stopping_; });
}

void Consumer::run() {
  Backoff backoff(options_.reconnect_backoff);
  while (!sleep_unless_stopped(std::chrono::milliseconds(0))) {
    try {
      ConnectionOptions connection_options{options_.connection_name, options_.timeout, options_.heartbeat_seconds};
      Connection connection(url_, connection_options);
      set_up(connection);
      backoff.reset();
      consume_until_failure(connection);
    } catch (const std::exception& e) {
      connected_ = false;
      retry_publisher_.reset();  // it may be as broken as the consumer's connection
      auto delay = backoff.next();
      logger_.warn("consumer disconnected, retrying", {{"queue", options_.queue}, {"error", e.what()},
                                                       {"retry_in_ms", delay.count()}});
      if (sleep_unless_stopped(delay)) break;
    }
  }
  connected_ = false;
}

void Consumer::set_up(Connection& connection) {
  connection.declare_exchanges();
  std::string queue = connection.declare_queue(options_.queue);
  if (!options_.queue.empty()) {
    connection.declare_delay_queue(retry_queue_name(queue), queue);
    connection.declare_queue(dead_letter_queue_name(queue));
  }
  for (const auto& key : options_.routing_keys) connection.bind_queue(queue, options_.exchange, key);
  amqp_basic_qos(connection.state(), Connection::kChannel, 0, options_.prefetch, 0);
  connection.check(amqp_get_rpc_reply(connection.state()), "set prefetch");
  amqp_basic_consume(connection.state(), Connection::kChannel, amqp_cstring_bytes(queue.c_str()), amqp_empty_bytes,
                     /*no_local=*/0, /*no_ack=*/0, /*exclusive=*/0, amqp_empty_table);
  connection.check(amqp_get_rpc_reply(connection.state()), "consume from " + queue);
  logger_.info("consumer connected", {{"broker", url_.redacted()}, {"queue", queue}});

  if (on_connected_) {
    try {
      on_connected_();
    } catch (const std::exception& e) {
      logger_.error("on_connected hook failed", {{"queue", queue}, {"error", e.what()}});
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_name_ = queue;
    connected_ = true;
  }
  changed_.notify_all();
}

void Consumer::consume_until_failure(Connection& connection) {
  while (!sleep_unless_stopped(std::chrono::milliseconds(0))) {
    amqp_maybe_release_buffers(connection.state());
    amqp_envelope_t envelope;
    timeval timeout = to_timeval(options_.poll_interval);
    amqp_rpc_reply_t reply = amqp_consume_message(connection.state(), &envelope, &timeout, 0);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) {
      EnvelopeGuard guard{&envelope};
      handle(connection, to_delivery(envelope), envelope.delivery_tag);
      continue;
    }
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT) continue;
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
      wait_frame_after_unexpected_state(connection);
      continue;
    }
    connection.check(reply, "consume");
  }
}

// A frame other than a delivery arrived: a close or a cancel (queue deleted) ends this
// connection; other methods are ignored.
void Consumer::wait_frame_after_unexpected_state(Connection& connection) {
  amqp_frame_t frame;
  timeval timeout = to_timeval(options_.timeout);
  connection.check_status(amqp_simple_wait_frame_noblock(connection.state(), &frame, &timeout), "read frame");
  if (frame.frame_type != AMQP_FRAME_METHOD) return;
  switch (frame.payload.method.id) {
    case AMQP_CHANNEL_CLOSE_METHOD:
      connection.fail("consume", "broker closed the channel");
    case AMQP_CONNECTION_CLOSE_METHOD:
      connection.fail("consume", "broker closed the connection");
    case AMQP_BASIC_CANCEL_METHOD:
      connection.fail("consume", "broker cancelled the consumer (queue deleted?)");
    default:
      return;
  }
}

void Consumer::handle(Connection& connection, const Delivery& delivery, uint64_t delivery_tag) {
  bool done = false;
  std::string error;
  std::string resource_id;
  try {
    done = handler_(delivery);
    if (!done) error = "the handler asked for another attempt";
  } catch (const HandlerFailure& e) {
    error = e.what();
    resource_id = e.resource_id();
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown exception";
  }
  if (!done) handle_failure(connection, delivery, short_error(error), resource_id);
  // The retry or dead letter is safely with the broker: the original can go.
  connection.check_status(amqp_basic_ack(connection.state(), Connection::kChannel, delivery_tag, 0), "ack");
}

void Consumer::handle_failure(Connection& connection, const Delivery& delivery, const std::string& error,
                              const std::string& resource_id) {
  bool last = delivery.attempt >= options_.max_attempts;
  // One line per failure, with what an operator needs to find the message and its resource.
  auto report = [&](log::Level level, std::string_view what, const std::string& key, const std::string& value) {
    log::Fields fields{{"message_id", delivery.message_id}, {"routing_key", delivery.routing_key},
                       {"resource_id", resource_id},        {"type", delivery.type},
                       {"attempt", delivery.attempt},       {"max_attempts", options_.max_attempts},
                       {"error", error},                    {key, value}};
    if (level == log::Level::Error) logger_.error(what, fields);
    else logger_.warn(what, fields);
  };

  OutgoingMessage message;
  message.exchange = "";  // the default exchange: straight to a queue by its name
  message.body = delivery.body;
  message.type = delivery.type;
  message.message_id = delivery.message_id;
  message.headers[kRoutingKeyHeader] = delivery.routing_key;
  message.headers[kExchangeHeader] = delivery.exchange;
  message.headers[kErrorHeader] = error;
  if (!resource_id.empty()) message.headers[kResourceIdHeader] = resource_id;

  std::string queue = queue_name();
  if (options_.queue.empty()) {
    // Fan-out: the queue dies with this connection anyway, so the consumer's own channel
    // (ordered before the ack) is as safe as it gets.
    if (last) {
      report(log::Level::Error, "message dropped after its last attempt; its users resync", "queue", queue);
      return;
    }
    message.routing_key = queue;
    message.number_headers[kAttemptHeader] = delivery.attempt + 1;
    report(log::Level::Warn, "handler failed, message queued again", "queue", queue);
    connection.publish(message);
    return;
  }
  message.number_headers[kAttemptHeader] = last ? delivery.attempt : delivery.attempt + 1;
  if (last) {
    message.routing_key = dead_letter_queue_name(queue);
    retry_publisher().publish(message);
    report(log::Level::Error, "message parked in the dead-letter queue after its last attempt", "dead_letter_queue",
           message.routing_key);
    return;
  }
  auto delay = backoff_delay(options_.retry_backoff, delivery.attempt, random_unit());
  message.routing_key = retry_queue_name(queue);
  message.expiration = delay;
  retry_publisher().publish(message);
  report(log::Level::Warn, "handler failed, message will be retried", "retry_in_ms", std::to_string(delay.count()));
}

Publisher& Consumer::retry_publisher() {
  if (!retry_publisher_) {
    PublisherOptions options;
    options.connection_name = options_.connection_name + "-retry";
    options.timeout = options_.timeout;
    retry_publisher_ = std::make_unique<Publisher>(url_, logger_, options);
  }
  return *retry_publisher_;
}

}  // namespace stratus::bus
