// stratus-compute-agent: the per-hypervisor compute agent. Registers its host with compute
// (capacity from libvirt), heartbeats, takes casts for its host from the bus and keeps the
// host's libvirt domains, disks and config drives equal to what compute wants, reporting
// power states, events and faults back. Level-triggered: a cast only queues "look at this
// instance again"; a periodic full resync heals whatever was missed.
//
//   stratus-compute-agent --config /etc/stratus/compute-agent.conf
//
// Settings: services/compute-agent/README.md.
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <csignal>
#include <memory>
#include <thread>
#include <vector>

#include "common/agent/work_queue.h"
#include "common/bus/consumer.h"
#include "common/bus/topology.h"
#include "common/config/config.h"
#include "common/identity_client/identity_client.h"
#include "common/rpc/channel.h"
#include "common/rpc/service_main.h"
#include "common/task/periodic.h"
#include "services/compute-agent/agent/console_relay.h"
#include "services/compute-agent/agent/reconciler.h"
#include "services/compute-agent/drivers/compute_client.h"
#include "services/compute-agent/drivers/disks.h"
#include "services/compute-agent/drivers/libvirt_hypervisor.h"

using namespace stratus;
using namespace stratus::compute_agent;

namespace {

// The work-queue key of a full resync; never a UUID, so never an instance.
const std::string kResyncKey = "resync";

std::string local_hostname() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

AgentSettings settings_from(const Config& config) {
  AgentSettings s;
  s.host = config.get("agent.host", local_hostname());
  s.domain_type = config.get("agent.domain_type", "qemu");
  s.integration_bridge = config.get("agent.integration_bridge", "br-int");
  const std::string datapath = config.get("agent.datapath_type", "netdev");
  s.disable_offloads = config.get_bool("agent.disable_offloads", datapath == "netdev");
  s.kernel_cmdline = config.get("agent.kernel_cmdline", "root=/dev/vda console=ttyS0 panic=-1");
  s.shutdown_grace = config.get_seconds("agent.shutdown_grace", std::chrono::seconds(60));
  s.volume_detach_timeout = config.get_seconds("agent.volume_detach_timeout", std::chrono::seconds(30));
  s.orphan_grace = config.get_seconds("agent.orphan_grace", std::chrono::seconds(600));
  s.console_tail_bytes = static_cast<std::size_t>(config.get_int("agent.console_tail_kib", 64)) * 1024;
  if (s.domain_type != "qemu" && s.domain_type != "kvm")
    throw std::invalid_argument("agent.domain_type must be qemu or kvm, not '" + s.domain_type + "'");
  return s;
}

cloud::compute::v1::RegisterHostRequest host_registration(const AgentSettings& settings, Hypervisor& hypervisor,
                                                          const std::string& instances_path, const Config& config) {
  const HostCapacity capacity = hypervisor.capacity();
  cloud::compute::v1::RegisterHostRequest request;
  request.set_host(settings.host);
  request.set_vcpus(capacity.vcpus);
  request.set_ram_mib(static_cast<int32_t>(capacity.memory_mib));
  struct statvfs fs {};
  if (statvfs(instances_path.c_str(), &fs) == 0)
    request.set_disk_gib(static_cast<int32_t>(static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize >> 30));
  request.set_hypervisor_type(settings.domain_type);
  request.set_availability_zone(config.get("agent.availability_zone", ""));
  struct utsname machine {};
  if (uname(&machine) == 0) request.set_architecture(machine.machine);
  request.set_agent_version("stratus-compute-agent 0.1 (libvirt hypervisor " + capacity.hypervisor_version + ")");
  return request;
}

void wait_for_termination_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal_number = 0;
  sigwait(&set, &signal_number);
}

// One worker: takes a key at a time (the queue never hands one key to two workers), retries
// failures alone with back-off.
void work(agent::WorkQueue& queue, Reconciler& reconciler, std::chrono::seconds image_max_unused,
          const log::Logger& logger) {
  for (;;) {
    auto keys = queue.get_batch(1);
    if (keys.empty()) return;  // shut down
    for (const auto& key : keys) {
      try {
        if (key == kResyncKey) {
          for (const auto& id : reconciler.resync_all()) queue.add(id);
          reconciler.clean_image_cache(image_max_unused);
        } else {
          reconciler.reconcile(key);
        }
        queue.forget(key);
      } catch (const std::exception& e) {
        auto delay = queue.add_rate_limited(key);
        logger.warn("reconcile failed; retrying", {{"key", key}, {"error", e.what()},
                                                   {"retry_in_ms", static_cast<long>(delay.count())}});
      }
    }
    queue.done(keys);
  }
}

