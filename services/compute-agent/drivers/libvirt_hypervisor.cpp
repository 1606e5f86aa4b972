#include "services/compute-agent/drivers/libvirt_hypervisor.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <thread>

#include "common/error/error.h"
#include "services/compute-agent/domain/domain_xml.h"

namespace stratus::compute_agent {
namespace {

using DomainHandle = LibvirtHypervisor::DomainHandle;

// libvirt prints every error to stderr by default; ours are thrown and logged instead.
void ignore_libvirt_error(void*, virErrorPtr) {}

int last_error_code() {
  virErrorPtr error = virGetLastError();
  return error ? error->code : VIR_ERR_OK;
}

bool connection_broke(int code) {
  return code == VIR_ERR_NO_CONNECT || code == VIR_ERR_RPC || code == VIR_ERR_SYSTEM_ERROR ||
         code == VIR_ERR_INVALID_CONN;
}

// Whether the domain carries our <metadata> element, i.e. the compute agent made it.
bool is_ours(virDomainPtr domain) {
  char* element = virDomainGetMetadata(domain, VIR_DOMAIN_METADATA_ELEMENT, kMetadataNamespace,
                                       VIR_DOMAIN_AFFECT_CURRENT);
  if (element == nullptr) return false;
  std::free(element);
  return true;
}

DomainPower power_of(virDomainPtr domain) {
  int state = VIR_DOMAIN_NOSTATE;
  int reason = 0;
  if (virDomainGetState(domain, &state, &reason, 0) != 0) return DomainPower::Other;
  switch (state) {
    case VIR_DOMAIN_RUNNING:
    case VIR_DOMAIN_BLOCKED:
    case VIR_DOMAIN_SHUTDOWN:  // being shut down: still running until it is off
      return DomainPower::Running;
    case VIR_DOMAIN_PAUSED:
    case VIR_DOMAIN_PMSUSPENDED:
      return DomainPower::Paused;
    case VIR_DOMAIN_SHUTOFF: return DomainPower::Shutoff;
    case VIR_DOMAIN_CRASHED: return DomainPower::Crashed;
    default: return DomainPower::Other;
  }
}

bool is_up(DomainPower power) { return power == DomainPower::Running || power == DomainPower::Paused; }

// The serial console's log file from the domain XML: <log file='PATH' append='on'/>.
std::string console_log_path(const std::string& xml) {
  const std::string marker = "<log file='";
  auto start = xml.find(marker);
  if (start == std::string::npos) return {};
  start += marker.size();
  auto end = xml.find('\'', start);
  if (end == std::string::npos) return {};
  return xml_unescape(xml.substr(start, end - start));
}

std::string last_lines(const std::string& path, std::size_t max_lines) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  // Reads at most the last 256 KiB: consoles are chatty and the caller wants the end.
  const std::streamoff window = 256 * 1024;
  std::streamoff size = in.tellg();
  std::streamoff from = std::max<std::streamoff>(0, size - window);
  in.seekg(from);
  std::string text(static_cast<size_t>(size - from), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (max_lines == 0) return {};
  size_t position = text.size();
  if (position > 0 && text[position - 1] == '\n') --position;
  size_t lines = 0;
  while (position > 0) {
    if (text[position - 1] == '\n' && ++lines == max_lines) break;
    --position;
  }
  return text.substr(position);
}

}  // namespace

LibvirtHypervisor::LibvirtHypervisor(std::string uri) : uri_(std::move(uri)) {
  virInitialize();
  virSetErrorFunc(nullptr, ignore_libvirt_error);
}

LibvirtHypervisor::~LibvirtHypervisor() = default;

std::shared_ptr<virConnect> LibvirtHypervisor::connection() {
  std::lock_guard lock(mutex_);
  if (connection_ && virConnectIsAlive(connection_.get()) == 1) return connection_;
  connection_.reset();
  virConnectPtr opened = virConnectOpen(uri_.c_str());
  if (opened == nullptr) {
    virErrorPtr error = virGetLastError();
    throw unavailable("cannot connect to libvirt at " + uri_ + ": " + (error && error->message ? error->message : "?"));
  }
  connection_ = std::shared_ptr<virConnect>(opened, [](virConnectPtr c) { virConnectClose(c); });
  return connection_;
}

void LibvirtHypervisor::fail(const std::string& what, const std::string& instance_uuid) {
  virErrorPtr error = virGetLastError();
  raise(what, instance_uuid, error ? error->code : VIR_ERR_INTERNAL_ERROR,
        error && error->message ? error->message : "unknown libvirt error");
}

void LibvirtHypervisor::raise(const std::string& what, const std::string& instance_uuid, int code,
                              const std::string& libvirt_message) {
  std::string message = what + " of instance " + instance_uuid + ": " + libvirt_message;
  if (connection_broke(code)) {
    std::lock_guard lock(mutex_);
    connection_.reset();
    throw unavailable(message);
  }
  if (code == VIR_ERR_NO_DOMAIN) throw not_found("domain", instance_uuid);
  throw Error(ErrorCode::Internal, message);
}

namespace {

// The instance's domain, or null when there is none. A domain with that UUID that the
// agent did not make is refused: we never touch other people's domains.
DomainHandle find_our_domain(virConnectPtr connection, const std::string& instance_uuid, bool& lookup_failed) {
  lookup_failed = false;
  DomainHandle domain(virDomainLookupByUUIDString(connection, instance_uuid.c_str()), virDomainFree);
  if (!domain) {
    lookup_failed = last_error_code() != VIR_ERR_NO_DOMAIN;
    return domain;
  }
  if (!is_ours(domain.get()))
    throw failed_precondition("domain " + instance_uuid + " exists but was not made by the compute agent");
  return domain;
}

}  // namespace

LibvirtHypervisor::DomainHandle LibvirtHypervisor::our_domain(virConnectPtr connection, const std::string& instance_uuid,
                                                              bool required) {
  bool lookup_failed = false;
  DomainHandle domain = find_our_domain(connection, instance_uuid, lookup_failed);
  if (lookup_failed) fail("looking up the domain", instance_uuid);
  if (!domain && required) throw not_found("domain", instance_uuid);
  return domain;
}

void LibvirtHypervisor::define_and_start(const DomainSpec& spec) {
  const std::string xml = render_domain_xml(spec);  // validates
  auto conn = connection();
  DomainHandle domain = our_domain(conn.get(), spec.instance_uuid, false);
  if (domain && is_up(power_of(domain.get()))) return;

  // Defining again refreshes a stopped domain's definition (same UUID and name).
  const bool existed = static_cast<bool>(domain);
  domain = DomainHandle(virDomainDefineXML(conn.get(), xml.c_str()), virDomainFree);
  if (!domain) fail("defining the domain", spec.instance_uuid);
  if (virDomainCreate(domain.get()) != 0) {
    if (last_error_code() == VIR_ERR_OPERATION_INVALID && is_up(power_of(domain.get()))) return;  // raced a start
    virErrorPtr error = virGetLastError();
    const int code = error ? error->code : VIR_ERR_INTERNAL_ERROR;
    const std::string message = error && error->message ? error->message : "unknown libvirt error";
    // A domain we just defined and could not start is removed again: no half-made orphan.
    if (!existed) virDomainUndefineFlags(domain.get(), VIR_DOMAIN_UNDEFINE_NVRAM);
    raise("starting the domain", spec.instance_uuid, code, message);
  }
}

void LibvirtHypervisor::shutdown(const std::string& instance_uuid, std::chrono::seconds grace) {
  auto conn = connection();
  DomainHandle domain = our_domain(conn.get(), instance_uuid, false);
  if (!domain || !is_up(power_of(domain.get()))) return;

  if (virDomainShutdown(domain.get()) != 0 && is_up(power_of(domain.get())))
    fail("asking the guest to power off", instance_uuid);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!is_up(power_of(domain.get()))) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // The guest ignored ACPI (or has no handler for it): power it off.
  if (virDomainDestroy(domain.get()) != 0 && is_up(power_of(domain.get())))
    fail("powering off the domain", instance_uuid);
}

