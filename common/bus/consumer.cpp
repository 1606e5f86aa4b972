#include "common/bus/consumer.h"

#include <algorithm>

#include "common/bus/connection.h"
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

Delivery to_delivery(const amqp_envelope_t& envelope) {
  const amqp_basic_properties_t& properties = envelope.message.properties;
  Delivery delivery;
  delivery.body = text_of(envelope.message.body);
  delivery.exchange = text_of(envelope.exchange);
  delivery.routing_key = text_of(envelope.routing_key);
  if (properties._flags & AMQP_BASIC_TYPE_FLAG) delivery.type = text_of(properties.type);
  if (properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG) delivery.message_id = text_of(properties.message_id);
  delivery.redelivered = envelope.redelivered != 0;
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
  auto backoff = options_.min_backoff;
  while (!sleep_unless_stopped(std::chrono::milliseconds(0))) {
    try {
      ConnectionOptions connection_options{options_.connection_name, options_.timeout, options_.heartbeat_seconds};
      Connection connection(url_, connection_options);
      set_up(connection);
      backoff = options_.min_backoff;
      consume_until_failure(connection);
    } catch (const std::exception& e) {
      connected_ = false;
      logger_.warn("consumer disconnected, retrying", {{"queue", options_.queue}, {"error", e.what()},
                                                       {"retry_in_ms", backoff.count()}});
      if (sleep_unless_stopped(backoff)) break;
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
  }
  connected_ = false;
}

void Consumer::set_up(Connection& connection) {
  connection.declare_exchanges();
  std::string queue = connection.declare_queue(options_.queue);
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
  try {
    done = handler_(delivery);
    if (!done)
      logger_.info("handler asked for redelivery", {{"message_id", delivery.message_id},
                                                    {"routing_key", delivery.routing_key}});
  } catch (const std::exception& e) {
    logger_.error("handler failed, message will be redelivered",
                  {{"message_id", delivery.message_id}, {"routing_key", delivery.routing_key},
                   {"type", delivery.type}, {"error", e.what()}});
  } catch (...) {
    logger_.error("handler failed, message will be redelivered", {{"message_id", delivery.message_id}});
  }
  if (done) {
    connection.check_status(amqp_basic_ack(connection.state(), Connection::kChannel, delivery_tag, 0), "ack");
    return;
  }
  // The delay keeps a message that fails every time from spinning the broker and the log.
  sleep_unless_stopped(options_.requeue_delay);
  connection.check_status(
      amqp_basic_nack(connection.state(), Connection::kChannel, delivery_tag, /*multiple=*/0, /*requeue=*/1), "nack");
}

}  // namespace stratus::bus
