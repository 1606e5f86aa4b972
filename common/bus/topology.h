#pragma once
// How Stratus uses RabbitMQ. Every publisher and consumer declares the two exchanges on
// connect (declaring is idempotent), so start order does not matter.
//
//   stratus.events  durable topic exchange for events that several parties care about.
//                   Routing key: <service>.<resource>.<event>, e.g. "identity.token.revoked",
//                   "network.port.bound". Subscribers bind with patterns ("network.port.*").
//   stratus.casts   durable direct exchange for work sent to one host's agent.
//                   Routing key: <agent>.<host>, e.g. "compute-agent.node-3"; the agent
//                   consumes from a durable queue of that same name.
//
// Messages are persistent (delivery_mode 2), carry `type` = the protobuf full name of the
// payload (e.g. "cloud.identity.v1.TokenRevoked") and `message_id` = a fresh UUID that
// consumers log and may dedupe on. Publishers wait for the broker's confirm; consumers
// ack after the work is done. Delivery is at least once: handlers must be idempotent.
// Messages are published without `mandatory`: an event nobody subscribed to is dropped,
// which is fine because agents are level-triggered and resync at start.
//
// Per-process fan-out (e.g. every identity replica dropping a revoked token from its
// cache) uses an exclusive, auto-delete, server-named queue per process; what is published
// while such a process is disconnected is lost to it, so it resyncs in `on_connected`.
#include <string>

namespace stratus::bus {

inline constexpr const char* kEventsExchange = "stratus.events";
inline constexpr const char* kCastsExchange = "stratus.casts";

// The companions of a durable consumer queue (consumer.h): its retry delay line and its
// dead-letter queue.
inline std::string retry_queue_name(const std::string& queue) { return queue + ".retry"; }
inline std::string dead_letter_queue_name(const std::string& queue) { return queue + ".dead"; }

// Host-scoped events: "<base>.<host>", e.g. "network.port.changed.node-3", so an agent binds
// "network.*.changed.node-3" and receives only what concerns its host. A host name may hold
// dots; each is a word of the key, which a literal binding matches as well.
inline std::string host_routing_key(const std::string& base, const std::string& host) { return base + "." + host; }

// "compute-agent.node-3": the routing key and the queue name for casts to one host's agent.
inline std::string cast_routing_key(const std::string& agent, const std::string& host) {
  return agent + "." + host;
}

}  // namespace stratus::bus