void LibvirtHypervisor::destroy_and_undefine(const std::string& instance_uuid) {
  auto conn = connection();
  DomainHandle domain = our_domain(conn.get(), instance_uuid, false);
  if (!domain) return;
  if (is_up(power_of(domain.get())) && virDomainDestroy(domain.get()) != 0 && is_up(power_of(domain.get())))
    fail("powering off the domain", instance_uuid);
  const unsigned flags = VIR_DOMAIN_UNDEFINE_NVRAM | VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                         VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA;
  if (virDomainUndefineFlags(domain.get(), flags) != 0 && last_error_code() != VIR_ERR_NO_DOMAIN)
    fail("undefining the domain", instance_uuid);
}

void LibvirtHypervisor::reboot(const std::string& instance_uuid, bool hard) {
  auto conn = connection();
  DomainHandle domain = our_domain(conn.get(), instance_uuid, true);
  if (!is_up(power_of(domain.get()))) {
    if (virDomainCreate(domain.get()) != 0) fail("starting the domain", instance_uuid);
    return;
  }
  int rc = hard ? virDomainReset(domain.get(), 0) : virDomainReboot(domain.get(), 0);
  if (rc != 0) fail(hard ? "resetting the domain" : "rebooting the domain", instance_uuid);
}

void LibvirtHypervisor::start(const std::string& instance_uuid) {
  auto conn = connection();
  DomainHandle domain = our_domain(conn.get(), instance_uuid, true);
  if (is_up(power_of(domain.get()))) return;
  if (virDomainCreate(domain.get()) != 0 && !is_up(power_of(domain.get())))
    fail("starting the domain", instance_uuid);
}

