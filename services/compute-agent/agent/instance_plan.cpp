#include "services/compute-agent/agent/instance_plan.h"

#include "common/error/error.h"

namespace stratus::compute_agent {

namespace v1 = cloud::compute::v1;

const char* action_name(Action action) {
  switch (action) {
    case Action::Delete: return "delete";
    case Action::Spawn: return "spawn";
    case Action::Start: return "start";
    case Action::Stop: return "stop";
    case Action::Reboot: return "reboot";
    case Action::ReportSpawned: return "report-spawned";
    case Action::ReportStarted: return "report-started";
    case Action::ReportStopped: return "report-stopped";
    case Action::ReportRebooted: return "report-rebooted";
    case Action::Snapshot: return "snapshot";
    case Action::ReportSnapshotUploaded: return "report-snapshot-uploaded";
    case Action::ReportPower: return "report-power";
  }
  return "?";
}

Action decide(const v1::InstanceSpec& spec, DomainPower power, std::uint64_t applied_reboot_generation,
              std::uint64_t applied_snapshot_generation) {
  if (spec.deleted()) return Action::Delete;
  // Compute allows a snapshot only of an ACTIVE or SHUTOFF instance with no other task, so
  // while one is pending nothing else is asked but a delete (handled above).
  if (spec.has_snapshot() && power != DomainPower::Missing && spec.vm_state() != v1::VM_STATE_BUILD)
    return spec.snapshot().generation() > applied_snapshot_generation ? Action::Snapshot
                                                                      : Action::ReportSnapshotUploaded;
  const bool building = spec.vm_state() == v1::VM_STATE_BUILD;
  const bool want_off = spec.desired_power_state() == v1::POWER_STATE_SHUTDOWN;
  const bool reboot_pending = spec.reboot_generation() > applied_reboot_generation;
  const bool up = power == DomainPower::Running || power == DomainPower::Paused;

  if (power == DomainPower::Missing) {
    // Only a build makes a domain; one that vanished later is reported, and compute decides.
    return building ? Action::Spawn : Action::ReportPower;
  }
  if (up) {
    if (building) return Action::ReportSpawned;
    if (want_off) return Action::Stop;
    if (reboot_pending) return Action::Reboot;
    if (spec.task_state() == v1::TASK_STATE_REBOOTING || spec.task_state() == v1::TASK_STATE_REBOOTING_HARD)
      return Action::ReportRebooted;
    if (spec.task_state() == v1::TASK_STATE_POWERING_ON) return Action::ReportStarted;
    return Action::ReportPower;
  }
  // Defined but not running (shut off, crashed).
  if (building) return Action::Spawn;  // a spawn died between define and start
  if (want_off) return spec.task_state() == v1::TASK_STATE_POWERING_OFF ? Action::ReportStopped : Action::ReportPower;
  if (reboot_pending) return Action::Reboot;
  if (spec.task_state() == v1::TASK_STATE_POWERING_ON) return Action::Start;
  // The guest powered off or crashed behind our back: report it, never restart on our own.
  return Action::ReportPower;
}

v1::PowerState to_power_state(DomainPower power) {
  switch (power) {
    case DomainPower::Running: return v1::POWER_STATE_RUNNING;
    case DomainPower::Paused: return v1::POWER_STATE_PAUSED;
    case DomainPower::Shutoff: return v1::POWER_STATE_SHUTDOWN;
    case DomainPower::Crashed: return v1::POWER_STATE_CRASHED;
    case DomainPower::Missing:
    case DomainPower::Other: return v1::POWER_STATE_NOSTATE;
  }
  return v1::POWER_STATE_NOSTATE;
}

configdrive::ConfigDriveContent config_drive_content(const v1::InstanceSpec& spec) {
  const auto& drive = spec.config_drive();
  configdrive::ConfigDriveContent content;
  content.uuid = drive.uuid().empty() ? spec.instance_id() : drive.uuid();
  content.hostname = drive.hostname().empty() ? spec.hostname() : drive.hostname();
  content.name = drive.name();
  content.availability_zone = drive.availability_zone();
  content.project_id = drive.project_id();
  for (const auto& key : drive.public_keys()) content.public_keys.push_back({key.name(), key.openssh_line()});
  if (drive.has_user_data()) content.user_data = drive.user_data();
  for (const auto& link : drive.links()) {
    configdrive::Link out{link.id(), link.mac(), std::nullopt};
    if (link.mtu() > 0) out.mtu = link.mtu();
    content.network.links.push_back(out);
  }
  for (const auto& network : drive.networks()) {
    configdrive::Network out;
    out.id = network.id();
    out.link_id = network.link_id();
    out.network_id = network.network_id();
    out.dhcp = network.dhcp();
    out.address = network.address();
    out.prefix_length = network.prefix_length();
    if (!network.gateway().empty()) out.gateway = network.gateway();
    out.dns_servers.assign(network.dns_servers().begin(), network.dns_servers().end());
    for (const auto& route : network.routes())
      out.routes.push_back({route.network(), route.prefix_length(), route.gateway()});
    content.network.networks.push_back(out);
  }
  content.meta.insert(drive.meta().begin(), drive.meta().end());
  return content;
}

std::string overlay_backing_format(const std::string& disk_format) {
  if (disk_format == "raw" || disk_format == "ami" || disk_format == "aki" || disk_format == "ari") return "raw";
  if (disk_format == "qcow2") return "qcow2";
  throw invalid_argument("image disk format '" + disk_format + "' cannot be booted (raw, qcow2 or ami)");
}

bool uses_kernel_boot(const v1::InstanceSpec& spec) { return !spec.kernel().id().empty(); }

InstanceDisksSpec disks_spec(const v1::InstanceSpec& spec, const std::string& base_image_path) {
  if (spec.disk_gib() < 0 || spec.ephemeral_gib() < 0 || spec.swap_mib() < 0)
    throw invalid_argument("instance " + spec.instance_id() + " has negative disk sizes");
  InstanceDisksSpec disks;
  disks.instance_uuid = spec.instance_id();
  disks.base_image_path = base_image_path;
  disks.base_image_format = overlay_backing_format(spec.image().disk_format());
  disks.root_gib = static_cast<std::uint64_t>(spec.disk_gib());
  disks.ephemeral_gib = static_cast<std::uint64_t>(spec.ephemeral_gib());
  disks.swap_mib = static_cast<std::uint64_t>(spec.swap_mib());
  disks.config_drive = config_drive_content(spec);
  return disks;
}

DomainSpec domain_spec(const v1::InstanceSpec& spec, const InstanceDisks& disks, const std::string& kernel_path,
                       const std::string& ramdisk_path, const AgentSettings& settings) {
  DomainSpec domain;
  domain.instance_uuid = spec.instance_id();
  domain.name = domain_name_for(spec.instance_id());
  domain.display_name = spec.name();
  domain.vcpus = spec.vcpus();
  domain.ram_mib = spec.ram_mib() > 0 ? static_cast<std::uint64_t>(spec.ram_mib()) : 0;
  domain.disks.push_back({disks.root, "qcow2", "vda", "virtio", "disk", false, ""});
  char next = 'b';
  if (disks.ephemeral) domain.disks.push_back({*disks.ephemeral, "qcow2", std::string("vd") + next++, "virtio", "disk", false, ""});
  if (disks.swap) domain.disks.push_back({*disks.swap, "qcow2", std::string("vd") + next++, "virtio", "disk", false, ""});
  // Volumes that must be there, so a definition made again (spawn, a refresh) keeps them.
  for (const auto& volume : spec.volumes())
    if (volume.status() != v1::ATTACHMENT_STATUS_DETACHING) domain.disks.push_back(volume_disk(volume));
  // Nova's place for it on a pc machine: an IDE cdrom, which every guest kernel reads.
  if (disks.config_drive) domain.disks.push_back({*disks.config_drive, "raw", "hdd", "ide", "cdrom", true, ""});
  if (!kernel_path.empty()) {
    auto property = spec.image_properties().find("os_command_line");
    std::string cmdline = property != spec.image_properties().end() ? property->second : settings.kernel_cmdline;
    domain.kernel_boot = KernelBoot{kernel_path, ramdisk_path, cmdline};
  }
  for (const auto& port : spec.ports()) {
    DomainNic nic{port.port_id(), port.mac_address(), settings.integration_bridge, std::nullopt};
    if (port.mtu() > 0) nic.mtu = port.mtu();
    domain.nics.push_back(nic);
  }
  domain.console_log_path = disks.console_log;
  domain.domain_type = settings.domain_type;
  domain.disable_offloads = settings.disable_offloads;
  return domain;
}

DomainDisk volume_disk(const v1::SpecVolume& volume) {
  DomainDisk disk;
  disk.path = volume.path();
  disk.format = volume.format().empty() ? "qcow2" : volume.format();
  disk.target_dev = volume.device();
  disk.serial = volume.volume_id();
  return disk;
}

std::vector<VolumeStep> plan_volumes(const v1::InstanceSpec& spec, const std::vector<VolumeOnDomain>& on_domain,
                                     bool running) {
  std::vector<VolumeStep> steps;
  auto find = [&](const std::string& id) -> const VolumeOnDomain* {
    for (const auto& v : on_domain)
      if (v.volume_id == id) return &v;
    return nullptr;
  };
  for (const auto& volume : spec.volumes()) {
    const VolumeOnDomain* there = find(volume.volume_id());
    const bool complete = there && there->config && (there->live || !running);
    switch (volume.status()) {
      case v1::ATTACHMENT_STATUS_ATTACHING:
      case v1::ATTACHMENT_STATUS_ATTACHED: {
        const bool report = volume.status() == v1::ATTACHMENT_STATUS_ATTACHING;
        if (!complete)
          steps.push_back({VolumeAction::Attach, volume.volume_id(), volume, report});
        else if (report)
          steps.push_back({VolumeAction::ReportAttached, volume.volume_id(), volume, false});
        break;
      }
      case v1::ATTACHMENT_STATUS_DETACHING:
        steps.push_back({there ? VolumeAction::Detach : VolumeAction::ReportDetached, volume.volume_id(), volume,
                         false});
        break;
      default: break;
    }
  }
  for (const auto& v : on_domain) {
    bool listed = false;
    for (const auto& volume : spec.volumes()) listed = listed || volume.volume_id() == v.volume_id;
    if (!listed) steps.push_back({VolumeAction::DetachStray, v.volume_id, {}, false});
  }
  return steps;
}

const char* volume_action_name(VolumeAction action) {
  switch (action) {
    case VolumeAction::Attach: return "attach";
    case VolumeAction::ReportAttached: return "report-attached";
    case VolumeAction::Detach: return "detach";
    case VolumeAction::ReportDetached: return "report-detached";
    case VolumeAction::DetachStray: return "detach-stray";
  }
  return "?";
}

}  // namespace stratus::compute_agent
