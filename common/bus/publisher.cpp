#include "common/bus/publisher.h"

#include <google/protobuf/message.h>

#include "common/bus/connection.h"
#include "common/bus/message.h"
#include "common/error/error.h"

namespace stratus::bus {
namespace {

timeval to_timeval(std::chrono::steady_clock::duration duration) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(duration).count();
  timeval tv{};
  tv.tv_sec = static_cast<long>(micros / 1000000);
  tv.tv_usec = static_cast<long>(micros % 1000000);
  return tv;
}

}  // namespace

Publisher::Publisher(BusUrl url, log::Logger logger, PublisherOptions options)
    : url_(std::move(url)), logger_(std::move(logger)), options_(std::move(options)) {}

Publisher::~Publisher() = default;

void Publisher::publish(const std::string& exchange, const std::string& routing_key, const std::string& body,
                        const std::string& type, const std::string& message_id) {
  OutgoingMessage message;
  message.exchange = exchange;
  message.routing_key = routing_key;
  message.body = body;
  message.type = type;
  message.message_id = message_id;
  publish(message);
}

void Publisher::publish(const OutgoingMessage& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  // An idle connection may have died unnoticed (broker restart, closed by an operator):
  // one retry on a fresh connection tells that apart from a broker that is really down.
  // A retry after a lost confirm may duplicate the message, which at-least-once allows.
  for (int attempt = 1;; ++attempt) {
    bool fresh = !connection_;
    try {
      if (!connection_) connect();
      publish_on_connection(message);
      return;
    } catch (const Error& e) {
      connection_.reset();
      if (fresh || attempt >= 2) throw;  // the caller logs it with its own context
      logger_.info("publisher connection lost, reconnecting", {{"error", e.what()}});
    }
  }
}

std::string Publisher::publish(const std::string& exchange, const std::string& routing_key,
                               const google::protobuf::Message& payload) {
  std::string message_id = new_message_id();
  publish(exchange, routing_key, payload.SerializeAsString(), payload.GetDescriptor()->full_name(), message_id);
  return message_id;
}

void Publisher::connect() {
  ConnectionOptions connection_options;
  connection_options.name = options_.connection_name;
  connection_options.timeout = options_.timeout;
  auto connection = std::make_unique<Connection>(url_, connection_options);
  connection->declare_exchanges();
  amqp_confirm_select(connection->state(), Connection::kChannel);
  connection->check(amqp_get_rpc_reply(connection->state()), "enable publisher confirms");
  connection_ = std::move(connection);
  last_delivery_tag_ = 0;
  logger_.info("publisher connected", {{"broker", url_.redacted()}});
}

void Publisher::publish_on_connection(const OutgoingMessage& message) {
  connection_->publish(message);
  wait_for_confirm(++last_delivery_tag_);
}

// Reads frames until the broker acks (or nacks) `delivery_tag`, possibly as part of a
// "multiple" ack covering several tags.
void Publisher::wait_for_confirm(uint64_t delivery_tag) {
  auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  amqp_connection_state_t state = connection_->state();
  for (;;) {
    amqp_maybe_release_buffers(state);
    auto remaining = deadline - std::chrono::steady_clock::now();
    if (remaining <= std::chrono::steady_clock::duration::zero())
      connection_->fail("wait for confirm", "no confirm within " + std::to_string(options_.timeout.count()) + " ms");
    timeval timeout = to_timeval(remaining);
    amqp_frame_t frame;
    int status = amqp_simple_wait_frame_noblock(state, &frame, &timeout);
    if (status == AMQP_STATUS_TIMEOUT) continue;  // the deadline check above ends the wait
    connection_->check_status(status, "wait for confirm");
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;

    switch (frame.payload.method.id) {
      case AMQP_BASIC_ACK_METHOD: {
        auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
        if (ack->delivery_tag == delivery_tag || (ack->multiple && ack->delivery_tag > delivery_tag)) return;
        break;  // an ack of an earlier tag does not cover this one
      }
      case AMQP_BASIC_NACK_METHOD: {
        auto* nack = static_cast<amqp_basic_nack_t*>(frame.payload.method.decoded);
        if (nack->delivery_tag == delivery_tag || (nack->multiple && nack->delivery_tag > delivery_tag))
          throw unavailable("AMQP: the broker refused the message (nack)");
        break;
      }
      case AMQP_CHANNEL_CLOSE_METHOD: {
        auto* close = static_cast<amqp_channel_close_t*>(frame.payload.method.decoded);
        connection_->fail("publish", "broker closed the channel: " +
                                         std::string(static_cast<char*>(close->reply_text.bytes),
                                                     close->reply_text.len));
      }
      case AMQP_CONNECTION_CLOSE_METHOD:
        connection_->fail("publish", "broker closed the connection");
      default:
        break;
    }
  }
}

}  // namespace stratus::bus
