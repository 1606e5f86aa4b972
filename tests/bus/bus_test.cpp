// Publisher and Consumer against a real RabbitMQ (the `rabbitmq` fixture, or
// STRATUS_TEST_AMQP_URL). Each test uses its own queue and routing key.
#include <catch2/catch.hpp>

#include <google/protobuf/wrappers.pb.h>

#include <atomic>
#include <cstdio>
#include <sstream>

#include "common/bus/consumer.h"
#include "common/bus/publisher.h"
#include "common/bus/topology.h"
#include "common/error/error.h"
#include "tests/bus/bus_test_support.h"

using namespace stratus;
using namespace std::chrono_literals;
using stratus::testing::Inbox;

namespace {

bus::ConsumerOptions options_for(const std::string& queue, const std::string& routing_key,
                                 const std::string& connection_name = "stratus-test-consumer") {
  bus::ConsumerOptions options;
  options.queue = queue;
  options.exchange = bus::kEventsExchange;
  options.routing_keys = {routing_key};
  options.connection_name = connection_name;
  options.retry_backoff = {50ms, 200ms, 0.2};
  options.reconnect_backoff = {100ms, 1s, 0.2};
  return options;
}

std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  pclose(pipe);
  return output;
}

// Closes the broker side of every connection named `connection_name`, as an operator or a
// broker restart would; returns how many it closed. Other connections are left alone.
int close_connections_named(const std::string& connection_name) {
  // Lines are "<pid>\t[{...},{"connection_name","<name>"}]".
  std::istringstream listing(run("rabbitmqctl list_connections pid client_properties -q 2>/dev/null"));
  int closed = 0;
  for (std::string line; std::getline(listing, line);) {
    if (line.find("\"" + connection_name + "\"") == std::string::npos) continue;
    std::string pid = line.substr(0, line.find('\t'));
    if (std::system(("rabbitmqctl close_connection '" + pid + "' 'stratus test' -q >/dev/null 2>&1").c_str()) == 0)
      ++closed;
  }
  return closed;
}

}  // namespace

TEST_CASE("a confirmed publish is consumed with its properties and acked", "[integration][bus]") {
  auto logger = testing::bus_test_logger();
  std::string queue = testing::unique_name("q");
  std::string key = "test." + queue + ".created";
  Inbox inbox;
  {
    bus::Consumer consumer(testing::test_amqp_url(), options_for(queue, key),
                           [&](const bus::Delivery& d) { inbox.add(d); return true; }, logger);
    REQUIRE(consumer.wait_until_connected(10s));
    CHECK(consumer.queue_name() == queue);

    bus::Publisher publisher(testing::test_amqp_url(), logger);
    std::string message_id = bus::new_message_id();
    publisher.publish(bus::kEventsExchange, key, std::string("hello\0world", 11), "test.Hello", message_id);

    google::protobuf::StringValue payload;
    payload.set_value("typed");
    std::string typed_id = publisher.publish(bus::kEventsExchange, key, payload);

    REQUIRE(inbox.wait_for(2));
    auto got = inbox.deliveries();
    CHECK(got[0].body == std::string("hello\0world", 11));
    CHECK(got[0].type == "test.Hello");
    CHECK(got[0].message_id == message_id);
    CHECK(got[0].routing_key == key);
    CHECK(got[0].exchange == bus::kEventsExchange);
    CHECK_FALSE(got[0].redelivered);

    CHECK(got[1].type == "google.protobuf.StringValue");
    CHECK(got[1].message_id == typed_id);
    google::protobuf::StringValue parsed;
    REQUIRE(parsed.ParseFromString(got[1].body));
    CHECK(parsed.value() == "typed");
  }
  CHECK(testing::delete_queues(queue) == 0);  // both were acked
}

TEST_CASE("a message whose handler fails twice is retried and handled once, not lost", "[integration][bus]") {
  auto logger = testing::bus_test_logger();
  std::string queue = testing::unique_name("q");
  std::string key = "test." + queue + ".failing";
  Inbox inbox;
  std::atomic<int> handled{0};
  {
    // First an exception, then a plain "not done", then success.
    bus::Consumer consumer(testing::test_amqp_url(), options_for(queue, key),
                           [&](const bus::Delivery& d) {
                             inbox.add(d);
                             if (d.body == "marker") return true;
                             if (d.attempt == 1) throw std::runtime_error("simulated handler failure");
                             if (d.attempt == 2) return false;
                             ++handled;
                             return true;
                           },
                           logger);
    REQUIRE(consumer.wait_until_connected(10s));
    bus::Publisher publisher(testing::test_amqp_url(), logger);
    std::string message_id = bus::new_message_id();
    publisher.publish(bus::kEventsExchange, key, "work", "test.Work", message_id);

    REQUIRE(inbox.wait_for(3));
    // Nothing more comes after the success: a marker sent now is the next delivery.
    publisher.publish(bus::kEventsExchange, key, "marker", "test.Work", bus::new_message_id());
    REQUIRE(inbox.wait_for_body("marker"));
    auto got = inbox.deliveries();
    REQUIRE(got.size() == 4);
    for (int i = 0; i < 3; ++i) {
      CHECK(got[i].message_id == message_id);
      CHECK(got[i].attempt == i + 1);
      CHECK(got[i].routing_key == key);  // as published, also when it came back from the retry queue
      CHECK(got[i].exchange == bus::kEventsExchange);
    }
    CHECK(handled == 1);
    CHECK(inbox.count_of("work") == 3);
  }
  CHECK(testing::delete_queues(queue) == 0);  // nothing waits for a retry, nothing parked
}

