#pragma once
// The hypervisor seam of the compute agent: what the agent needs from libvirt, and nothing
// of libvirt's types, so the reconciler can be tested against a fake and another driver
// could stand behind it. Every call names the instance by its UUID (lower-case).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace stratus::compute_agent {

struct DomainDisk {
  std::string path;
  std::string format = "qcow2";  // "qcow2" | "raw"
  std::string target_dev;        // "vda", "vdb", ... ("hdc" for an IDE cdrom)
  std::string bus = "virtio";    // "virtio" | "ide" | "sata" | "scsi"
  std::string device = "disk";   // "disk" | "cdrom"
  bool readonly = false;
  // A block-storage volume's id, as the disk's <serial>: how the agent finds the volumes on
  // a domain (and the guest sees it in /dev/disk/by-id). Empty for the instance's own disks.
  std::string serial;
};

// A volume disk as libvirt has it on a domain.
struct VolumeOnDomain {
  std::string volume_id, target_dev, path;
  bool live = false;    // in the running domain
  bool config = false;  // in its persistent definition (what the next boot has)
};

struct DomainNic {
  std::string port_id;           // OVS external_ids:iface-id, what the network agent watches
  std::string mac;               // "fa:16:3e:.."
  std::string bridge;            // the integration bridge, e.g. "br-int"
  std::optional<int> mtu;
};

// Direct kernel boot (an image with separate kernel and ramdisk, "aki/ari").
struct KernelBoot {
  std::string kernel_path;
  std::string initrd_path;       // may be empty
  std::string cmdline;
};

struct DomainSpec {
  std::string instance_uuid;
  std::string name;              // libvirt domain name; DomainName() below makes ours
  std::string display_name;      // the user's name for the instance, kept in <metadata>
  int vcpus = 1;
  std::uint64_t ram_mib = 256;
  std::vector<DomainDisk> disks;  // in boot order: the first disk is the root disk
  std::optional<KernelBoot> kernel_boot;  // absent: boot from the first disk
  std::vector<DomainNic> nics;
  std::string console_log_path;  // the serial console is logged here (append)
  std::string domain_type = "qemu";  // "qemu" (TCG) | "kvm"
  // The userspace OVS datapath drops packets with offloaded (partial) checksums in
  // conntrack, so taps on it must have offloads off. Tied to the datapath type.
  bool disable_offloads = false;
};

// What a host offers, for registering it with compute.
struct HostCapacity {
  int vcpus = 0;
  std::uint64_t memory_mib = 0;
  std::string cpu_model;
  std::string hypervisor_version;  // e.g. "7.2.0"
};

enum class DomainPower { Missing, Running, Paused, Shutoff, Crashed, Other };
const char* domain_power_name(DomainPower power);

// Libvirt domain name of an instance: "stratus-<uuid>", unique per host and recognisable.
std::string domain_name_for(const std::string& instance_uuid);

// A running domain's serial console, open for reading and typing (libvirt's console stream).
class ConsoleStream {
 public:
  virtual ~ConsoleStream() = default;
  // Blocks until the console prints something. False once it closed: the domain stopped,
  // another session took the console over, or abort() was called.
  virtual bool read(std::string& out) = 0;
  virtual void write(const std::string& bytes) = 0;
  // Ends the stream; a read() blocked in another thread returns false.
  virtual void abort() = 0;
};

class Hypervisor {
 public:
  virtual ~Hypervisor() = default;

  // Defines the domain from `spec` and starts it. Idempotent: a running domain of that
  // UUID is left alone, a defined but stopped one is started (its definition refreshed).
  virtual void define_and_start(const DomainSpec& spec) = 0;
  // ACPI power-off, then a hard power-off when the guest is still up after `grace`.
  // A missing or already stopped domain is fine.
  virtual void shutdown(const std::string& instance_uuid, std::chrono::seconds grace) = 0;
  // Powers off and removes the definition. A missing domain is fine.
  virtual void destroy_and_undefine(const std::string& instance_uuid) = 0;
  // Soft: asks the guest to reboot; hard: resets the virtual machine. A stopped domain is
  // started instead. A missing domain is NOT_FOUND.
  virtual void reboot(const std::string& instance_uuid, bool hard) = 0;
  // Starts a defined domain; a running one is left alone. A missing domain is NOT_FOUND.
  virtual void start(const std::string& instance_uuid) = 0;
  // Pauses a running domain's vCPUs (its disks then hold still for a copy) or resumes a
  // paused one. A domain that is not running is left as it is.
  virtual void set_paused(const std::string& instance_uuid, bool paused) = 0;

  // The volume disks (those with a serial) of the domain, live and persistent. A missing
  // domain has none.
  virtual std::vector<VolumeOnDomain> volumes(const std::string& instance_uuid) = 0;
  // Puts the volume's disk (disk.serial set) where it is missing: into the definition, and
  // live into a running domain, where the guest sees a new virtio disk. Idempotent.
  virtual void attach_volume(const std::string& instance_uuid, const DomainDisk& disk) = 0;
  // Takes the volume's disk off the definition and the running domain, and waits up to
  // `timeout` for the guest to let go of it (hot-unplug needs the guest's cooperation);
  // FAILED_PRECONDITION when it did not. A volume that is not there is fine.
  virtual void detach_volume(const std::string& instance_uuid, const std::string& volume_id,
                             std::chrono::seconds timeout) = 0;

  virtual DomainPower power(const std::string& instance_uuid) = 0;
  // The instance UUIDs of the domains this agent made (marked in <metadata>); other
  // domains on the host are never listed, so never touched.
  virtual std::vector<std::string> list_domain_uuids() = 0;
  // The last `max_lines` lines of the serial console log, as text.
  virtual std::string console_log_tail(const std::string& instance_uuid, std::size_t max_lines) = 0;
  // Opens the running domain's serial console, taking it over from an earlier session (there
  // is one console: the older session's read() ends). A missing domain is NOT_FOUND.
  virtual std::unique_ptr<ConsoleStream> open_console(const std::string& instance_uuid) = 0;
  virtual HostCapacity capacity() = 0;
};

}  // namespace stratus::compute_agent