void LibvirtHypervisor::set_paused(const std::string& instance_uuid, bool paused) {
  auto conn = connection();
  DomainHandle domain = our_domain(conn.get(), instance_uuid, true);
  const DomainPower now = power_of(domain.get());
  if (paused && now == DomainPower::Running && virDomainSuspend(domain.get()) != 0)
    fail("pausing the domain", instance_uuid);
  if (!paused && now == DomainPower::Paused && virDomainResume(domain.get()) != 0)
    fail("resuming the domain", instance_uuid);
}

std::vector<VolumeOnDomain> LibvirtHypervisor::volume_disks(virDomainPtr domain, const std::string& instance_uuid,
                                                            bool persistent) {
  char* xml = virDomainGetXMLDesc(domain, persistent ? VIR_DOMAIN_XML_INACTIVE : 0);
  if (xml == nullptr) fail("reading the domain XML", instance_uuid);
  std::string text(xml);
  std::free(xml);
  return volume_disks_in(text);
}

std::vector<VolumeOnDomain> LibvirtHypervisor::volumes(const std::string& instance_uuid) {
  auto conn = connection();
  DomainHandle domain = our_domain(conn.get(), instance_uuid, false);
  if (!domain) return {};
  std::vector<VolumeOnDomain> out;
  auto merge = [&](const std::vector<VolumeOnDomain>& found, bool live) {
    for (const auto& v : found) {
      auto it = std::find_if(out.begin(), out.end(), [&](const VolumeOnDomain& o) { return o.volume_id == v.volume_id; });
      if (it == out.end()) it = out.insert(out.end(), v);
      (live ? it->live : it->config) = true;
    }
  };
  merge(volume_disks(domain.get(), instance_uuid, true), false);
  if (is_up(power_of(domain.get()))) merge(volume_disks(domain.get(), instance_uuid, false), true);
  return out;
}

void LibvirtHypervisor::attach_volume(const std::string& instance_uuid, const DomainDisk& disk) {
  const std::string xml = render_disk_xml(disk);  // validates
  auto conn = connection();
  DomainHandle domain = our_domain(conn.get(), instance_uuid, true);
  auto has = [&](bool persistent) {
    for (const auto& v : volume_disks(domain.get(), instance_uuid, persistent))
      if (v.volume_id == disk.serial) return true;
    return false;
  };
  // Each half where it is missing, so a retry after a half-done attach completes it.
  if (!has(true) && virDomainAttachDeviceFlags(domain.get(), xml.c_str(), VIR_DOMAIN_AFFECT_CONFIG) != 0)
    fail("attaching volume " + disk.serial + " to the definition", instance_uuid);
  if (is_up(power_of(domain.get())) && !has(false) &&
      virDomainAttachDeviceFlags(domain.get(), xml.c_str(), VIR_DOMAIN_AFFECT_LIVE) != 0)
    fail("attaching volume " + disk.serial + " live", instance_uuid);
}

