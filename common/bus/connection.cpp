#include "common/bus/connection.h"

#include <amqp_tcp_socket.h>

#include <sys/time.h>

#include <ctime>
#include <vector>

#include "common/bus/topology.h"
#include "common/error/error.h"

namespace stratus::bus {
namespace {

timeval to_timeval(std::chrono::milliseconds duration) {
  timeval tv{};
  tv.tv_sec = static_cast<long>(duration.count() / 1000);
  tv.tv_usec = static_cast<long>((duration.count() % 1000) * 1000);
  return tv;
}

amqp_bytes_t bytes_of(const std::string& text) { return amqp_bytes_t{text.size(), const_cast<char*>(text.data())}; }

std::string reply_text(amqp_bytes_t text) { return std::string(static_cast<const char*>(text.bytes), text.len); }

}  // namespace

std::string describe_reply(const amqp_rpc_reply_t& reply) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return "ok";
    case AMQP_RESPONSE_NONE:
      return "no reply (missing RPC reply type)";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return amqp_error_string2(reply.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        auto* close = static_cast<amqp_connection_close_t*>(reply.reply.decoded);
        return "broker closed the connection: " + reply_text(close->reply_text);
      }
      if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        auto* close = static_cast<amqp_channel_close_t*>(reply.reply.decoded);
        return "broker closed the channel: " + reply_text(close->reply_text);
      }
      return "unexpected broker method " + std::to_string(reply.reply.id);
  }
  return "unknown reply";
}

Connection::Connection(const BusUrl& url, const ConnectionOptions& options)
    : state_(amqp_new_connection()), where_(url.redacted()) {
  if (!state_) throw unavailable("AMQP: out of memory");
  try {
    open_socket(url, options);
    login(url, options);
    amqp_channel_open(state_, kChannel);
    check(amqp_get_rpc_reply(state_), "open channel");
  } catch (...) {
    amqp_destroy_connection(state_);  // also closes the socket
    throw;
  }
}

Connection::~Connection() {
  // A polite close lets the broker requeue unacked messages at once; a broken connection
  // only needs its socket closed (the broker notices that too).
  if (!broken_) {
    amqp_channel_close(state_, kChannel, AMQP_REPLY_SUCCESS);
    amqp_connection_close(state_, AMQP_REPLY_SUCCESS);
  }
  amqp_destroy_connection(state_);
}

void Connection::open_socket(const BusUrl& url, const ConnectionOptions& options) {
  amqp_socket_t* socket = amqp_tcp_socket_new(state_);
  if (!socket) throw unavailable("AMQP: cannot create a socket");
  timeval timeout = to_timeval(options.timeout);
  int status = amqp_socket_open_noblock(socket, url.host.c_str(), url.port, &timeout);
  if (status != AMQP_STATUS_OK)
    throw unavailable("AMQP: cannot connect to " + where_ + ": " + amqp_error_string2(status));
  amqp_set_handshake_timeout(state_, &timeout);
  amqp_set_rpc_timeout(state_, &timeout);
}

void Connection::login(const BusUrl& url, const ConnectionOptions& options) {
  amqp_table_entry_t name_entry;
  name_entry.key = amqp_cstring_bytes("connection_name");
  name_entry.value.kind = AMQP_FIELD_KIND_UTF8;
  name_entry.value.value.bytes = bytes_of(options.name);
  amqp_table_t properties{1, &name_entry};
  const int kMaxFrameBytes = 131072;
  amqp_rpc_reply_t reply =
      amqp_login_with_properties(state_, url.vhost.c_str(), 0, kMaxFrameBytes, options.heartbeat_seconds,
                                 &properties, AMQP_SASL_METHOD_PLAIN, url.user.c_str(), url.password.c_str());
  check(reply, "log in");
}

void Connection::check(amqp_rpc_reply_t reply, const std::string& what) {
  if (reply.reply_type != AMQP_RESPONSE_NORMAL) fail(what, describe_reply(reply));
}

void Connection::check_status(int status, const std::string& what) {
  if (status != AMQP_STATUS_OK) fail(what, amqp_error_string2(status));
}

void Connection::fail(const std::string& what, const std::string& reason) {
  broken_ = true;
  throw unavailable("AMQP " + where_ + ": " + what + ": " + reason);
}

