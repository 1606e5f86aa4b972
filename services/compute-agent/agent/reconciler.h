#pragma once
// The compute agent's reconciler, level-triggered: reconcile(instance) reads what compute
// wants for the instance now, looks at the host, does what instance_plan.h's decide() says
// and reports the result; resync_all() lists both sides and returns every instance to look
// at, removing our domains compute has not known for longer than the orphan grace.
//
// Failures: UNAVAILABLE (compute, the image service or libvirt unreachable) is thrown, so
// the work queue retries the instance with back-off. A failure of the instance itself (a
// spawn libvirt refuses, a bad image) is reported to compute as SPAWN_FAILED /
// ACTION_FAILED with the message, and not retried until compute asks again.
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/log/log.h"
#include "services/compute-agent/agent/compute_source.h"
#include "services/compute-agent/agent/instance_plan.h"
#include "services/compute-agent/drivers/disk_manager.h"
#include "services/compute-agent/drivers/hypervisor.h"
#include "services/compute-agent/drivers/image_cache.h"

namespace stratus::compute_agent {

class Reconciler {
 public:
  using Clock = std::chrono::steady_clock;

  Reconciler(AgentSettings settings, ComputeSource& compute, Hypervisor& hypervisor, DiskManager& disks,
             ImageCache& images, log::Logger logger, std::function<Clock::time_point()> now = Clock::now);

  // Returns the action taken (for logs and tests).
  Action reconcile(const std::string& instance_id);
  // Every instance compute expects here or the host has; removes long-unknown ones.
  std::vector<std::string> resync_all();
  // Drops cached images no instance here uses and none acquired for `max_unused`.
  void clean_image_cache(std::chrono::seconds max_unused);

 private:
  void spawn(const cloud::compute::v1::InstanceSpec& spec);
  void remove(const std::string& instance_id);
  void snapshot(const cloud::compute::v1::InstanceSpec& spec);
  // The volumes of the spec onto (and off) the domain, each reported (plan_volumes).
  void reconcile_volumes(const cloud::compute::v1::InstanceSpec& spec);
  void report_volume(const std::string& instance_id, const std::string& volume_id,
                     cloud::compute::v1::VolumeEvent event, const std::string& fault = "");
  void report(const cloud::compute::v1::InstanceSpec& spec, cloud::compute::v1::InstanceEvent event,
              const std::string& fault = "", std::uint64_t reboot_generation = 0,
              std::uint64_t snapshot_generation = 0);
  ImageFetcher fetcher_for(const std::string& instance_id);

  AgentSettings settings_;
  ComputeSource& compute_;
  Hypervisor& hypervisor_;
  DiskManager& disks_;
  ImageCache& images_;
  log::Logger logger_;
  std::function<Clock::time_point()> now_;
  std::mutex mutex_;
  std::map<std::string, Clock::time_point> unknown_since_;  // on the host, unknown to compute
};

}  // namespace stratus::compute_agent