void LibvirtHypervisor::detach_volume(const std::string& instance_uuid, const std::string& volume_id,
                                      std::chrono::seconds timeout) {
  auto conn = connection();
  DomainHandle domain = our_domain(conn.get(), instance_uuid, false);
  if (!domain) return;
  auto find = [&](bool persistent) -> std::optional<VolumeOnDomain> {
    for (const auto& v : volume_disks(domain.get(), instance_uuid, persistent))
      if (v.volume_id == volume_id) return v;
    return std::nullopt;
  };
  // libvirt matches the disk by its target; the element names it as the domain has it.
  auto element = [&](const VolumeOnDomain& v) {
    return "<disk type='file' device='disk'><source file='" + xml_escape(v.path) + "'/><target dev='" +
           xml_escape(v.target_dev) + "' bus='virtio'/></disk>";
  };
  if (auto v = find(true)) {
    if (virDomainDetachDeviceFlags(domain.get(), element(*v).c_str(), VIR_DOMAIN_AFFECT_CONFIG) != 0)
      fail("detaching volume " + volume_id + " from the definition", instance_uuid);
  }
  if (!is_up(power_of(domain.get()))) return;
  auto live = find(false);
  if (!live) return;
  // The guest is asked to release the device (ACPI hot-unplug); libvirt answers before it has.
  if (virDomainDetachDeviceFlags(domain.get(), element(*live).c_str(), VIR_DOMAIN_AFFECT_LIVE) != 0 &&
      find(false))
    fail("detaching volume " + volume_id + " live", instance_uuid);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (find(false)) {
    if (std::chrono::steady_clock::now() >= deadline)
      throw failed_precondition("the guest did not release volume " + volume_id + " within " +
                                std::to_string(timeout.count()) + " s (it is off the definition: the next "
                                "boot has it no more)");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

DomainPower LibvirtHypervisor::power(const std::string& instance_uuid) {
  auto conn = connection();
  DomainHandle domain = our_domain(conn.get(), instance_uuid, false);
  return domain ? power_of(domain.get()) : DomainPower::Missing;
}

std::vector<std::string> LibvirtHypervisor::list_domain_uuids() {
  auto conn = connection();
  virDomainPtr* domains = nullptr;
  int count = virConnectListAllDomains(conn.get(), &domains, 0);
  if (count < 0) fail("listing domains", "(all)");
  std::vector<std::string> uuids;
  for (int i = 0; i < count; ++i) {
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (is_ours(domains[i]) && virDomainGetUUIDString(domains[i], uuid) == 0) uuids.emplace_back(uuid);
    virDomainFree(domains[i]);
  }
  std::free(domains);
  std::sort(uuids.begin(), uuids.end());
  return uuids;
}

std::string LibvirtHypervisor::console_log_tail(const std::string& instance_uuid, std::size_t max_lines) {
  auto conn = connection();
  DomainHandle domain = our_domain(conn.get(), instance_uuid, true);
  char* xml = virDomainGetXMLDesc(domain.get(), VIR_DOMAIN_XML_INACTIVE);
  if (xml == nullptr) fail("reading the domain XML", instance_uuid);
  std::string path = console_log_path(xml);
  std::free(xml);
  if (path.empty()) return {};
  return last_lines(path, max_lines);
}

namespace {

// A blocking libvirt stream on the domain's console. The stream keeps its own reference to
// the connection, so a dropped shared connection does not end an open console.
class LibvirtConsole : public ConsoleStream {
 public:
  LibvirtConsole(std::shared_ptr<virConnect> connection, virStreamPtr stream)
      : connection_(std::move(connection)), stream_(stream) {}
  ~LibvirtConsole() override {
    abort();
    virStreamFree(stream_);
  }
  bool read(std::string& out) override {
    char buffer[4096];
    int n = virStreamRecv(stream_, buffer, sizeof buffer);
    if (n <= 0) return false;  // 0: end of stream; -1: aborted or broken
    out.assign(buffer, static_cast<std::size_t>(n));
    return true;
  }
  void write(const std::string& bytes) override {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      int n = virStreamSend(stream_, bytes.data() + sent, bytes.size() - sent);
      if (n < 0) return;  // the console closed: read() ends the session
      sent += static_cast<std::size_t>(n);
    }
  }
  void abort() override {
    if (!aborted_.exchange(true)) virStreamAbort(stream_);
  }

 private:
  std::shared_ptr<virConnect> connection_;
  virStreamPtr stream_;
  std::atomic<bool> aborted_{false};
};

}  // namespace

std::unique_ptr<ConsoleStream> LibvirtHypervisor::open_console(const std::string& instance_uuid) {
  auto conn = connection();
  DomainHandle domain = our_domain(conn.get(), instance_uuid, true);
  virStreamPtr stream = virStreamNew(conn.get(), 0);
  if (stream == nullptr) fail("opening a console stream", instance_uuid);
  // The first (and only) console device, the serial port; FORCE takes it from an older session.
  if (virDomainOpenConsole(domain.get(), nullptr, stream, VIR_DOMAIN_CONSOLE_FORCE) < 0) {
    virStreamFree(stream);
    fail("opening the serial console", instance_uuid);
  }
  return std::make_unique<LibvirtConsole>(conn, stream);
}

HostCapacity LibvirtHypervisor::capacity() {
  auto conn = connection();
  virNodeInfo info;
  if (virNodeGetInfo(conn.get(), &info) != 0) fail("reading the host's capacity", "(host)");
  HostCapacity capacity;
  capacity.vcpus = static_cast<int>(info.cpus);
  capacity.memory_mib = info.memory / 1024;  // libvirt reports KiB
  capacity.cpu_model = info.model;
  unsigned long version = 0;
  if (virConnectGetVersion(conn.get(), &version) == 0) {
    capacity.hypervisor_version = std::to_string(version / 1000000) + "." + std::to_string(version / 1000 % 1000) +
                                  "." + std::to_string(version % 1000);
  }
  return capacity;
}

}  // namespace stratus::compute_agent
