#include <mutex>
#include <set>

#include <catch2/catch.hpp>

#include "common/bus/consumer.h"
#include "common/bus/topology.h"
#include "tests/network/network_test_support.h"

using namespace stratus;
using namespace stratus::network_test;

namespace {

// Collects the routing keys of network events that concern one project.
class ProjectEvents {
 public:
  explicit ProjectEvents(std::string project_id) : project_id_(std::move(project_id)) {
    bus::ConsumerOptions options;
    options.exchange = bus::kEventsExchange;
    options.routing_keys = {"network.#"};
    options.connection_name = "network-events-test";
    consumer_ = std::make_unique<bus::Consumer>(
        bus::BusUrl::parse(test_support::test_amqp_url()), options,
        [this](const bus::Delivery& d) {
          record(d);
          return true;
        },
        log::Logger("test", log::Level::Warn, log::Format::Text, std::make_shared<log::Sink>(std::cerr)));
    REQUIRE(consumer_->wait_until_connected(std::chrono::seconds(10)));
  }

  bool saw(const std::string& routing_key) {
    return test_support::eventually(
        [&] {
          std::lock_guard<std::mutex> lock(mutex_);
          return keys_.count(routing_key) > 0;
        },
        std::chrono::seconds(10));
  }

 private:
  void record(const bus::Delivery& d) {
    std::string project;
    if (d.type == "cloud.network.v1.NetworkChanged") {
      v1::NetworkChanged e;
      if (e.ParseFromString(d.body)) project = e.project_id();
    } else if (d.type == "cloud.network.v1.SubnetChanged") {
      v1::SubnetChanged e;
      if (e.ParseFromString(d.body)) project = e.project_id();
    } else if (d.type == "cloud.network.v1.PortChanged") {
      v1::PortChanged e;
      if (e.ParseFromString(d.body)) project = e.project_id();
    } else if (d.type == "cloud.network.v1.SecurityGroupChanged") {
      v1::SecurityGroupChanged e;
      if (e.ParseFromString(d.body)) project = e.project_id();
    } else if (d.type == "cloud.network.v1.FloatingIpChanged") {
      v1::FloatingIpChanged e;
      if (e.ParseFromString(d.body)) project = e.project_id();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (project == project_id_) keys_.insert(d.routing_key);
  }

  std::string project_id_;
  std::mutex mutex_;
  std::set<std::string> keys_;
  std::unique_ptr<bus::Consumer> consumer_;
};

}  // namespace

TEST_CASE("every change is published on the bus through the outbox") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("events");
  ProjectEvents events(t.project_id);

  must(t.client.create_network("net"), "network");
  CHECK(events.saw("network.network.changed"));
  must(t.client.create_subnet("sub", "net", "10.80.0.0/24"), "subnet");
  CHECK(events.saw("network.subnet.changed"));
  must(t.client.create_port("net", "vm"), "port");
  CHECK(events.saw("network.port.changed"));
  CHECK(events.saw("network.security_group.changed"));  // the default group, made on first use

  auto pool = must(cloud.admin().create_network(unique("events-pool"), true), "external network");
  must(cloud.admin().create_subnet(unique("events-pool-sub"), pool.id(), "198.51.100.0/28"), "external subnet");
  v1::CreateFloatingIpRequest fip;
  fip.set_floating_network(pool.id());
  fip.set_port("vm");
  must(t.client.call(&Stub::CreateFloatingIp, fip), "floating IP");
  CHECK(events.saw("network.floating_ip.changed"));
}
