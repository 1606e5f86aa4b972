// The reconciler's retry behaviour on the WorkQueue, with in-memory stand-ins for the network
// service, OVSDB and the switch (what the switch does with the flows is dataplane_test's).
// The work queue's clock is injected: back-offs are read, never slept through.
#include <catch2/catch.hpp>

#include <iostream>
#include <thread>

#include "agent/reconciler.h"
#include "common/error/error.h"
#include "domain/test_bindings.h"

using namespace stratus;
using namespace stratus::network_agent;
using namespace std::chrono_literals;
using cloud::network::v1::PortBinding;

namespace {

struct FakeSource : DesiredStateSource {
  std::map<std::string, PortBinding> ports;
  std::set<std::string> failing;  // port_binding throws UNAVAILABLE for these
  bool list_fails = false;
  std::vector<std::string> asked;
  std::map<std::string, std::string> reported;

  std::optional<PortBinding> port_binding(const std::string& id) override {
    asked.push_back(id);
    if (failing.count(id)) throw unavailable("network service unreachable for " + id);
    auto it = ports.find(id);
    if (it == ports.end()) return std::nullopt;
    return it->second;
  }
  std::vector<PortBinding> ports_on_host(const std::string& host) override {
    if (list_fails) throw unavailable("network service unreachable");
    std::vector<PortBinding> out;
    for (const auto& [id, b] : ports)
      if (b.host() == host) out.push_back(b);
    return out;
  }
  void report_status(const std::string& id, const std::string&, const std::string& status) override {
    reported[id] = status;
  }
};

struct FakeInterfaces : HostInterfaces {
  std::map<std::string, PluggedInterface> plugged;
  std::map<std::string, PluggedInterface> plugged_ports() const override { return plugged; }
  BridgeLayout layout() const override { return BridgeLayout{1, 1}; }
};

struct FakeSwitch : FlowProgrammer {
  bool apply_fails = false;
  int applies = 0;
  FlowSet dump(const std::string&) override { return {}; }
  void apply(const std::string&, const FlowDiff&) override {
    if (apply_fails) throw unavailable("switch refused");
    ++applies;
  }
  void send_arp_request(const std::string&, const ArpProbe&) override {}
  void flush_conntrack_zone(int) override {}
};

struct Rig {
  FakeSource source;
  FakeInterfaces interfaces;
  FakeSwitch programmer;
  agent::WorkQueue::Clock::time_point now{};
  std::unique_ptr<Reconciler> reconciler;

  Rig() {
    agent::WorkQueue::Options options;
    options.backoff = {200ms, 30s, 0.1};
    options.now = [this] { return now; };
    options.random = [] { return 0.0; };
    AgentSettings settings;
    settings.host = "host-1";
    settings.disable_offloads = false;
    reconciler = std::make_unique<Reconciler>(
        settings, source, interfaces, programmer,
        log::Logger("test", log::Level::Error, log::Format::Text, std::make_shared<log::Sink>(std::cerr)), options);
    for (auto [id, ofport] : {std::pair{"p1", 11}, std::pair{"p2", 12}}) {
      source.ports[id] = stratus::network_agent::testing::port_binding(id, 100, ofport == 11 ? "fa:16:3e:00:00:01" : "fa:16:3e:00:00:02",
                                      ofport == 11 ? "10.0.0.11" : "10.0.0.12");
      interfaces.plugged[id] = PluggedInterface{"tap-" + std::string(id), ofport};
    }
  }
};

}  // namespace

