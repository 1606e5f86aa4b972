#include "agent/events.h"

#include <catch2/catch.hpp>

#include "network/v1/network.pb.h"

using namespace stratus::network_agent;
namespace v1 = cloud::network::v1;

TEST_CASE("a port bound here or moved away from here is looked at again", "[events]") {
  v1::PortChanged event;
  event.set_port_id("p1");
  event.set_host("host-1");
  CHECK(effect_of_event("network.port.changed", event.SerializeAsString(), "host-1").ports == std::set<std::string>{"p1"});
  event.set_host("host-2");
  CHECK(effect_of_event("network.port.changed", event.SerializeAsString(), "host-1").ports.empty());
  event.set_previous_host("host-1");
  CHECK(effect_of_event("network.port.changed", event.SerializeAsString(), "host-1").ports == std::set<std::string>{"p1"});
}

TEST_CASE("a security group change names the ports to refresh when some are here", "[events]") {
  v1::SecurityGroupChanged event;
  event.add_port_ids("p1");
  event.add_port_ids("p2");
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
  CHECK(effect_of_event("network.floating_ip.changed", event.SerializeAsString(), "host-1").ports ==
        std::set<std::string>{"new", "old"});
}

TEST_CASE("a subnet change asks for a full resync and garbage is reported", "[events]") {
  CHECK(effect_of_event("network.subnet.changed", "", "host-1").full_resync);
  CHECK(effect_of_event("network.port.changed", "\xff\xff\xff", "host-1").unreadable);
}