std::unique_ptr<bus::Consumer> consume_casts(const Config& config, agent::WorkQueue& queue, ConsoleRelay& consoles,
                                             const std::string& host, const log::Logger& logger) {
  bus::ConsumerOptions options;
  options.queue = bus::cast_routing_key("compute-agent", host);
  options.exchange = bus::kCastsExchange;
  options.routing_keys = {options.queue};
  options.connection_name = "stratus-compute-agent-" + host;
  auto handle = [&queue, &consoles, logger](const bus::Delivery& delivery) {
    cloud::compute::v1::InstanceCast cast;
    if (!cast.ParseFromString(delivery.body) || cast.instance_id().empty()) {
      logger.warn("unreadable cast dropped", {{"message_id", delivery.message_id}});
      return true;  // retrying cannot make it readable; the resync covers its instance
    }
    if (!cast.console_session_id().empty()) {
      // A user waits at the console now: open it at once (compute gives up after its
      // console_open_timeout; a late or repeated cast only finds the session gone).
      consoles.open(cast.instance_id(), cast.console_session_id());
      return true;
    }
    queue.add(cast.instance_id());
    return true;  // level-triggered: queued is enough, the queue retries failures itself
  };
  // Casts missed while disconnected are made up for by a full resync.
  return std::make_unique<bus::Consumer>(bus::BusUrl::parse(config.require("bus.url")), options, handle,
                                         logger.child("casts"), [&queue] { queue.add(kResyncKey); });
}

int run(const Config& config) {
  auto logger = log::Logger::from_config(config, "compute-agent");
  const AgentSettings settings = settings_from(config);
  const std::string instances_path = config.get("agent.instances_path", "/var/lib/stratus/instances");
  const std::string image_cache_path = config.get("agent.image_cache_path", "/var/lib/stratus/image-cache");
  const auto image_max_unused = config.get_seconds("agent.image_cache_max_unused", std::chrono::hours(24));

  const rpc::ChannelFactory channels = rpc::ChannelFactory::from_config(config);
  identity_client::IdentityConnection identity(config.require("identity.url"),
                                               identity_client::ServiceCredentials::from_config(config),
                                               logger.child("identity"), channels);
  identity.wait_until_reachable(std::chrono::seconds(60));
  const std::string compute_url = config.get("compute.url", "");
  ComputeClient compute(compute_url.empty() ? identity.endpoint_of("compute") : compute_url, identity, channels);

  LibvirtHypervisor hypervisor(config.get("agent.libvirt_uri", "qemu:///system"));
  QcowDiskManager disks(instances_path);
  FileImageCache images(image_cache_path);
  Reconciler reconciler(settings, compute, hypervisor, disks, images, logger.child("reconciler"));

  auto register_host = [&] {
    compute.register_host(host_registration(settings, hypervisor, instances_path, config));
    logger.info("host registered", {{"host", settings.host}});
  };
  // Compute may start after us: the heartbeat task registers until it succeeds.
  try {
    register_host();
  } catch (const std::exception& e) {
    logger.warn("cannot register the host yet; the heartbeat retries", {{"error", e.what()}});
  }
  PeriodicTask heartbeat("compute-agent-heartbeat",
                         config.get_seconds("agent.heartbeat_interval", std::chrono::seconds(10)), [&] {
                           if (!compute.heartbeat(settings.host)) register_host();
                         },
                         logger);

  agent::WorkQueue queue;
  queue.add(kResyncKey);
  const long worker_count = std::max(1L, config.get_int("agent.workers", 4));
  std::vector<std::thread> workers;
  for (long i = 0; i < worker_count; ++i)
    workers.emplace_back([&] { work(queue, reconciler, image_max_unused, logger.child("worker")); });

  ConsoleRelay consoles(hypervisor, compute, logger.child("console"));
  std::unique_ptr<bus::Consumer> casts;
  if (config.find("bus.url")) casts = consume_casts(config, queue, consoles, settings.host, logger);
  else logger.warn("bus.url is not set: instances change at the periodic resync only");
  // Running guests are looked at again every few seconds, so compute's copy of their
  // console log (sent with each report) stays fresh.
  PeriodicTask console_refresh("compute-agent-console",
                               config.get_seconds("agent.console_report_interval", std::chrono::seconds(15)), [&] {
                                 for (const auto& id : hypervisor.list_domain_uuids())
                                   if (hypervisor.power(id) == DomainPower::Running) queue.add(id);
                               },
                               logger);
  PeriodicTask resync("compute-agent-resync", config.get_seconds("agent.resync_interval", std::chrono::seconds(60)),
                      [&] { queue.add(kResyncKey); }, logger);
  logger.info("compute agent started", {{"host", settings.host}, {"domain_type", settings.domain_type},
                                        {"instances_path", instances_path},
                                        {"integration_bridge", settings.integration_bridge}});

  wait_for_termination_signal();
  logger.info("shutting down");
  resync.stop();
  console_refresh.stop();
  if (casts) casts->stop();
  heartbeat.stop();
  queue.shut_down();
  for (auto& worker : workers) worker.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return rpc::service_main(argc, argv, "stratus-compute-agent", run); }
