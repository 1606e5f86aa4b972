// The agent's reconciler on the real drivers (libvirt TCG, qemu-img, the image cache, OVS):
// compute's side is built by hand, as the network agent's data-path test does, since what
// is tested is the agent making the host match an InstanceSpec. The project's guest is
// spawned as an ami with kernel and ramdisk, then stopped, started, hard-rebooted once per
// generation (also across an agent restart), forgotten by compute and removed as an orphan.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "services/compute-agent/agent/reconciler.h"
#include "services/compute-agent/drivers/disks.h"
#include "services/compute-agent/drivers/libvirt_hypervisor.h"
#include "common/process/run.h"
#include "services/image/client/sha256.h"

using namespace stratus::compute_agent;
namespace fs = std::filesystem;
namespace v1 = cloud::compute::v1;

namespace {

const fs::path kGuestDir = STRATUS_GUEST_IMAGE_DIR;

std::string random_hex(size_t digits) {
  static std::mt19937_64 random{std::random_device{}()};
  std::string out;
  for (size_t i = 0; i < digits; ++i) out += "0123456789abcdef"[random() % 16];
  return out;
}

std::string random_uuid() {
  return random_hex(8) + "-" + random_hex(4) + "-4" + random_hex(3) + "-a" + random_hex(3) + "-" + random_hex(12);
}

template <typename Condition>
bool eventually(Condition condition, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return condition();
}

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Compute's side, in memory: specs set by the test, reports recorded, images served from
// the guest image directory with their sha256.
class HandBuiltCompute : public ComputeSource {
 public:
  std::optional<v1::InstanceSpec> instance_spec(const std::string& id) override {
    std::lock_guard lock(mutex_);
    auto it = specs.find(id);
    if (it == specs.end()) return std::nullopt;
    return it->second;
  }
  std::vector<v1::InstanceSpec> instances_on_host(const std::string&) override {
    std::lock_guard lock(mutex_);
    std::vector<v1::InstanceSpec> out;
    for (auto& [id, spec] : specs) out.push_back(spec);
    return out;
  }
  void report(const v1::ReportInstanceRequest& r) override {
    std::lock_guard lock(mutex_);
    reports.push_back(r);
  }
  void report_volume(const v1::ReportVolumeRequest& r) override {
    std::lock_guard lock(mutex_);
    volume_reports.push_back(r);
  }
  std::string download_image(const std::string&, const std::string& image_id, const std::string& destination) override {
    const fs::path source = files.at(image_id);
    fs::copy_file(source, destination, fs::copy_options::overwrite_existing);
    ++downloads;
    return stratus::image::sha256_of_file(source.string());
  }
  void upload_snapshot(const std::string&, const std::string& image_id, const std::string& path) override {
    std::lock_guard lock(mutex_);
    uploaded[image_id] = stratus::image::sha256_of_file(path);
  }
  std::map<std::string, std::string> uploaded;  // image id -> sha256 of the bytes
  v1::ReportInstanceRequest last_report() {
    std::lock_guard lock(mutex_);
    REQUIRE(!reports.empty());
    return reports.back();
  }

  std::map<std::string, v1::InstanceSpec> specs;
  std::map<std::string, fs::path> files;
  std::vector<v1::ReportInstanceRequest> reports;
  std::vector<v1::ReportVolumeRequest> volume_reports;
  int downloads = 0;

 private:
  std::mutex mutex_;
};

std::string ovs_interface_of(const std::string& port_id) {
  auto result = stratus::process::run({"ovs-vsctl", "--bare", "--columns=name", "find", "Interface",
                             "external_ids:iface-id=" + port_id});
  std::string name = result.status == 0 ? result.output : "";
  while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
  return name;
}

struct Host {
  std::string suffix = random_hex(6);
  std::string bridge = "bcr" + suffix;
  fs::path work;
  HandBuiltCompute compute;
  LibvirtHypervisor hypervisor;
  std::unique_ptr<QcowDiskManager> disks;
  std::unique_ptr<FileImageCache> images;
  AgentSettings settings;
  stratus::log::Logger logger{"compute-agent-test", stratus::log::Level::Warn, stratus::log::Format::Text,
                              std::make_shared<stratus::log::Sink>(std::cerr)};
  std::unique_ptr<Reconciler> reconciler;
  std::vector<std::string> instances;