TEST_CASE("a poison message is parked in <queue>.dead after max_attempts while later messages are handled",
          "[integration][bus]") {
  auto logger = testing::bus_test_logger();
  std::string queue = testing::unique_name("q");
  std::string key = "test." + queue + ".poison";
  Inbox inbox;
  auto options = options_for(queue, key);
  options.max_attempts = 3;
  {
    bus::Consumer consumer(testing::test_amqp_url(), options,
                           [&](const bus::Delivery& d) {
                             inbox.add(d);
                             if (d.body == "poison") throw bus::HandlerFailure("port-42", "simulated poison");
                             return true;
                           },
                           logger);
    REQUIRE(consumer.wait_until_connected(10s));
    bus::Publisher publisher(testing::test_amqp_url(), logger);
    std::string poison_id = bus::new_message_id();
    publisher.publish(bus::kEventsExchange, key, "poison", "test.Work", poison_id);
    publisher.publish(bus::kEventsExchange, key, "good", "test.Work", bus::new_message_id());

    // The good message does not wait for the poison's retries.
    REQUIRE(inbox.wait_for_body("good"));
    CHECK(inbox.count_of("poison") < 3);

    std::optional<testing::QueuedMessage> dead;
    REQUIRE(testing::eventually([&] { return (dead = testing::take_message(bus::dead_letter_queue_name(queue))).has_value(); }));
    CHECK(dead->body == "poison");
    CHECK(dead->message_id == poison_id);
    CHECK(dead->headers[bus::kErrorHeader] == "simulated poison");
    CHECK(dead->headers[bus::kAttemptHeader] == "3");
    CHECK(dead->headers[bus::kResourceIdHeader] == "port-42");
    CHECK(dead->headers[bus::kRoutingKeyHeader] == key);

    // Parked, not retried any more: a marker sent now arrives with no fourth attempt before it.
    publisher.publish(bus::kEventsExchange, key, "marker", "test.Work", bus::new_message_id());
    REQUIRE(inbox.wait_for_body("marker"));
    CHECK(inbox.count_of("poison") == 3);
    auto got = inbox.deliveries();
    std::vector<int> attempts;
    for (const auto& d : got)
      if (d.body == "poison") attempts.push_back(d.attempt);
    CHECK(attempts == std::vector<int>{1, 2, 3});
  }
  CHECK(testing::delete_queues(queue) == 0);
}

TEST_CASE("a fan-out message that keeps failing is dropped after max_attempts", "[integration][bus]") {
  auto logger = testing::bus_test_logger();
  std::string key = "test." + testing::unique_name("fanout") + ".poison";
  Inbox inbox;
  auto options = options_for("", key);
  options.max_attempts = 3;
  bus::Consumer consumer(testing::test_amqp_url(), options,
                         [&](const bus::Delivery& d) {
                           inbox.add(d);
                           if (d.body == "poison") throw std::runtime_error("simulated poison");
                           return true;
                         },
                         logger);
  REQUIRE(consumer.wait_until_connected(10s));
  bus::Publisher publisher(testing::test_amqp_url(), logger);
  publisher.publish(bus::kEventsExchange, key, "poison", "test.Work", bus::new_message_id());
  publisher.publish(bus::kEventsExchange, key, "good", "test.Work", bus::new_message_id());
  REQUIRE(inbox.wait_for_body("good"));
  REQUIRE(testing::eventually([&] { return inbox.count_of("poison") == 3; }));
  publisher.publish(bus::kEventsExchange, key, "marker", "test.Work", bus::new_message_id());
  REQUIRE(inbox.wait_for_body("marker"));
  CHECK(inbox.count_of("poison") == 3);  // dropped, not spinning
}

