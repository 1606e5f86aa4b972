#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common/ovsdb/client.h"
#include "common/ovsdb/replica.h"
#include "common/ovsdb/vswitch.h"
#include "ovsdb_server_fixture.h"

using namespace stratus::ovsdb;
using namespace std::chrono_literals;

namespace {

// Collects the replica's changes and lets the test wait, with a bound, for one to show up.
class ChangeLog {
 public:
  Replica::Listener listener() {
    return [this](const RowChange& change) {
      std::lock_guard<std::mutex> lock(mutex_);
      changes_.push_back(change);
      arrived_.notify_all();
    };
  }

  // Waits up to 10 s for a change to the Interface named `name`: an insert or a delete.
  bool wait_for(const std::string& name, bool inserted) {
    std::unique_lock<std::mutex> lock(mutex_);
    return arrived_.wait_for(lock, 10s, [&] {
      for (const RowChange& change : changes_) {
        const auto& row = inserted ? change.new_row : change.old_row;
        const auto& other = inserted ? change.old_row : change.new_row;
        if (row && !other && row->value("name", "") == name) return true;
      }
      return false;
    });
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<RowChange> changes_;
};

Replica interface_replica(ChangeLog& log) {
  return Replica(Vswitch::kDatabase,
                 {{"Interface", {"name", "external_ids", "ofport", "mac_in_use"}}},
                 log.listener());
}

void make_integration_bridge(const std::string& remote) {
  Client writer(remote);
  writer.connect();
  BridgeSpec spec;
  spec.name = "br-int";
  spec.datapath_type = "netdev";
  Vswitch(writer).ensure_bridge(spec);
}

}  // namespace

TEST_CASE("the replica notices an interface another writer adds with an iface-id, and its removal") {
  OvsdbServerFixture server;
  make_integration_bridge(server.remote());
  Client client(server.remote());
  client.connect();
  ChangeLog log;
  Replica replica = interface_replica(log);
  replica.start(client);
  REQUIRE(log.wait_for("br-int", true));  // the initial contents

  REQUIRE(server.run(server.vsctl() +
                     "add-port br-int tap1 -- set Interface tap1 external_ids:iface-id=port-1") ==
          0);
  REQUIRE(log.wait_for("tap1", true));
  bool found = false;
  for (const auto& [uuid, row] : replica.rows("Interface")) {
    const InterfaceInfo info = interface_from_row(uuid, row);
    if (info.name == "tap1") {
      found = true;
      CHECK(info.external_ids.at("iface-id") == "port-1");
    }
  }
  CHECK(found);

  REQUIRE(server.run(server.vsctl() + "del-port br-int tap1") == 0);
  REQUIRE(log.wait_for("tap1", false));
  CHECK(replica.rows("Interface").size() == 1);
}

TEST_CASE("after the server restarts the replica resyncs and reports what vanished") {
  OvsdbServerFixture server;
  make_integration_bridge(server.remote());
  REQUIRE(server.run(server.vsctl() +
                     "add-port br-int tap1 -- set Interface tap1 external_ids:iface-id=port-1") ==
          0);

  Client client(server.remote());
  ChangeLog log;
  Replica replica = interface_replica(log);
  std::atomic<bool> stop{false};
  std::atomic<int> sessions{0};
  std::thread agent([&] {
    client.run(Backoff{20ms, 200ms}, [&] { return stop.load(); }, [&] {
      ++sessions;  // first: start() reports the resync before it returns
      replica.start(client);
    });
  });
  REQUIRE(log.wait_for("tap1", true));

  // The server comes back with an empty database: tap1 and br-int are gone.
  server.stop();
  server.recreate_database();
  server.start();
  CHECK(log.wait_for("tap1", false));
  CHECK(log.wait_for("br-int", false));
  CHECK(sessions >= 2);

  // Monitoring goes on over the new session.
  make_integration_bridge(server.remote());
  REQUIRE(server.run(server.vsctl() +
                     "add-port br-int tap2 -- set Interface tap2 external_ids:iface-id=port-2") ==
          0);
  CHECK(log.wait_for("tap2", true));

  stop = true;
  agent.join();
}
