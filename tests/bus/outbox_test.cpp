// The transactional outbox and its relay against real PostgreSQL and RabbitMQ: what commits
// is delivered, what rolls back never is, nothing is lost while the broker is away, and two
// relays share one table without double work.
#include <catch2/catch.hpp>

#include <google/protobuf/wrappers.pb.h>

#include <set>

#include "common/bus/consumer.h"
#include "common/bus/topology.h"
#include "common/db/migrations.h"
#include "common/outbox/outbox.h"
#include "tests/bus/bus_test_support.h"
#include "tests/db/temp_database.h"

using namespace stratus;
using namespace std::chrono_literals;
using stratus::testing::Inbox;

namespace {

// A fresh database with the outbox table, and a consumer of one routing-key space.
struct OutboxFixture {
  OutboxFixture()
      : logger(testing::bus_test_logger()),
        pool(database.url(), 4, logger),
        queue(testing::unique_name("outbox")),
        key_prefix("test." + queue) {
    db::migrate(pool, "outbox", db::outbox_migrations(), logger);
    bus::ConsumerOptions options;
    options.queue = queue;
    options.exchange = bus::kEventsExchange;
    options.routing_keys = {key_prefix + ".#"};
    options.prefetch = 50;
    consumer = std::make_unique<bus::Consumer>(
        testing::test_amqp_url(), options, [this](const bus::Delivery& d) { inbox.add(d); return true; }, logger);
    REQUIRE(consumer->wait_until_connected(10s));
  }
  ~OutboxFixture() {
    consumer->stop();
    testing::delete_queues(queue);
  }

  std::string enqueue_committed(const std::string& event, const std::string& body) {
    return pool.transact([&](pqxx::work& tx) {
      return outbox::enqueue(tx, bus::kEventsExchange, key_prefix + "." + event, body, "test.Text");
    });
  }
  int rows_left() {
    return pool.transact([](pqxx::work& tx) { return tx.exec("SELECT count(*) FROM outbox")[0][0].as<int>(); });
  }

  testing::TempDatabase database;
  log::Logger logger;
  db::Pool pool;
  std::string queue;
  std::string key_prefix;
  Inbox inbox;
  std::unique_ptr<bus::Consumer> consumer;
};

outbox::RelayOptions fast_relay() {
  outbox::RelayOptions options;
  options.poll_interval = 500ms;
  options.min_backoff = 50ms;
  options.max_backoff = 200ms;
  return options;
}

}  // namespace

TEST_CASE("an outbox message is delivered if its transaction commits and never if it rolls back",
          "[integration][outbox]") {
  OutboxFixture f;
  bus::Publisher publisher(testing::test_amqp_url(), f.logger);
  outbox::Relay relay(f.database.url(), publisher, f.logger, fast_relay());

  google::protobuf::StringValue payload;
  payload.set_value("committed");
  std::string committed_id = f.pool.transact([&](pqxx::work& tx) {
    return outbox::enqueue(tx, bus::kEventsExchange, f.key_prefix + ".committed", payload);
  });
  struct Abort {};
  CHECK_THROWS_AS(f.pool.transact([&](pqxx::work& tx) {
    outbox::enqueue(tx, bus::kEventsExchange, f.key_prefix + ".rolled-back", "never", "test.Text");
    throw Abort{};
  }),
                  Abort);

  REQUIRE(f.inbox.wait_for(1));
  // Whatever the relay would ever publish is published once it stopped; a marker sent after
  // that comes behind it in the queue, so once the marker is here nothing else can come.
  relay.stop();
  publisher.publish(bus::kEventsExchange, f.key_prefix + ".marker", "marker", "test.Text", bus::new_message_id());
  REQUIRE(f.inbox.wait_for_body("marker"));
  auto got = f.inbox.deliveries();
  REQUIRE(got.size() == 2);
  CHECK(got[0].message_id == committed_id);
  CHECK(got[0].type == "google.protobuf.StringValue");
  CHECK(got[0].routing_key == f.key_prefix + ".committed");
  google::protobuf::StringValue parsed;
  REQUIRE(parsed.ParseFromString(got[0].body));
  CHECK(parsed.value() == "committed");
  CHECK(f.rows_left() == 0);
  CHECK(relay.stats().published == 1);
}