TEST_CASE("a consumer resumes and a publisher reconnects after the broker closes their connections", "[integration][bus]") {
  auto logger = testing::bus_test_logger();
  std::string queue = testing::unique_name("q");
  std::string key = "test." + queue + ".resumed";
  std::string connection_name = testing::unique_name("conn");
  Inbox inbox;
  std::atomic<int> connections{0};
  {
    bus::Consumer consumer(testing::test_amqp_url(), options_for(queue, key, connection_name),
                           [&](const bus::Delivery& d) { inbox.add(d); return true; }, logger,
                           [&] { ++connections; });
    REQUIRE(consumer.wait_until_connected(10s));
    bus::PublisherOptions publisher_options;
    publisher_options.connection_name = connection_name;
    bus::Publisher publisher(testing::test_amqp_url(), logger, publisher_options);
    publisher.publish(bus::kEventsExchange, key, "before", "test.Text", bus::new_message_id());
    REQUIRE(inbox.wait_for(1));

    // Both lose their connections; the publisher notices only on its next publish and
    // must reconnect without failing it.
    REQUIRE(close_connections_named(connection_name) == 2);
    // Published while the consumer may be away: the durable queue keeps it.
    publisher.publish(bus::kEventsExchange, key, "after", "test.Text", bus::new_message_id());

    REQUIRE(inbox.wait_for(2, 30s));
    CHECK(connections >= 2);  // on_connected ran again, for a resync
    CHECK(inbox.deliveries()[1].body == "after");
  }
  CHECK(testing::delete_queues(queue) == 0);
}

TEST_CASE("server-named queues give every process its own copy of an event", "[integration][bus]") {
  auto logger = testing::bus_test_logger();
  std::string key = "test." + testing::unique_name("fanout") + ".revoked";
  Inbox first_inbox, second_inbox;
  bus::Consumer first(testing::test_amqp_url(), options_for("", key),
                      [&](const bus::Delivery& d) { first_inbox.add(d); return true; }, logger);
  bus::Consumer second(testing::test_amqp_url(), options_for("", key),
                       [&](const bus::Delivery& d) { second_inbox.add(d); return true; }, logger);
  REQUIRE(first.wait_until_connected(10s));
  REQUIRE(second.wait_until_connected(10s));
  CHECK(first.queue_name() != second.queue_name());

  bus::Publisher publisher(testing::test_amqp_url(), logger);
  publisher.publish(bus::kEventsExchange, key, "token-1", "test.Revoked", bus::new_message_id());

  CHECK(first_inbox.wait_for(1));
  CHECK(second_inbox.wait_for(1));
  // The queues are exclusive and auto-delete: they go away with the consumers.
}

TEST_CASE("publishing to an unreachable broker fails as UNAVAILABLE", "[integration][bus]") {
  bus::Publisher publisher(testing::unreachable_amqp_url(), testing::bus_test_logger());
  try {
    publisher.publish(bus::kEventsExchange, "test.nowhere", "x", "test.Text", bus::new_message_id());
    FAIL("publish should have thrown");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Unavailable);
  }
}

TEST_CASE("a publisher recovers after a failed publish", "[integration][bus]") {
  auto logger = testing::bus_test_logger();
  bus::Publisher publisher(testing::test_amqp_url(), logger);
  // The broker closes the channel: there is no such exchange.
  CHECK_THROWS_AS(publisher.publish(testing::unique_name("no-such-exchange"), "k", "x", "test.Text",
                                    bus::new_message_id()),
                  Error);

  std::string queue = testing::unique_name("q");
  std::string key = "test." + queue + ".after-failure";
  Inbox inbox;
  {
    bus::Consumer consumer(testing::test_amqp_url(), options_for(queue, key),
                           [&](const bus::Delivery& d) { inbox.add(d); return true; }, logger);
    REQUIRE(consumer.wait_until_connected(10s));
    publisher.publish(bus::kEventsExchange, key, "ok", "test.Text", bus::new_message_id());
    CHECK(inbox.wait_for(1));
  }
  testing::delete_queues(queue);
}

TEST_CASE("stop() returns promptly while the consumer waits for messages or for the broker",
          "[integration][bus]") {
  auto logger = testing::bus_test_logger();
  for (auto url : {testing::test_amqp_url(), testing::unreachable_amqp_url()}) {
    bus::Consumer consumer(url, options_for("", "test.idle"), [](const bus::Delivery&) { return true; }, logger);
    if (url.port != 1) REQUIRE(consumer.wait_until_connected(10s));
    else std::this_thread::sleep_for(300ms);  // in its reconnect back-off; nothing to wait on
    auto started = std::chrono::steady_clock::now();
    consumer.stop();
    CHECK(std::chrono::steady_clock::now() - started < 1s);
  }
}
