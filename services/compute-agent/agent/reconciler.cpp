#include "services/compute-agent/agent/reconciler.h"

#include <filesystem>
#include <set>

#include "common/error/error.h"

namespace stratus::compute_agent {

namespace v1 = cloud::compute::v1;

namespace {

// Failures worth retrying by the queue, rather than blaming the instance.
bool is_transient(const Error& e) { return e.code() == ErrorCode::Unavailable; }

}  // namespace

Reconciler::Reconciler(AgentSettings settings, ComputeSource& compute, Hypervisor& hypervisor, DiskManager& disks,
                       ImageCache& images, log::Logger logger, std::function<Clock::time_point()> now)
    : settings_(std::move(settings)),
      compute_(compute),
      hypervisor_(hypervisor),
      disks_(disks),
      images_(images),
      logger_(std::move(logger)),
      now_(std::move(now)) {}

ImageFetcher Reconciler::fetcher_for(const std::string& instance_id) {
  return [this, instance_id](const std::string& image_id, const std::string& destination) {
    return compute_.download_image(instance_id, image_id, destination);
  };
}

void Reconciler::report(const v1::InstanceSpec& spec, v1::InstanceEvent event, const std::string& fault,
                        std::uint64_t reboot_generation, std::uint64_t snapshot_generation) {
  v1::ReportInstanceRequest request;
  request.set_instance_id(spec.instance_id());
  request.set_host(settings_.host);
  const DomainPower power = hypervisor_.power(spec.instance_id());
  request.set_power_state(to_power_state(power));
  request.set_event(event);
  request.set_fault_message(fault);
  request.set_snapshot_generation(snapshot_generation);
  request.set_reboot_generation(reboot_generation ? reboot_generation
                                                  : disks_.applied_reboot_generation(spec.instance_id()));
  if (power != DomainPower::Missing) {
    std::string tail = hypervisor_.console_log_tail(spec.instance_id(), 1000);
    if (tail.size() > settings_.console_tail_bytes) tail.erase(0, tail.size() - settings_.console_tail_bytes);
    request.set_console_log_tail(tail);
  }
  compute_.report(request);
}

void Reconciler::spawn(const v1::InstanceSpec& spec) {
  const std::string& id = spec.instance_id();
  auto fetch = fetcher_for(id);
  const std::string base = images_.acquire(spec.image().id(), fetch);
  std::string kernel, ramdisk;
  if (uses_kernel_boot(spec)) {
    kernel = images_.acquire(spec.kernel().id(), fetch);
    if (!spec.ramdisk().id().empty()) ramdisk = images_.acquire(spec.ramdisk().id(), fetch);
  }
  InstanceDisksSpec wanted = disks_spec(spec, base);
  if (!kernel.empty()) wanted.other_cached_images.push_back(kernel);
  if (!ramdisk.empty()) wanted.other_cached_images.push_back(ramdisk);
  const InstanceDisks files = disks_.prepare(wanted);
  hypervisor_.define_and_start(domain_spec(spec, files, kernel, ramdisk, settings_));
}

// As Nova's libvirt driver without live snapshots: the guest is paused while its disk is
// copied (a consistent image, seconds of pause for a small disk), resumed, then uploaded.
void Reconciler::snapshot(const v1::InstanceSpec& spec) {
  const std::string& id = spec.instance_id();
  std::string copy;
  hypervisor_.set_paused(id, true);
  try {
    copy = disks_.copy_root_disk(id);
  } catch (...) {
    hypervisor_.set_paused(id, false);
    throw;
  }
  hypervisor_.set_paused(id, false);
  try {
    compute_.upload_snapshot(id, spec.snapshot().image_id(), copy);
  } catch (...) {
    std::filesystem::remove(copy);
    throw;
  }
  std::filesystem::remove(copy);
  disks_.set_applied_snapshot_generation(id, spec.snapshot().generation());
}

void Reconciler::report_volume(const std::string& instance_id, const std::string& volume_id, v1::VolumeEvent event,
                               const std::string& fault) {
  v1::ReportVolumeRequest request;
  request.set_instance_id(instance_id);
  request.set_volume_id(volume_id);
  request.set_event(event);
  request.set_fault_message(fault);
  compute_.report_volume(request);
}

void Reconciler::reconcile_volumes(const v1::InstanceSpec& spec) {
  const std::string& id = spec.instance_id();
  const DomainPower power = hypervisor_.power(id);
  if (power == DomainPower::Missing) return;  // nothing to attach to (yet)
  const bool running = power == DomainPower::Running || power == DomainPower::Paused;
  for (const auto& step : plan_volumes(spec, hypervisor_.volumes(id), running)) {
    logger_.info("reconciling volume", {{"instance", id}, {"volume_id", step.volume_id},
                                        {"action", volume_action_name(step.action)}});
    try {
      switch (step.action) {
        case VolumeAction::Attach:
          hypervisor_.attach_volume(id, volume_disk(step.volume));
          if (step.report) report_volume(id, step.volume_id, v1::VOLUME_EVENT_ATTACHED);
          break;
        case VolumeAction::ReportAttached: report_volume(id, step.volume_id, v1::VOLUME_EVENT_ATTACHED); break;
        case VolumeAction::Detach:
          hypervisor_.detach_volume(id, step.volume_id, settings_.volume_detach_timeout);
          report_volume(id, step.volume_id, v1::VOLUME_EVENT_DETACHED);
          break;
        case VolumeAction::ReportDetached: report_volume(id, step.volume_id, v1::VOLUME_EVENT_DETACHED); break;
        case VolumeAction::DetachStray:
          hypervisor_.detach_volume(id, step.volume_id, settings_.volume_detach_timeout);
          break;
      }
    } catch (const Error& e) {
      if (is_transient(e)) throw;  // retried by the queue
      logger_.warn("volume action failed", {{"instance", id}, {"volume_id", step.volume_id},
                                            {"action", volume_action_name(step.action)}, {"error", e.what()}});
      if (step.action == VolumeAction::Attach && step.report)
        report_volume(id, step.volume_id, v1::VOLUME_EVENT_ATTACH_FAILED, e.what());
      if (step.action == VolumeAction::Detach)
        report_volume(id, step.volume_id, v1::VOLUME_EVENT_DETACH_FAILED, e.what());
    }
  }
}

void Reconciler::remove(const std::string& instance_id) {
  hypervisor_.destroy_and_undefine(instance_id);
  disks_.remove_instance(instance_id);
}

Action Reconciler::reconcile(const std::string& instance_id) {
  auto found = compute_.instance_spec(instance_id);
  if (!found) {
    // Not ours (any more): resync_all removes what is left after the orphan grace.
    logger_.debug("instance unknown to compute", {{"instance", instance_id}});
    return Action::ReportPower;
  }
  const v1::InstanceSpec& spec = *found;
  const DomainPower power = hypervisor_.power(instance_id);
  const std::uint64_t applied = disks_.applied_reboot_generation(instance_id);
  const Action action = decide(spec, power, applied, disks_.applied_snapshot_generation(instance_id));
  if (action != Action::ReportPower)
    logger_.info("reconciling", {{"instance", instance_id}, {"action", action_name(action)},
                                 {"power", domain_power_name(power)}});
  // The action first; its report after, so a failing report is retried, never taken for
  // a failure of the instance.
  v1::InstanceEvent event = v1::INSTANCE_EVENT_NONE;
  std::uint64_t reboot_generation = 0, snapshot_generation = 0;
  try {
    switch (action) {
      case Action::Delete:
        remove(instance_id);
        event = v1::INSTANCE_EVENT_DELETED;
        break;
      case Action::Spawn:
        spawn(spec);
        event = v1::INSTANCE_EVENT_SPAWNED;
        break;
      case Action::ReportSpawned: event = v1::INSTANCE_EVENT_SPAWNED; break;
      case Action::Start:
        hypervisor_.start(instance_id);
        event = v1::INSTANCE_EVENT_STARTED;
        break;
      case Action::ReportStarted: event = v1::INSTANCE_EVENT_STARTED; break;
      case Action::Stop:
        hypervisor_.shutdown(instance_id, settings_.shutdown_grace);
        event = v1::INSTANCE_EVENT_STOPPED;
        break;
      case Action::ReportStopped: event = v1::INSTANCE_EVENT_STOPPED; break;
      case Action::Reboot:
        if (spec.reboot_hard()) {
          hypervisor_.reboot(instance_id, true);
        } else {
          // As Nova's libvirt driver: a clean power-off (hard after the grace) and a fresh
          // start, so a guest that ignores ACPI reboot requests still reboots.
          hypervisor_.shutdown(instance_id, settings_.shutdown_grace);
          hypervisor_.start(instance_id);
        }
        disks_.set_applied_reboot_generation(instance_id, spec.reboot_generation());
        event = v1::INSTANCE_EVENT_REBOOTED;
        reboot_generation = spec.reboot_generation();
        break;
      case Action::ReportRebooted:
        event = v1::INSTANCE_EVENT_REBOOTED;
        reboot_generation = applied;
        break;
      case Action::Snapshot:
        snapshot(spec);
        event = v1::INSTANCE_EVENT_SNAPSHOT_UPLOADED;
        snapshot_generation = spec.snapshot().generation();
        break;
      case Action::ReportSnapshotUploaded:
        event = v1::INSTANCE_EVENT_SNAPSHOT_UPLOADED;
        snapshot_generation = spec.snapshot().generation();
        break;
      case Action::ReportPower: break;
    }
  } catch (const Error& e) {
    if (is_transient(e) || action == Action::Delete) throw;  // retried by the queue
    logger_.warn("instance action failed", {{"instance", instance_id}, {"action", action_name(action)},
                                             {"error", e.what()}});
    if (action == Action::Spawn) {
      // No half-made domain stays running; the files go with the delete that follows.
      hypervisor_.destroy_and_undefine(instance_id);
      report(spec, v1::INSTANCE_EVENT_SPAWN_FAILED, e.what());
    } else if (action == Action::Snapshot) {
      report(spec, v1::INSTANCE_EVENT_SNAPSHOT_FAILED, e.what(), 0, spec.snapshot().generation());
    } else {
      report(spec, v1::INSTANCE_EVENT_ACTION_FAILED, e.what());
    }
    return action;
  }
  report(spec, event, "", reboot_generation, snapshot_generation);
  if (action != Action::Delete && !spec.deleted()) reconcile_volumes(spec);
  return action;
}

std::vector<std::string> Reconciler::resync_all() {
  std::set<std::string> known;
  for (const auto& spec : compute_.instances_on_host(settings_.host)) known.insert(spec.instance_id());
  std::set<std::string> on_host;
  for (const auto& id : hypervisor_.list_domain_uuids()) on_host.insert(id);
  for (const auto& id : disks_.instance_uuids()) on_host.insert(id);

  std::vector<std::string> orphans;
  {
    std::lock_guard lock(mutex_);
    const auto now = now_();
    for (auto it = unknown_since_.begin(); it != unknown_since_.end();) {
      it = (known.count(it->first) || !on_host.count(it->first)) ? unknown_since_.erase(it) : std::next(it);
    }
    for (const auto& id : on_host) {
      if (known.count(id)) continue;
      auto [it, first_time] = unknown_since_.emplace(id, now);
      if (first_time) logger_.info("instance on this host unknown to compute", {{"instance", id}});
      if (now - it->second >= settings_.orphan_grace) orphans.push_back(id);
    }
  }
  for (const auto& id : orphans) {
    // Asked once more, one by one: a list can miss an instance created a moment ago.
    if (compute_.instance_spec(id)) continue;
    logger_.warn("removing an instance compute does not know", {{"instance", id}});
    remove(id);
    std::lock_guard lock(mutex_);
    unknown_since_.erase(id);
  }
  return {known.begin(), known.end()};
}

void Reconciler::clean_image_cache(std::chrono::seconds max_unused) {
  for (const auto& id : images_.remove_unused(disks_.base_images_in_use(), max_unused))
    logger_.info("removed unused cached image", {{"image", id}});
}

}  // namespace stratus::compute_agent