TEST_CASE("the relay publishes one routing key's messages in commit order", "[integration][outbox]") {
  OutboxFixture f;
  std::vector<std::string> sent;
  for (int i = 0; i < 30; ++i) sent.push_back(f.enqueue_committed("ordered", std::to_string(i)));

  bus::Publisher publisher(testing::test_amqp_url(), f.logger);
  outbox::RelayOptions options = fast_relay();
  options.batch_size = 7;  // several batches
  outbox::Relay relay(f.database.url(), publisher, f.logger, options);

  REQUIRE(f.inbox.wait_for(sent.size()));
  std::vector<std::string> received;
  for (const auto& delivery : f.inbox.deliveries()) received.push_back(delivery.message_id);
  CHECK(received == sent);
}

TEST_CASE("outbox rows survive an unreachable broker and are delivered once it is reachable",
          "[integration][outbox]") {
  OutboxFixture f;
  std::vector<std::string> sent;
  {
    bus::Publisher unreachable(testing::unreachable_amqp_url(), f.logger);
    outbox::Relay relay(f.database.url(), unreachable, f.logger, fast_relay());
    for (int i = 0; i < 3; ++i) sent.push_back(f.enqueue_committed("delayed", std::to_string(i)));
    REQUIRE(testing::eventually([&] { return relay.stats().failed >= 3; }));
    CHECK(relay.stats().published == 0);
  }
  CHECK(f.rows_left() == 3);
  CHECK(f.inbox.size() == 0);

  bus::Publisher reachable(testing::test_amqp_url(), f.logger);
  outbox::Relay relay(f.database.url(), reachable, f.logger, fast_relay());
  REQUIRE(f.inbox.wait_for(3));
  std::vector<std::string> received;
  for (const auto& delivery : f.inbox.deliveries()) received.push_back(delivery.message_id);
  CHECK(received == sent);
  CHECK(testing::eventually([&] { return f.rows_left() == 0; }));
}

TEST_CASE("two relays on one outbox deliver every row, each once", "[integration][outbox]") {
  OutboxFixture f;
  bus::Publisher publisher_a(testing::test_amqp_url(), f.logger);
  bus::Publisher publisher_b(testing::test_amqp_url(), f.logger);
  outbox::RelayOptions options = fast_relay();
  options.batch_size = 10;
  outbox::Relay relay_a(f.database.url(), publisher_a, f.logger, options);
  outbox::Relay relay_b(f.database.url(), publisher_b, f.logger, options);

  const int kMessages = 200;
  std::set<std::string> sent;
  for (int i = 0; i < kMessages; i += 20) {
    f.pool.transact([&](pqxx::work& tx) {
      for (int j = i; j < i + 20; ++j)
        sent.insert(outbox::enqueue(tx, bus::kEventsExchange, f.key_prefix + ".shared", std::to_string(j),
                                    "test.Text"));
    });
  }

  REQUIRE(f.inbox.wait_for(kMessages, 30s));
  // A duplicate would be published before the relays stop, so before this marker.
  relay_a.stop();
  relay_b.stop();
  publisher_a.publish(bus::kEventsExchange, f.key_prefix + ".marker", "marker", "test.Text", bus::new_message_id());
  REQUIRE(f.inbox.wait_for_body("marker"));
  std::set<std::string> received;
  for (const auto& delivery : f.inbox.deliveries())
    if (delivery.body != "marker") received.insert(delivery.message_id);
  CHECK(received == sent);
  CHECK(f.inbox.size() == static_cast<size_t>(kMessages) + 1);  // SKIP LOCKED: no row went twice
  CHECK(relay_a.stats().published + relay_b.stats().published == static_cast<uint64_t>(kMessages));
  CHECK(f.rows_left() == 0);
}

TEST_CASE("the relay reconnects after its database connection is cut", "[integration][outbox]") {
  OutboxFixture f;
  bus::Publisher publisher(testing::test_amqp_url(), f.logger);
  outbox::Relay relay(f.database.url(), publisher, f.logger, fast_relay());
  f.enqueue_committed("before", "1");
  REQUIRE(f.inbox.wait_for(1));

  // As a database restart or failover would; the pool's own idle connection goes too.
  {
    pqxx::connection admin(testing::test_pg_url());
    pqxx::nontransaction(admin).exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = " + admin.quote(f.database.name()));
  }
  f.enqueue_committed("after", "2");

  REQUIRE(f.inbox.wait_for(2, 15s));
  CHECK(f.inbox.deliveries()[1].routing_key == f.key_prefix + ".after");
  CHECK(relay.stats().failed >= 1);
}