void Connection::declare_exchanges() {
  amqp_exchange_declare(state_, kChannel, amqp_cstring_bytes(kEventsExchange), amqp_cstring_bytes("topic"), 0, 1, 0,
                        0, amqp_empty_table);
  check(amqp_get_rpc_reply(state_), std::string("declare exchange ") + kEventsExchange);
  amqp_exchange_declare(state_, kChannel, amqp_cstring_bytes(kCastsExchange), amqp_cstring_bytes("direct"), 0, 1, 0,
                        0, amqp_empty_table);
  check(amqp_get_rpc_reply(state_), std::string("declare exchange ") + kCastsExchange);
}

std::string Connection::declare_queue(const std::string& name) {
  bool server_named = name.empty();
  amqp_queue_declare_ok_t* ok = amqp_queue_declare(state_, kChannel, bytes_of(name), 0, /*durable=*/!server_named,
                                                   /*exclusive=*/server_named, /*auto_delete=*/server_named,
                                                   amqp_empty_table);
  check(amqp_get_rpc_reply(state_), "declare queue '" + name + "'");
  return reply_text(ok->queue);
}

void Connection::declare_delay_queue(const std::string& name, const std::string& target) {
  amqp_table_entry_t entries[2];
  entries[0].key = amqp_cstring_bytes("x-dead-letter-exchange");
  entries[0].value.kind = AMQP_FIELD_KIND_UTF8;
  entries[0].value.value.bytes = amqp_empty_bytes;  // the default exchange: routes by queue name
  entries[1].key = amqp_cstring_bytes("x-dead-letter-routing-key");
  entries[1].value.kind = AMQP_FIELD_KIND_UTF8;
  entries[1].value.value.bytes = bytes_of(target);
  amqp_table_t arguments{2, entries};
  amqp_queue_declare(state_, kChannel, bytes_of(name), 0, /*durable=*/1, /*exclusive=*/0, /*auto_delete=*/0,
                     arguments);
  check(amqp_get_rpc_reply(state_), "declare queue '" + name + "'");
}

void Connection::bind_queue(const std::string& queue, const std::string& exchange, const std::string& routing_key) {
  amqp_queue_bind(state_, kChannel, bytes_of(queue), bytes_of(exchange), bytes_of(routing_key), amqp_empty_table);
  check(amqp_get_rpc_reply(state_), "bind queue " + queue + " to " + exchange + " with " + routing_key);
}

void Connection::publish(const OutgoingMessage& message) {
  std::vector<amqp_table_entry_t> entries;
  entries.reserve(message.headers.size() + message.number_headers.size());
  for (const auto& [key, value] : message.headers) {
    amqp_table_entry_t entry;
    entry.key = bytes_of(key);
    entry.value.kind = AMQP_FIELD_KIND_UTF8;
    entry.value.value.bytes = bytes_of(value);
    entries.push_back(entry);
  }
  for (const auto& [key, value] : message.number_headers) {
    amqp_table_entry_t entry;
    entry.key = bytes_of(key);
    entry.value.kind = AMQP_FIELD_KIND_I64;
    entry.value.value.i64 = value;
    entries.push_back(entry);
  }
  std::string expiration = message.expiration ? std::to_string(message.expiration->count()) : "";
  amqp_basic_properties_t properties{};
  properties._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_TYPE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
                      AMQP_BASIC_TIMESTAMP_FLAG;
  properties.delivery_mode = 2;  // persistent
  properties.type = bytes_of(message.type);
  properties.message_id = bytes_of(message.message_id);
  properties.timestamp = static_cast<uint64_t>(std::time(nullptr));
  if (!entries.empty()) {
    properties._flags |= AMQP_BASIC_HEADERS_FLAG;
    properties.headers = amqp_table_t{static_cast<int>(entries.size()), entries.data()};
  }
  if (message.expiration) {
    properties._flags |= AMQP_BASIC_EXPIRATION_FLAG;
    properties.expiration = bytes_of(expiration);
  }
  int status = amqp_basic_publish(state_, kChannel, bytes_of(message.exchange), bytes_of(message.routing_key),
                                  /*mandatory=*/0, /*immediate=*/0, &properties, bytes_of(message.body));
  check_status(status, "publish to '" + message.exchange + "'");
}

uint32_t Connection::delete_queue(const std::string& queue) {
  amqp_queue_delete_ok_t* ok = amqp_queue_delete(state_, kChannel, bytes_of(queue), 0, 0);
  check(amqp_get_rpc_reply(state_), "delete queue " + queue);
  return ok->message_count;
}

}  // namespace stratus::bus