TEST_CASE("a port whose refresh fails is retried alone with growing back-off; the others are wired", "[unit][agent]") {
  Rig rig;
  rig.reconciler->enqueue_full_resync();
  REQUIRE(rig.reconciler->process_pending());
  CHECK(rig.source.reported == std::map<std::string, std::string>{{"p1", "ACTIVE"}, {"p2", "ACTIVE"}});

  rig.source.failing = {"p1"};
  rig.source.asked.clear();
  rig.reconciler->enqueue("p1");
  rig.reconciler->enqueue("p2");
  CHECK_FALSE(rig.reconciler->process_pending());
  CHECK(rig.source.asked == std::vector<std::string>{"p1", "p2"});
  CHECK(rig.reconciler->known_ports() == std::set<std::string>{"p1", "p2"});  // p1's last state stays
  CHECK(rig.reconciler->queue().failures("p1") == 1);
  CHECK(rig.reconciler->queue().failures("p2") == 0);

  // Not retried before its back-off, and then only p1.
  rig.source.asked.clear();
  CHECK(rig.reconciler->process_pending());
  CHECK(rig.source.asked.empty());
  rig.now += 200ms;
  CHECK_FALSE(rig.reconciler->process_pending());
  CHECK(rig.source.asked == std::vector<std::string>{"p1"});
  CHECK(rig.reconciler->queue().failures("p1") == 2);  // next wait: 400 ms

  rig.source.failing.clear();
  rig.now += 399ms;
  CHECK(rig.reconciler->process_pending());
  CHECK(rig.source.asked == std::vector<std::string>{"p1"});
  rig.now += 1ms;
  CHECK(rig.reconciler->process_pending());
  CHECK(rig.source.asked == std::vector<std::string>{"p1", "p1"});
  CHECK(rig.reconciler->queue().failures("p1") == 0);  // forgotten after the success
  CHECK(rig.reconciler->queue().waiting() == 0);
}

TEST_CASE("a failing flow sync retries the host's flows with back-off and reports status once they are in",
          "[unit][agent]") {
  Rig rig;
  rig.programmer.apply_fails = true;
  rig.reconciler->enqueue_full_resync();
  CHECK_FALSE(rig.reconciler->process_pending());
  CHECK(rig.source.reported.empty());  // nothing is ACTIVE before its flows are in
  CHECK(rig.reconciler->queue().failures(Reconciler::kHostFlowsKey) == 1);
  CHECK(rig.reconciler->queue().failures(Reconciler::kFullResyncKey) == 0);

  rig.now += 200ms;
  CHECK_FALSE(rig.reconciler->process_pending());
  CHECK(rig.reconciler->queue().failures(Reconciler::kHostFlowsKey) == 2);

  rig.programmer.apply_fails = false;
  rig.now += 400ms;
  CHECK(rig.reconciler->process_pending());
  CHECK(rig.programmer.applies > 0);
  CHECK(rig.source.reported == std::map<std::string, std::string>{{"p1", "ACTIVE"}, {"p2", "ACTIVE"}});
  CHECK(rig.reconciler->queue().failures(Reconciler::kHostFlowsKey) == 0);
}

TEST_CASE("a failed full resync compiles nothing and is retried with back-off", "[unit][agent]") {
  Rig rig;
  rig.source.list_fails = true;
  rig.reconciler->enqueue_full_resync();
  CHECK_FALSE(rig.reconciler->process_pending());
  CHECK(rig.programmer.applies == 0);  // no host compiled without its ports
  CHECK(rig.reconciler->queue().failures(Reconciler::kFullResyncKey) == 1);
  rig.source.list_fails = false;
  rig.now += 200ms;
  CHECK(rig.reconciler->process_pending());
  CHECK(rig.reconciler->known_ports() == std::set<std::string>{"p1", "p2"});
  CHECK(rig.programmer.applies > 0);
}

TEST_CASE("the worker loop handles queued work and returns on stop", "[unit][agent]") {
  Rig rig;
  std::thread worker([&] { rig.reconciler->run(); });
  rig.reconciler->enqueue_full_resync();
  CHECK(rig.reconciler->wait_idle(10s));
  rig.reconciler->stop();
  worker.join();
  CHECK(rig.reconciler->known_ports() == std::set<std::string>{"p1", "p2"});
}
