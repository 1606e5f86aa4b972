// The hypervisor layer on the real thing: libvirt (TCG) boots the project's guest from a
// qcow2 overlay made by the disk manager over an image from the image cache, with a config
// drive and a NIC on a netdev OVS bridge; then the lifecycle (idempotent start, ACPI
// shutdown, start, destroy) and cleanup down to the last file and OVS port.
#include <catch2/catch.hpp>

#include <libvirt/libvirt.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include "common/error/error.h"
#include "services/compute-agent/drivers/disks.h"
#include "services/compute-agent/drivers/libvirt_hypervisor.h"
#include "common/process/run.h"
#include "services/image/client/sha256.h"

using namespace stratus::compute_agent;
namespace fs = std::filesystem;

namespace {

std::string random_hex(size_t digits) {
  static std::mt19937_64 random{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < digits; ++i) out += hex[random() % 16];
  return out;
}

std::string random_uuid() {
  std::string u = random_hex(8) + "-" + random_hex(4) + "-4" + random_hex(3) + "-a" + random_hex(3) + "-" +
                  random_hex(12);
  return u;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Polls `condition` until it holds or `timeout` passes: the test waits on conditions only.
template <typename Condition>
bool eventually(Condition condition, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return condition();
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '"')) text.pop_back();
  while (!text.empty() && (text.front() == ' ' || text.front() == '"')) text.erase(0, 1);
  return text;
}

// The OVS interface libvirt made for the port, empty when there is none.
std::string ovs_interface_of(const std::string& port_id) {
  auto result = stratus::process::run({"ovs-vsctl", "--bare", "--columns=name", "find", "Interface",
                             "external_ids:iface-id=" + port_id});
  return result.status == 0 ? trim(result.output) : "";
}

std::string ovs_external_id(const std::string& interface, const std::string& key) {
  auto result = stratus::process::run({"ovs-vsctl", "--if-exists", "get", "Interface", interface, "external_ids:" + key});
  return result.status == 0 ? trim(result.output) : "";
}

// Everything the test made, removed even when an assertion fails half-way.
struct Scenario {
  std::string instance_uuid = random_uuid();
  std::string port_id = random_uuid();
  std::string foreign_uuid = random_uuid();
  std::string suffix = random_hex(6);
  std::string bridge = "bca" + suffix;
  std::string hostname = "ca-test-" + suffix;
  std::string mac = "fa:16:3e:" + random_hex(2) + ":" + random_hex(2) + ":" + random_hex(2);
  fs::path work;
  LibvirtHypervisor hypervisor;

  Scenario() {
    std::string pattern = "/tmp/stratus-compute-agent-test-XXXXXX";
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    work = pattern;
    chmod(work.c_str(), 0755);  // QEMU runs as libvirt-qemu and must reach the disks
    stratus::process::run_or_throw({"ovs-vsctl", "--may-exist", "add-br", bridge, "--", "set", "bridge", bridge,
                          "datapath_type=netdev"});
  }

  ~Scenario() {
    try {
      hypervisor.destroy_and_undefine(instance_uuid);
    } catch (const std::exception& e) {
      std::cerr << "cleanup: " << e.what() << "\n";
    }
    remove_foreign_domain();
    stratus::process::run({"ovs-vsctl", "--if-exists", "del-br", bridge});
    std::error_code ignored;
    fs::remove_all(work, ignored);
  }

  // A domain of someone else (no stratus metadata), defined but never started.
  void define_foreign_domain() {
    virConnectPtr connection = virConnectOpen("qemu:///system");
    REQUIRE(connection != nullptr);
    std::string xml = "<domain type='qemu'><name>not-stratus-" + suffix + "</name><uuid>" + foreign_uuid +
                      "</uuid><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>";
    virDomainPtr domain = virDomainDefineXML(connection, xml.c_str());
    REQUIRE(domain != nullptr);
    virDomainFree(domain);
    virConnectClose(connection);
  }

  bool foreign_domain_defined() {
    virConnectPtr connection = virConnectOpen("qemu:///system");
    if (connection == nullptr) return false;
    virDomainPtr domain = virDomainLookupByUUIDString(connection, foreign_uuid.c_str());
    bool found = domain != nullptr;
    if (domain) virDomainFree(domain);
    virConnectClose(connection);
    return found;
  }

