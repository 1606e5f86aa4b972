#include "agent/events.h"

#include <catch2/catch.hpp>

#include "network/v1/network.pb.h"

using namespace stratus::network_agent;
namespace v1 = cloud::network::v1;

TEST_CASE("a port bound here or moved away from here is looked at again", "[events]") {
  v1::PortChanged event;
  event.set_port_id("p1");
  event.set_host("host-1");
  CHECK(effect_of_event("network.port.changed.host-1", event.SerializeAsString(), "host-1").ports ==
        std::set<std::string>{"p1"});
  event.set_host("host-2");
  CHECK(effect_of_event("network.port.changed.host-1", event.SerializeAsString(), "host-1").ports.empty());
  event.set_previous_host("host-1");
  CHECK(effect_of_event("network.port.changed.host-1", event.SerializeAsString(), "host-1").ports ==
        std::set<std::string>{"p1"});
}

TEST_CASE("another host's copy of an event is ignored", "[events]") {
  v1::PortChanged port;
  port.set_port_id("p1");
  port.set_host("host-1");
  CHECK(effect_of_event("network.port.changed.host-2", port.SerializeAsString(), "host-1").ports.empty());
  // A host whose name ends like ours is not ours.
  CHECK(effect_of_event("network.port.changed.xhost-1", port.SerializeAsString(), "host-1").ports.empty());
  CHECK_FALSE(effect_of_event("network.network.changed.host-2", "", "host-1").full_resync);
  CHECK_FALSE(effect_of_event("network.subnet.changed.host-1.example", "", "host-1").full_resync);
}

TEST_CASE("host names with dots are matched whole", "[events]") {
  const std::string host = "node-3.rack-2.example";
  v1::PortChanged port;
  port.set_port_id("p1");
  port.set_host(host);
  CHECK(effect_of_event("network.port.changed." + host, port.SerializeAsString(), host).ports ==
        std::set<std::string>{"p1"});
  CHECK(effect_of_event("network.subnet.changed." + host, "", host).full_resync);
  CHECK_FALSE(effect_of_event("network.subnet.changed.node-3", "", host).full_resync);
}

TEST_CASE("a security group change scoped to this host refreshes its ports", "[events]") {
  v1::SecurityGroupChanged event;
  event.add_port_ids("p1");
  event.add_port_ids("p2");
  CHECK(effect_of_event("network.security_group.changed.host-1", event.SerializeAsString(), "host-1").ports ==
        std::set<std::string>{"p1", "p2"});
  CHECK(effect_of_event("network.security_group.changed.host-2", event.SerializeAsString(), "host-1").ports.empty());
  // The bare key needs this host among the event's hosts.
  event.add_hosts("host-2");
  CHECK(effect_of_event("network.security_group.changed", event.SerializeAsString(), "host-1").ports.empty());
  event.add_hosts("host-1");
  CHECK(effect_of_event("network.security_group.changed", event.SerializeAsString(), "host-1").ports.size() == 2);
}

TEST_CASE("a floating IP move refreshes both ports of this host", "[events]") {
  v1::FloatingIpChanged event;
  event.set_port_id("new");
  event.set_host("host-1");
  event.set_previous_port_id("old");
  event.set_previous_host("host-1");
  CHECK(effect_of_event("network.floating_ip.changed.host-1", event.SerializeAsString(), "host-1").ports ==
        std::set<std::string>{"new", "old"});
  event.set_previous_host("host-2");
  CHECK(effect_of_event("network.floating_ip.changed.host-1", event.SerializeAsString(), "host-1").ports ==
        std::set<std::string>{"new"});
}

TEST_CASE("a network or subnet change scoped to this host asks for a full resync", "[events]") {
  CHECK(effect_of_event("network.subnet.changed.host-1", "", "host-1").full_resync);
  CHECK(effect_of_event("network.network.changed.host-1", "", "host-1").full_resync);
  CHECK_FALSE(effect_of_event("network.network.changed", "", "host-1").full_resync);  // no host has ports on it
}

TEST_CASE("garbage is reported and other keys mean nothing", "[events]") {
  CHECK(effect_of_event("network.port.changed.host-1", "\xff\xff\xff", "host-1").unreadable);
  for (const std::string key : {"network.port.created.host-1", "network.port", "network..changed.host-1",
                                "network.port.changed.", "identity.token.revoked", "network.port.changedx.host-1"}) {
    auto effect = effect_of_event(key, "", "host-1");
    CHECK(effect.ports.empty());
    CHECK_FALSE(effect.full_resync);
    CHECK_FALSE(effect.unreadable);
  }
}