  Host() {
    std::string pattern = "/tmp/stratus-compute-agent-reconciler-XXXXXX";
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    work = pattern;
    chmod(work.c_str(), 0755);  // QEMU runs as libvirt-qemu
    stratus::process::run_or_throw({"ovs-vsctl", "--may-exist", "add-br", bridge, "--", "set", "bridge", bridge,
                          "datapath_type=netdev"});
    disks = std::make_unique<QcowDiskManager>((work / "instances").string());
    images = std::make_unique<FileImageCache>((work / "cache").string());
    settings.host = "test-host-" + suffix;
    settings.integration_bridge = bridge;
    settings.domain_type = "qemu";
    settings.disable_offloads = true;
    settings.kernel_cmdline = "console=ttyS0 panic=-1";
    settings.shutdown_grace = std::chrono::seconds(10);
    settings.orphan_grace = std::chrono::seconds(0);
    restart_agent();
  }

  ~Host() {
    for (const auto& id : instances) {
      try {
        hypervisor.destroy_and_undefine(id);
      } catch (const std::exception& e) {
        std::cerr << "cleanup: " << e.what() << "\n";
      }
    }
    stratus::process::run({"ovs-vsctl", "--if-exists", "del-br", bridge});
    std::error_code ignored;
    fs::remove_all(work, ignored);
  }

  // A new reconciler on the same host: what an agent restart amounts to.
  void restart_agent() {
    reconciler = std::make_unique<Reconciler>(settings, compute, hypervisor, *disks, *images, logger);
  }
};

v1::InstanceSpec guest_spec(Host& host, const std::string& instance_id, const std::string& hostname,
                            const std::string& port_id, const std::string& mac) {
  const std::string image = random_uuid(), kernel = random_uuid(), ramdisk = random_uuid();
  host.compute.files[image] = kGuestDir / "disk.raw";
  host.compute.files[kernel] = kGuestDir / "vmlinuz";
  host.compute.files[ramdisk] = kGuestDir / "initrd.img";
  v1::InstanceSpec spec;
  spec.set_instance_id(instance_id);
  spec.set_name("reconciler test");
  spec.set_hostname(hostname);
  spec.set_host(host.settings.host);
  spec.set_vm_state(v1::VM_STATE_BUILD);
  spec.set_task_state(v1::TASK_STATE_SPAWNING);
  spec.set_desired_power_state(v1::POWER_STATE_RUNNING);
  spec.set_vcpus(1);
  spec.set_ram_mib(256);
  spec.set_disk_gib(1);
  spec.set_swap_mib(32);
  spec.mutable_image()->set_id(image);
  spec.mutable_image()->set_disk_format("ami");
  spec.mutable_kernel()->set_id(kernel);
  spec.mutable_kernel()->set_disk_format("aki");
  spec.mutable_ramdisk()->set_id(ramdisk);
  spec.mutable_ramdisk()->set_disk_format("ari");
  auto* port = spec.add_ports();
  port->set_port_id(port_id);
  port->set_mac_address(mac);
  port->set_mtu(1450);
  auto* drive = spec.mutable_config_drive();
  drive->set_uuid(instance_id);
  drive->set_hostname(hostname);
  auto* link = drive->add_links();
  link->set_id("tap0");
  link->set_mac(mac);
  link->set_mtu(1450);
  auto* network = drive->add_networks();
  network->set_link_id("tap0");
  network->set_address("10.98.0.7");
  network->set_prefix_length(24);
  return spec;
}

}  // namespace

