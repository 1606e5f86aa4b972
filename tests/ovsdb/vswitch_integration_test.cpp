#include <catch2/catch.hpp>

#include <thread>

#include "common/ovsdb/client.h"
#include "common/ovsdb/error.h"
#include "common/ovsdb/operations.h"
#include "common/ovsdb/vswitch.h"
#include "ovsdb_server_fixture.h"

using namespace stratus::ovsdb;

namespace {

BridgeSpec integration_bridge() {
  BridgeSpec spec;
  spec.name = "br-int";
  spec.datapath_type = "netdev";
  spec.protocols = {"OpenFlow13", "OpenFlow15"};
  spec.other_config = {{"hwaddr", "fa:16:3e:00:00:01"}};
  return spec;
}

std::size_t row_count(Client& client, const std::string& table) {
  const json result = client.transact(
      Vswitch::kDatabase, json::array({op::select(table, json::array(), {"_uuid"})}));
  return result[0]["rows"].size();
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

TEST_CASE("list_dbs and get_schema answer from a real ovsdb-server") {
  OvsdbServerFixture server;
  Client client(server.remote());
  client.connect();
  const auto dbs = client.list_dbs();
  CHECK(std::find(dbs.begin(), dbs.end(), "Open_vSwitch") != dbs.end());
  CHECK(client.get_schema("Open_vSwitch")["name"] == "Open_vSwitch");
  CHECK_THROWS_WITH(client.get_schema("NoSuchDb"), Catch::Contains("unknown database"));
}

TEST_CASE("ensure_bridge is idempotent and its bridge is visible to other clients") {
  OvsdbServerFixture server;
  Client client(server.remote());
  client.connect();
  Vswitch vswitch(client);
  vswitch.ensure_bridge(integration_bridge());
  vswitch.ensure_bridge(integration_bridge());

  Client other(server.remote());
  other.connect();
  CHECK(Vswitch(other).bridge_names() == std::vector<std::string>{"br-int"});
  CHECK(row_count(other, "Port") == 1);
  CHECK(row_count(other, "Interface") == 1);
  CHECK(trimmed(server.capture(server.vsctl() + "list-br")) == "br-int");
  CHECK(trimmed(server.capture(server.vsctl() + "get-fail-mode br-int")) == "secure");
  CHECK(trimmed(server.capture(server.vsctl() + "get Bridge br-int other_config:hwaddr")) ==
        "\"fa:16:3e:00:00:01\"");
  const std::string dump = server.capture("ovsdb-client dump " + server.remote() +
                                          " Open_vSwitch Bridge name datapath_type protocols");
  CHECK_THAT(dump, Catch::Contains("br-int") && Catch::Contains("netdev") &&
                       Catch::Contains("OpenFlow15"));
}

TEST_CASE("ensure_bridge brings an existing bridge to the new settings in place") {
  OvsdbServerFixture server;
  Client client(server.remote());
  client.connect();
  Vswitch vswitch(client);
  vswitch.ensure_bridge(integration_bridge());
  BridgeSpec changed = integration_bridge();
  changed.fail_mode = "standalone";
  changed.other_config = {{"hwaddr", "fa:16:3e:00:00:02"}};
  vswitch.ensure_bridge(changed);
  CHECK(trimmed(server.capture(server.vsctl() + "get-fail-mode br-int")) == "standalone");
  CHECK(trimmed(server.capture(server.vsctl() + "get Bridge br-int other_config:hwaddr")) ==
        "\"fa:16:3e:00:00:02\"");
  CHECK(row_count(client, "Bridge") == 1);
}

TEST_CASE("two agents ensuring the same bridge at once create it only once") {
  OvsdbServerFixture server;
  auto agent = [&] {
    Client client(server.remote());
    client.connect();
    Vswitch vswitch(client);
    for (int i = 0; i < 5; ++i) vswitch.ensure_bridge(integration_bridge());
  };
  std::thread first(agent);
  std::thread second(agent);
  first.join();
  second.join();
  Client client(server.remote());
  client.connect();
  CHECK(row_count(client, "Open_vSwitch") == 1);
  CHECK(row_count(client, "Bridge") == 1);
  CHECK(row_count(client, "Interface") == 1);
}

TEST_CASE("delete_bridge removes the bridge with its ports and may be repeated") {
  OvsdbServerFixture server;
  Client client(server.remote());
  client.connect();
  Vswitch vswitch(client);
  vswitch.ensure_bridge(integration_bridge());
  vswitch.ensure_port("br-int", {"tap1", "", {}, {{"iface-id", "p1"}}});
  vswitch.delete_bridge("br-int");
  vswitch.delete_bridge("br-int");
  CHECK(vswitch.bridge_names().empty());
  CHECK(row_count(client, "Port") == 0);
  CHECK(row_count(client, "Interface") == 0);
  CHECK(trimmed(server.capture(server.vsctl() + "list-br")).empty());
}

TEST_CASE("ensure_port adds a port with its interface and remove_port takes both away") {
  OvsdbServerFixture server;
  Client client(server.remote());
  client.connect();
  Vswitch vswitch(client);
  vswitch.ensure_bridge(integration_bridge());
  const PortSpec patch{"patch-int", "patch", {{"peer", "patch-ex"}}, {{"owner", "stratus"}}};
  vswitch.ensure_port("br-int", patch);
  vswitch.ensure_port("br-int", patch);

  CHECK(trimmed(server.capture(server.vsctl() + "list-ports br-int")) == "patch-int");
  const auto found = vswitch.find_interface("patch-int");
  REQUIRE(found);
  CHECK(found->type == "patch");
  CHECK(found->external_ids == std::map<std::string, std::string>{{"owner", "stratus"}});
  CHECK_FALSE(found->ofport);  // nobody runs ovs-vswitchd here
  CHECK(trimmed(server.capture(server.vsctl() + "get Interface patch-int options:peer")) ==
        "patch-ex");

  vswitch.remove_port("br-int", "patch-int");
  vswitch.remove_port("br-int", "patch-int");
  CHECK_FALSE(vswitch.find_interface("patch-int"));
  CHECK(trimmed(server.capture(server.vsctl() + "list-ports br-int")).empty());
}

TEST_CASE("ensure_port on a bridge that does not exist says so") {
  OvsdbServerFixture server;
  Client client(server.remote());
  client.connect();
  CHECK_THROWS_WITH(Vswitch(client).ensure_port("br-missing", {"tap1", "", {}, {}}),
                    Catch::Contains("no such bridge") && Catch::Contains("br-missing"));
}

TEST_CASE("a failed transaction carries the server's error and details") {
  OvsdbServerFixture server;
  Client client(server.remote());
  client.connect();
  const json dangling = json::array({op::insert(
      "Port", {{"name", "p1"}, {"interfaces", uuid("00000000-0000-0000-0000-000000000001")}})});
  try {
    client.transact(Vswitch::kDatabase, dangling);
    FAIL("expected the server to refuse a dangling reference");
  } catch (const OvsdbError& e) {
    CHECK(e.error() == "referential integrity violation");
    CHECK_FALSE(e.details().empty());
    CHECK_THAT(e.what(), Catch::Contains("transact Open_vSwitch"));
  }

  // A second bridge named like an existing one breaks the unique index on Bridge.name once
  // referenced from the root row (unreferenced bridges would simply be garbage collected).
  Vswitch(client).ensure_bridge(integration_bridge());
  const json twice = json::array(
      {op::insert("Bridge", {{"name", "br-int"}}, "again"),
       op::mutate("Open_vSwitch", json::array(),
                  json::array({op::mutation("bridges", "insert", set_of({named_uuid("again")}))}))});
  CHECK_THROWS_WITH(client.transact(Vswitch::kDatabase, twice),
                    Catch::Contains("constraint violation") && Catch::Contains("br-int"));
}
