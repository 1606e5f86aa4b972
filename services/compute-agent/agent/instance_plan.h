#pragma once
// Pure decisions of the reconciler: what to do with one instance, given what compute wants
// (InstanceSpec) and what the host has (the domain's power state, the reboot generation
// last applied), and how an InstanceSpec becomes a DomainSpec, disks and a config drive.
// No I/O, so every row of the decision table is unit-tested.
#include <chrono>
#include <cstdint>
#include <string>

#include "compute/v1/compute.pb.h"
#include "services/compute-agent/configdrive/configdrive.h"
#include "services/compute-agent/drivers/disk_manager.h"
#include "services/compute-agent/drivers/hypervisor.h"

namespace stratus::compute_agent {

struct AgentSettings {
  std::string host;
  std::string domain_type = "qemu";           // agent.domain_type
  std::string integration_bridge = "br-int";  // agent.integration_bridge
  bool disable_offloads = true;               // agent.disable_offloads (userspace datapath)
  std::string kernel_cmdline = "console=ttyS0 panic=-1";  // direct kernel boot, unless the image says
  std::chrono::seconds shutdown_grace{60};    // agent.shutdown_grace: ACPI, then power off
  std::chrono::seconds orphan_grace{600};     // agent.orphan_grace: unknown domains removed after
  std::size_t console_tail_bytes = 64 * 1024;  // reported with each report
  std::chrono::seconds volume_detach_timeout{30};  // agent.volume_detach_timeout: the guest lets go
};

enum class Action {
  Delete,         // destroy, undefine, remove files; report DELETED
  Spawn,          // fetch images, disks, config drive, define and start; report SPAWNED
  Start,          // report STARTED
  Stop,           // ACPI then power off; report STOPPED
  Reboot,         // soft or hard as the spec says; report REBOOTED with the generation
  ReportSpawned,  // already running in BUILD: the SPAWNED report was lost
  ReportStarted,  // already running while POWERING_ON: the STARTED report was lost
  ReportStopped,  // already off while POWERING_OFF: the STOPPED report was lost
  ReportRebooted,  // running, still REBOOTING, generation applied: the REBOOTED report was lost
  Snapshot,       // copy the root disk (the guest paused meanwhile), upload; report SNAPSHOT_UPLOADED
  ReportSnapshotUploaded,  // the pending snapshot's generation was uploaded: that report was lost
  ReportPower,    // nothing to change: report the observed power state (and console)
};
const char* action_name(Action action);

// The decision table (README.md lists it). The applied generations are the agent's memory of
// the last reboot and the last snapshot upload it did for this instance.
Action decide(const cloud::compute::v1::InstanceSpec& spec, DomainPower power, std::uint64_t applied_reboot_generation,
              std::uint64_t applied_snapshot_generation);

// The volumes of the spec against those on the domain (level-triggered, like decide()):
//   ATTACHING/ATTACHED, missing (or only half there)  -> Attach (report ATTACHED if ATTACHING)
//   ATTACHING, there                                  -> ReportAttached (that report was lost)
//   DETACHING, there                                  -> Detach, report DETACHED
//   DETACHING, gone                                   -> ReportDetached
//   on the domain, not in the spec                    -> DetachStray (no report: compute
//                                                        forgot it, e.g. an attach timed out)
// "There": in the definition, and live too when the domain runs.
enum class VolumeAction { Attach, ReportAttached, Detach, ReportDetached, DetachStray };
struct VolumeStep {
  VolumeAction action;
  std::string volume_id;
  cloud::compute::v1::SpecVolume volume;  // Attach: what to attach
  bool report = false;                    // Attach: report ATTACHED after it
};
std::vector<VolumeStep> plan_volumes(const cloud::compute::v1::InstanceSpec& spec,
                                     const std::vector<VolumeOnDomain>& on_domain, bool running);
const char* volume_action_name(VolumeAction action);

// The libvirt disk of a volume of the spec (its id as the serial).
DomainDisk volume_disk(const cloud::compute::v1::SpecVolume& volume);

// The power state compute understands for what libvirt says.
cloud::compute::v1::PowerState to_power_state(DomainPower power);

// The config drive content of the spec's ConfigDrive message.
configdrive::ConfigDriveContent config_drive_content(const cloud::compute::v1::InstanceSpec& spec);

// The disk format of an image for qemu-img: raw for raw/ami/aki/ari, else the format itself.
// Throws INVALID_ARGUMENT for formats libvirt cannot boot here (vmdk, iso, ...).
std::string overlay_backing_format(const std::string& disk_format);

// Whether the instance boots a separate kernel (an ami with kernel_id).
bool uses_kernel_boot(const cloud::compute::v1::InstanceSpec& spec);

// The disks to prepare, given where the cache put the images.
InstanceDisksSpec disks_spec(const cloud::compute::v1::InstanceSpec& spec, const std::string& base_image_path);

// The domain, given the prepared files and cached kernel/ramdisk (empty when not used).
DomainSpec domain_spec(const cloud::compute::v1::InstanceSpec& spec, const InstanceDisks& disks,
                       const std::string& kernel_path, const std::string& ramdisk_path,
                       const AgentSettings& settings);

}  // namespace stratus::compute_agent