TEST_CASE("the reconciler spawns, stops, starts, reboots and removes an instance on the real host") {
  REQUIRE(stratus::process::run({std::string(STRATUS_SOURCE_DIR) + "/tools/guest-image/build.sh", kGuestDir.string()})
              .status == 0);
  Host host;
  const std::string id = random_uuid(), port_id = random_uuid();
  const std::string hostname = "ca-rec-" + host.suffix;
  const std::string mac = "fa:16:3e:" + random_hex(2) + ":" + random_hex(2) + ":" + random_hex(2);
  host.instances.push_back(id);
  host.compute.specs[id] = guest_spec(host, id, hostname, port_id, mac);
  auto& spec = host.compute.specs[id];

  // Spawn: images fetched into the cache, disks, config drive, domain; reported SPAWNED.
  CHECK(host.reconciler->reconcile(id) == Action::Spawn);
  auto report = host.compute.last_report();
  CHECK(report.event() == v1::INSTANCE_EVENT_SPAWNED);
  CHECK(report.power_state() == v1::POWER_STATE_RUNNING);
  CHECK(report.host() == host.settings.host);
  CHECK(host.compute.downloads == 3);
  CHECK(host.hypervisor.power(id) == DomainPower::Running);
  CHECK(eventually([&] { return !ovs_interface_of(port_id).empty(); }, std::chrono::seconds(30)));
  CHECK(host.disks->paths(id).swap);

  // The guest's boot reaches compute in the console tail of the reports.
  const std::string banner = "=== stratus-guest: hostname=" + hostname + " addresses=10.98.0.7/24";
  spec.set_vm_state(v1::VM_STATE_ACTIVE);
  spec.set_task_state(v1::TASK_STATE_NONE);
  bool booted = eventually(
      [&] {
        host.reconciler->reconcile(id);
        return host.compute.last_report().console_log_tail().find(banner) != std::string::npos;
      },
      std::chrono::seconds(180));
  INFO("console:\n" << host.hypervisor.console_log_tail(id, 30));
  REQUIRE(booted);
  CHECK(host.compute.last_report().event() == v1::INSTANCE_EVENT_NONE);

  // Stop.
  spec.set_desired_power_state(v1::POWER_STATE_SHUTDOWN);
  spec.set_task_state(v1::TASK_STATE_POWERING_OFF);
  CHECK(host.reconciler->reconcile(id) == Action::Stop);
  CHECK(host.compute.last_report().event() == v1::INSTANCE_EVENT_STOPPED);
  CHECK(host.compute.last_report().power_state() == v1::POWER_STATE_SHUTDOWN);
  CHECK(host.hypervisor.power(id) == DomainPower::Shutoff);

  // Start: the same disks boot again (the console log is appended to).
  spec.set_desired_power_state(v1::POWER_STATE_RUNNING);
  spec.set_task_state(v1::TASK_STATE_POWERING_ON);
  CHECK(host.reconciler->reconcile(id) == Action::Start);
  CHECK(host.compute.last_report().event() == v1::INSTANCE_EVENT_STARTED);
  CHECK(host.hypervisor.power(id) == DomainPower::Running);
  const std::string console_path = host.disks->paths(id).console_log;
  auto banners = [&] {
    std::ifstream in(console_path);
    return occurrences(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()),
                       banner);
  };
  CHECK(eventually([&] { return banners() >= 2; }, std::chrono::seconds(180)));

  // Hard reboot, generation 1: the guest boots once more; the same generation again, also
  // after an agent restart, reboots nothing.
  spec.set_task_state(v1::TASK_STATE_REBOOTING_HARD);
  spec.set_reboot_generation(1);
  spec.set_reboot_hard(true);
  CHECK(host.reconciler->reconcile(id) == Action::Reboot);
  CHECK(host.compute.last_report().event() == v1::INSTANCE_EVENT_REBOOTED);
  CHECK(host.compute.last_report().reboot_generation() == 1);
  CHECK(eventually([&] { return banners() >= 3; }, std::chrono::seconds(180)));

  // Soft reboot, generation 2: power-off (this guest ignores ACPI: hard after the grace), start.
  spec.set_task_state(v1::TASK_STATE_REBOOTING);
  spec.set_reboot_generation(2);
  spec.set_reboot_hard(false);
  CHECK(host.reconciler->reconcile(id) == Action::Reboot);
  CHECK(host.compute.last_report().event() == v1::INSTANCE_EVENT_REBOOTED);
  CHECK(host.compute.last_report().reboot_generation() == 2);
  CHECK(host.compute.last_report().power_state() == v1::POWER_STATE_RUNNING);
  CHECK(eventually([&] { return banners() >= 4; }, std::chrono::seconds(180)));
  host.restart_agent();
  CHECK(host.reconciler->reconcile(id) == Action::ReportRebooted);  // compute still shows REBOOT
  CHECK(host.compute.last_report().reboot_generation() == 2);
  spec.set_task_state(v1::TASK_STATE_NONE);
  CHECK(host.reconciler->reconcile(id) == Action::ReportPower);

  // Compute forgets the instance: the resync removes domain, port and files (grace 0 here).
  v1::InstanceSpec forgotten = spec;
  host.compute.specs.erase(id);
  CHECK(host.reconciler->resync_all().empty());
  CHECK(host.hypervisor.power(id) == DomainPower::Missing);
  CHECK_FALSE(fs::exists(host.disks->paths(id).directory));
  CHECK(eventually([&] { return ovs_interface_of(port_id).empty(); }, std::chrono::seconds(30)));

  // A delete of what is already gone succeeds and is reported.
  forgotten.set_deleted(true);
  host.compute.specs[id] = forgotten;
  CHECK(host.reconciler->reconcile(id) == Action::Delete);
  CHECK(host.compute.last_report().event() == v1::INSTANCE_EVENT_DELETED);
  CHECK(host.compute.last_report().power_state() == v1::POWER_STATE_NOSTATE);

  // The cached images are unused now and go at cleanup.
  host.reconciler->clean_image_cache(std::chrono::seconds(0));
  CHECK(fs::is_empty(host.work / "cache"));
}
