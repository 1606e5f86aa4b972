#pragma once
// The Hypervisor on libvirt's C API (qemu:///system by default).
//
// Connection: one connection shared by all threads (libvirt connections are thread-safe),
// opened on first use. A call that fails because the connection broke (libvirtd restarted)
// drops it, and the next call opens a new one; the failed call itself throws UNAVAILABLE
// and the reconciler retries it. Errors carry libvirt's own message and the instance UUID.
#include <memory>
#include <mutex>
#include <string>

#include "services/compute-agent/drivers/hypervisor.h"

typedef struct _virConnect virConnect;
typedef struct _virDomain virDomain;

namespace stratus::compute_agent {

class LibvirtHypervisor : public Hypervisor {
 public:
  explicit LibvirtHypervisor(std::string uri = "qemu:///system");
  ~LibvirtHypervisor() override;

  void define_and_start(const DomainSpec& spec) override;
  void shutdown(const std::string& instance_uuid, std::chrono::seconds grace) override;
  void destroy_and_undefine(const std::string& instance_uuid) override;
  void reboot(const std::string& instance_uuid, bool hard) override;
  void start(const std::string& instance_uuid) override;
  void set_paused(const std::string& instance_uuid, bool paused) override;
  std::vector<VolumeOnDomain> volumes(const std::string& instance_uuid) override;
  void attach_volume(const std::string& instance_uuid, const DomainDisk& disk) override;
  void detach_volume(const std::string& instance_uuid, const std::string& volume_id,
                     std::chrono::seconds timeout) override;
  DomainPower power(const std::string& instance_uuid) override;
  std::vector<std::string> list_domain_uuids() override;
  std::string console_log_tail(const std::string& instance_uuid, std::size_t max_lines) override;
  std::unique_ptr<ConsoleStream> open_console(const std::string& instance_uuid) override;
  HostCapacity capacity() override;

 // An owned libvirt domain reference.
  using DomainHandle = std::unique_ptr<virDomain, int (*)(virDomain*)>;

 private:
  std::shared_ptr<virConnect> connection();
  // Throws the error libvirt left on this thread; drops the connection if it broke.
  // The instance's domain (one the agent made); null when there is none, unless `required`
  // (then NOT_FOUND). A lookup libvirt fails is thrown as fail() does.
  DomainHandle our_domain(virConnect* connection, const std::string& instance_uuid, bool required);
  [[noreturn]] void fail(const std::string& what, const std::string& instance_uuid);
  // The volume disks of the domain's live (running) or persistent definition.
  std::vector<VolumeOnDomain> volume_disks(virDomain* domain, const std::string& instance_uuid, bool persistent);
  [[noreturn]] void raise(const std::string& what, const std::string& instance_uuid, int code,
                          const std::string& libvirt_message);

  std::string uri_;
  std::mutex mutex_;
  std::shared_ptr<virConnect> connection_;
};

}  // namespace stratus::compute_agent