  void remove_foreign_domain() {
    virConnectPtr connection = virConnectOpen("qemu:///system");
    if (connection == nullptr) return;
    if (virDomainPtr domain = virDomainLookupByUUIDString(connection, foreign_uuid.c_str())) {
      virDomainUndefine(domain);
      virDomainFree(domain);
    }
    virConnectClose(connection);
  }
};

const fs::path kGuestDir = STRATUS_GUEST_IMAGE_DIR;

// The guest image exactly as tests/guest/boot_ssh.sh gets it (cached after the first build).
void build_guest_image() {
  auto result = stratus::process::run({std::string(STRATUS_SOURCE_DIR) + "/tools/guest-image/build.sh", kGuestDir.string()});
  INFO(result.output);
  REQUIRE(result.status == 0);
}

// Serves the guest's files by image id, as the image service would, with their sha256.
ImageFetcher guest_image_fetcher(const std::map<std::string, fs::path>& files_by_image_id) {
  return [files_by_image_id](const std::string& image_id, const std::string& destination) {
    const fs::path& source = files_by_image_id.at(image_id);
    fs::copy_file(source, destination, fs::copy_options::overwrite_existing);
    return stratus::image::sha256_of_file(source.string());
  };
}

}  // namespace

TEST_CASE("an instance boots as a libvirt domain with its disks, config drive and OVS port, and goes away cleanly") {
  build_guest_image();
  Scenario s;
  const std::string disk_image = random_uuid(), kernel_image = random_uuid(), ramdisk_image = random_uuid();
  FileImageCache cache((s.work / "cache").string());
  const ImageFetcher fetch = guest_image_fetcher({{disk_image, kGuestDir / "disk.raw"},
                                                  {kernel_image, kGuestDir / "vmlinuz"},
                                                  {ramdisk_image, kGuestDir / "initrd.img"}});
  QcowDiskManager disks((s.work / "instances").string());

  InstanceDisksSpec disk_spec;
  disk_spec.instance_uuid = s.instance_uuid;
  disk_spec.base_image_path = cache.acquire(disk_image, fetch);
  disk_spec.base_image_format = "raw";
  disk_spec.root_gib = 1;
  stratus::configdrive::ConfigDriveContent content;
  content.uuid = s.instance_uuid;
  content.hostname = s.hostname;
  content.network.links.push_back({"tap0", s.mac, 1450});
  stratus::configdrive::Network network;
  network.link_id = "tap0";
  network.address = "10.99.0.5";
  network.prefix_length = 24;
  content.network.networks.push_back(network);
  disk_spec.config_drive = content;
  const InstanceDisks files = disks.prepare(disk_spec);
  REQUIRE(files.config_drive);

  DomainSpec spec;
  spec.instance_uuid = s.instance_uuid;
  spec.name = domain_name_for(s.instance_uuid);
  spec.display_name = "hypervisor test";
  spec.vcpus = 1;
  spec.ram_mib = 256;
  spec.kernel_boot = KernelBoot{cache.acquire(kernel_image, fetch), cache.acquire(ramdisk_image, fetch), "console=ttyS0 panic=-1"};
  spec.disks.push_back({files.root, "qcow2", "vda", "virtio", "disk", false, ""});
  spec.disks.push_back({*files.config_drive, "raw", "hdc", "ide", "cdrom", true, ""});
  spec.nics.push_back({s.port_id, s.mac, s.bridge, 1450});
  spec.console_log_path = files.console_log;
  spec.domain_type = "qemu";
  spec.disable_offloads = true;

  s.define_foreign_domain();
  CHECK(s.hypervisor.power(s.instance_uuid) == DomainPower::Missing);
  s.hypervisor.define_and_start(spec);

  SECTION("the whole lifecycle") {
    CHECK(s.hypervisor.power(s.instance_uuid) == DomainPower::Running);
    auto ours = s.hypervisor.list_domain_uuids();
    CHECK(std::count(ours.begin(), ours.end(), s.instance_uuid) == 1);
    // Only our domains are listed or touched; another's is refused and stays defined.
    CHECK(std::count(ours.begin(), ours.end(), s.foreign_uuid) == 0);
    CHECK_THROWS_AS(s.hypervisor.destroy_and_undefine(s.foreign_uuid), stratus::Error);
    CHECK(s.foreign_domain_defined());

    // libvirt plugs the tap into the bridge with the ids the network agent watches.
    std::string interface;
    REQUIRE(eventually([&] { return !(interface = ovs_interface_of(s.port_id)).empty(); }, std::chrono::seconds(30)));
    CHECK(ovs_external_id(interface, "attached-mac") == s.mac);
    CHECK(ovs_external_id(interface, "vm-id") == s.instance_uuid);
    CHECK(trim(stratus::process::run_or_throw({"ovs-vsctl", "port-to-br", interface})) == s.bridge);

    // The guest boots, reads the config drive and prints its hostname on the serial console.
    const std::string banner = "=== stratus-guest: hostname=" + s.hostname + " ";
    bool booted = eventually([&] { return read_file(files.console_log).find(banner) != std::string::npos; },
                             std::chrono::seconds(180));
    INFO("console:\n" << s.hypervisor.console_log_tail(s.instance_uuid, 40));
    REQUIRE(booted);
    CHECK(read_file(files.console_log).find("addresses=10.99.0.5/24") != std::string::npos);
    CHECK(s.hypervisor.console_log_tail(s.instance_uuid, 200).find(banner) != std::string::npos);

    // A second define_and_start changes nothing: the same domain keeps running.
    s.hypervisor.define_and_start(spec);
    ours = s.hypervisor.list_domain_uuids();
    CHECK(std::count(ours.begin(), ours.end(), s.instance_uuid) == 1);
    CHECK(s.hypervisor.power(s.instance_uuid) == DomainPower::Running);
    CHECK(ovs_interface_of(s.port_id) == interface);

    // Shutdown: ACPI first, a hard power-off after the grace period; the domain stays defined.
    s.hypervisor.shutdown(s.instance_uuid, std::chrono::seconds(20));
    CHECK(s.hypervisor.power(s.instance_uuid) == DomainPower::Shutoff);
    const bool guest_powered_itself_off = read_file(files.console_log).find("reboot: Power down") != std::string::npos;
    WARN("the guest " << (guest_powered_itself_off ? "powered off on ACPI" : "ignored ACPI and was powered off"));
    s.hypervisor.shutdown(s.instance_uuid, std::chrono::seconds(1));  // already off: fine
    REQUIRE(eventually([&] { return ovs_interface_of(s.port_id).empty(); }, std::chrono::seconds(30)));

    // Start brings the same definition back, with a new tap on the bridge.
    s.hypervisor.start(s.instance_uuid);
    CHECK(s.hypervisor.power(s.instance_uuid) == DomainPower::Running);
    CHECK(eventually([&] { return !ovs_interface_of(s.port_id).empty(); }, std::chrono::seconds(30)));

    // Delete: no domain, no OVS port, no files; doing it again is fine.
    s.hypervisor.destroy_and_undefine(s.instance_uuid);
    CHECK(s.hypervisor.power(s.instance_uuid) == DomainPower::Missing);
    ours = s.hypervisor.list_domain_uuids();
    CHECK(std::count(ours.begin(), ours.end(), s.instance_uuid) == 0);
    CHECK(eventually([&] { return ovs_interface_of(s.port_id).empty(); }, std::chrono::seconds(30)));
    disks.remove_instance(s.instance_uuid);
    CHECK_FALSE(fs::exists(files.directory));
    s.hypervisor.destroy_and_undefine(s.instance_uuid);
    disks.remove_instance(s.instance_uuid);
    CHECK_THROWS_AS(s.hypervisor.start(s.instance_uuid), stratus::Error);
    // The base images stay in the cache until cleanup finds them unused.
    CHECK(disks.base_images_in_use().empty());
    CHECK(cache.remove_unused({}, std::chrono::seconds(0)).size() == 3);
  }
}
