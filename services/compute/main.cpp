// stratus-compute: flavors, key pairs, servers and their state machine, server groups, the
// scheduler, hypervisor hosts, quotas.
//
//   stratus-compute --config /etc/stratus/compute.conf
//
// Settings (file or STRATUS_* environment): server.listen (127.0.0.1:7500), db.url,
// db.pool_size, bus.url, identity.{url, service_user, service_password, service_project},
// image.url, network.url and block-storage.url (default: the catalog's entries),
// compute.{public_endpoint, cpu_allocation_ratio (16), ram_allocation_ratio (1.5),
// disk_allocation_ratio (1), weigher (spread|pack), vif_plugged_timeout (300 s),
// spawn_timeout (1800 s), volume_attach_timeout (300 s), host_down_after (60 s), reconcile_interval (5 s),
// default_availability_zone (nova), max_count (50), console_log_kib (64),
// quota_instances (10), quota_cores (20), quota_ram_mib (51200), quota_key_pairs (100),
// quota_server_groups (10)}, log.{level, format}. See services/compute/README.md.
#include <memory>

#include "common/bus/consumer.h"
#include "common/bus/topology.h"
#include "common/config/config.h"
#include "common/rpc/service_main.h"
#include "common/service/service_runtime.h"
#include "common/task/periodic.h"
#include "network/v1/network.pb.h"
#include "services/compute/api/compute_agent_api.h"
#include "services/compute/api/compute_api.h"

using namespace stratus;

namespace {

int quota_setting(const Config& config, const std::string& name, int fallback) {
  long value = config.get_int("compute.quota_" + name, fallback);
  if (value < -1) throw std::invalid_argument("compute.quota_" + name + " must be a count or -1 (unlimited)");
  return static_cast<int>(value);
}

double ratio_setting(const Config& config, const std::string& name, double fallback) {
  std::string text = config.get("compute." + name, "");
  if (text.empty()) return fallback;
  double value = std::stod(text);
  if (!(value > 0)) throw std::invalid_argument("compute." + name + " must be a positive number");
  return value;
}

std::chrono::seconds positive_seconds(const Config& config, const std::string& name, std::chrono::seconds fallback) {
  auto value = config.get_seconds("compute." + name, fallback);
  if (value.count() < 1) throw std::invalid_argument("compute." + name + " must be at least 1 second");
  return value;
}

compute::Settings settings_from(const Config& config) {
  compute::Settings s;
  s.scheduler.ratios.cpu = ratio_setting(config, "cpu_allocation_ratio", s.scheduler.ratios.cpu);
  s.scheduler.ratios.ram = ratio_setting(config, "ram_allocation_ratio", s.scheduler.ratios.ram);
  s.scheduler.ratios.disk = ratio_setting(config, "disk_allocation_ratio", s.scheduler.ratios.disk);
  std::string weigher = config.get("compute.weigher", "spread");
  if (weigher == "spread")
    s.scheduler.spread = compute::scheduling::Spread::Spread;
  else if (weigher == "pack")
    s.scheduler.spread = compute::scheduling::Spread::Pack;
  else
    throw std::invalid_argument("compute.weigher must be spread or pack");
  s.vif_plugged_timeout = positive_seconds(config, "vif_plugged_timeout", s.vif_plugged_timeout);
  s.spawn_timeout = positive_seconds(config, "spawn_timeout", s.spawn_timeout);
  s.volume_attach_timeout = positive_seconds(config, "volume_attach_timeout", s.volume_attach_timeout);
  s.host_down_after = positive_seconds(config, "host_down_after", s.host_down_after);
  s.console_open_timeout = positive_seconds(config, "console_open_timeout", s.console_open_timeout);
  s.default_availability_zone = config.get("compute.default_availability_zone", s.default_availability_zone);
  s.max_count = static_cast<int>(config.get_int("compute.max_count", s.max_count));
  if (s.max_count < 1) throw std::invalid_argument("compute.max_count must be at least 1");
  long kib = config.get_int("compute.console_log_kib", 64);
  if (kib < 1 || kib > 1024) throw std::invalid_argument("compute.console_log_kib must be between 1 and 1024");
  s.console_log_bytes = static_cast<size_t>(kib) * 1024;
  auto& q = s.default_quota;
  q.instances = quota_setting(config, "instances", q.instances);
  q.cores = quota_setting(config, "cores", q.cores);
  q.ram_mib = quota_setting(config, "ram_mib", q.ram_mib);
  q.key_pairs = quota_setting(config, "key_pairs", q.key_pairs);
  q.server_groups = quota_setting(config, "server_groups", q.server_groups);
  s.events_exchange = bus::kEventsExchange;
  s.casts_exchange = bus::kCastsExchange;
  return s;
}

// network.port.changed on a durable queue of compute's own (shared by its replicas): the
// VIF-plugged half of the ACTIVE handshake. The periodic pass covers what is lost.
std::unique_ptr<bus::Consumer> consume_port_events(const bus::BusUrl& url, compute::Compute& compute,
                                                   const log::Logger& logger) {
  bus::ConsumerOptions options;
  options.queue = "compute.network-port-events";
  options.exchange = bus::kEventsExchange;
  options.routing_keys = {"network.port.changed"};
  options.connection_name = "stratus-compute-port-events";
  auto handle = [&compute, logger](const bus::Delivery& d) {
    cloud::network::v1::PortChanged event;
    if (!event.ParseFromString(d.body)) {
      logger.warn("unreadable port event dropped", {{"message_id", d.message_id}});
      return true;
    }
    compute.on_port_changed(event.port_id(), event.device_id());
    return true;
  };
  return std::make_unique<bus::Consumer>(url, options, handle, logger);
}

int run(const Config& config) {
  auto settings = settings_from(config);
  auto reconcile_interval = positive_seconds(config, "reconcile_interval", std::chrono::seconds(5));
  ServiceRuntime runtime(config, {"compute", "127.0.0.1:7500", &db::compute_migrations()});
  compute::Peers peers(runtime.channel_to("image"), runtime.channel_to("network"), runtime.channel_to("block-storage"),
                       runtime.identity());
  compute::Compute compute(runtime.pool(), peers, settings, runtime.logger().child("compute"));

  // The level-triggered pass: periodic, kicked by every change that gives it work, and once
  // at start (what a crash left half-done).
  PeriodicTask reconcile("compute-reconcile", reconcile_interval, [&] { compute.reconcile(); },
                         runtime.logger().child("reconcile"));
  compute.set_kick([&] { reconcile.trigger(); });
  reconcile.trigger();
  if (runtime.bus_url())
    runtime.add_consumer(consume_port_events(*runtime.bus_url(), compute, runtime.logger().child("port-events")));

  compute::ConsoleBroker consoles;
  compute::ComputeApi api(compute, consoles, runtime.authenticator(), runtime.logger().child("api"));
  compute::ComputeAgentApi agent_api(compute, peers, consoles, runtime.authenticator(),
                                     runtime.logger().child("agent-api"));
  // A kick after the stop (from a consumer still finishing) only sets a flag nobody reads.
  runtime.serve({&api, &agent_api}, [&] { reconcile.stop(); });
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return rpc::service_main(argc, argv, "stratus-compute", run); }
