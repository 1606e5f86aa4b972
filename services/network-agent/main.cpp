// stratus-network-agent: the per-host network agent. Creates the integration and external
// bridges, watches OVSDB for interfaces whose external_ids:iface-id names a port, reads each
// port's desired state from the network service and keeps the OpenFlow rules of the host
// equal to it (by difference, in bundles), reporting ports ACTIVE/DOWN.
//
//   stratus-network-agent --config /etc/stratus/network-agent.conf
//
// Settings (file or STRATUS_* environment): agent.host (default: hostname),
// agent.integration_bridge (br-int), agent.external_bridge (br-ex), agent.datapath_type
// (netdev | system), agent.disable_offloads (default: true for netdev), agent.resync_interval
// (seconds, 60), network.url (127.0.0.1:7300), identity.url, identity.service_user,
// identity.service_password, identity.service_project, bus.url (optional), ovsdb.remote
// (unix:/var/run/openvswitch/db.sock), log.{level, format}. See docs/network-agent.md.
#include <atomic>
#include <memory>
#include <unistd.h>

#include "agent/bridges.h"
#include "agent/events.h"
#include "agent/host_interfaces.h"
#include "agent/reconciler.h"
#include "common/agent/runtime.h"
#include "common/bus/topology.h"
#include "common/config/config.h"
#include "common/identity_client/identity_client.h"
#include "common/rpc/service_main.h"
#include "drivers/network_service_source.h"
#include "drivers/openflow.h"
#include "common/ovsdb/client.h"
#include "common/ovsdb/vswitch.h"

using namespace stratus;
using namespace stratus::network_agent;

namespace {

std::string local_hostname() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

AgentSettings settings_from(const Config& config) {
  AgentSettings s;
  s.host = config.get("agent.host", local_hostname());
  s.integration_bridge = config.get("agent.integration_bridge", "br-int");
  s.external_bridge = config.get("agent.external_bridge", "br-ex");
  std::string datapath = config.get("agent.datapath_type", "netdev");
  s.disable_offloads = config.get_bool("agent.disable_offloads", datapath == "netdev");
  return s;
}

int run(const Config& config) {
  auto logger = log::Logger::from_config(config, "network-agent");
  AgentSettings settings = settings_from(config);
  agent::validate_host_name(settings.host);
  std::string datapath = config.get("agent.datapath_type", "netdev");

  identity_client::IdentityConnection identity(config.require("identity.url"),
                                               identity_client::ServiceCredentials::from_config(config),
                                               logger.child("identity"));
  identity.wait_until_reachable(std::chrono::seconds(60));
  NetworkServiceSource network(config.get("network.url", "127.0.0.1:7300"), identity);
  OvsOfctlProgrammer programmer;

  Reconciler* reconciler_ptr = nullptr;  // the OVSDB listener only queues work on it
  OvsdbHostInterfaces interfaces(
      settings.integration_bridge, settings.external_bridge,
      [&](const std::string& port_id) { if (reconciler_ptr) reconciler_ptr->enqueue(port_id); },
      [&] { if (reconciler_ptr) reconciler_ptr->enqueue_recompile(); });
  Reconciler reconciler(settings, network, interfaces, programmer, logger.child("reconciler"));
  reconciler_ptr = &reconciler;
  ovsdb::ClientOptions ovsdb_options;
  ovsdb_options.logger = logger.child("ovsdb");
  ovsdb::Client ovsdb(config.get("ovsdb.remote", "unix:/var/run/openvswitch/db.sock"), ovsdb_options);
  std::atomic<bool> stopping{false};

  // Declared after what its threads and hooks use, so it stops them first on every path.
  agent::AgentRuntime runtime("network-agent", settings.host, logger);
  runtime.on_shutdown([&] {
    stopping = true;
    ovsdb.close();
    reconciler.stop();
  });
  runtime.start_thread("ovsdb", [&] {
    ovsdb.run(ovsdb::Backoff{}, [&] { return stopping.load(); }, [&] {
      try {
        ovsdb::Vswitch vswitch(ovsdb);
        ensure_bridges(vswitch, interfaces, settings.integration_bridge, settings.external_bridge, datapath);
        interfaces.replica().start(ovsdb);
        reconciler.enqueue_full_resync();
        runtime.mark_synced();
      } catch (const std::exception& e) {
        logger.error("OVSDB setup failed; retrying on the next session", {{"error", e.what()}});
        ovsdb.close();
      }
    });
  });
  // The worker starts once the replica holds OVSDB's contents and a full resync is queued: an
  // earlier round (a recompile queued by the initial rows, or the bus's connect resync) would
  // compile a host without ports and delete every flow until the next round (a blackout on
  // every agent restart).
  runtime.start_worker("reconciler", [&] { reconciler.run(); });

  if (config.find("bus.url")) {
    auto handle = [&reconciler, &logger, host = settings.host](const bus::Delivery& d) {
      EventEffect effect = effect_of_event(d.routing_key, d.body, host);
      if (effect.unreadable) logger.warn("unreadable event dropped", {{"routing_key", d.routing_key}});
      for (const auto& port : effect.ports) reconciler.enqueue(port);
      if (effect.full_resync) reconciler.enqueue_full_resync();
      return true;
    };
    // Only this host's events ("network.*.changed.<host>"); those missed while disconnected
    // are made up for by a full resync.
    runtime.consume_host_events(bus::BusUrl::parse(config.require("bus.url")), bus::kEventsExchange,
                                {kHostEventPattern}, handle, [&reconciler] { reconciler.enqueue_full_resync(); });
  } else {
    logger.warn("bus.url is not set: changes are seen at the periodic resync only");
  }
  runtime.every("resync", config.get_seconds("agent.resync_interval", std::chrono::seconds(60)),
                [&] { reconciler.enqueue_full_resync(); });
  logger.info("network agent started", {{"host", settings.host}, {"integration_bridge", settings.integration_bridge},
                                        {"datapath_type", datapath}});
  return runtime.run_until_signal();
}

}  // namespace

int main(int argc, char** argv) { return rpc::service_main(argc, argv, "stratus-network-agent", run); }
