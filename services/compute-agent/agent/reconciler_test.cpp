// The reconciler's decisions and their effects, against fakes of compute, libvirt, the disks
// and the image cache (pure logic: the real drivers are tested in tests/compute-agent).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "common/error/error.h"
#include "services/compute-agent/agent/reconciler.h"

using namespace stratus::compute_agent;
namespace v1 = cloud::compute::v1;

namespace {

const std::string kInstance = "11111111-2222-4333-8444-555555555555";
const std::string kImage = "aaaaaaaa-2222-4333-8444-555555555555";
const std::string kKernel = "bbbbbbbb-2222-4333-8444-555555555555";
const std::string kPort = "cccccccc-2222-4333-8444-555555555555";

class FakeCompute : public ComputeSource {
 public:
  std::optional<v1::InstanceSpec> instance_spec(const std::string& id) override {
    if (unavailable) throw stratus::unavailable("compute down");
    auto it = specs.find(id);
    if (it == specs.end()) return std::nullopt;
    return it->second;
  }
  std::vector<v1::InstanceSpec> instances_on_host(const std::string&) override {
    std::vector<v1::InstanceSpec> out;
    for (auto& [id, spec] : specs) out.push_back(spec);
    return out;
  }
  void report(const v1::ReportInstanceRequest& r) override { reports.push_back(r); }
  void report_volume(const v1::ReportVolumeRequest& r) override { volume_reports.push_back(r); }
  std::string download_image(const std::string&, const std::string& image_id, const std::string&) override {
    downloads.push_back(image_id);
    return "sha";
  }
  void upload_snapshot(const std::string&, const std::string& image_id, const std::string& path) override {
    if (refuse_upload) throw stratus::Error(stratus::ErrorCode::FailedPrecondition, "image is not queued");
    uploads.push_back(image_id + " " + path);
  }
  std::map<std::string, v1::InstanceSpec> specs;
  std::vector<std::string> uploads;
  bool refuse_upload = false;
  std::vector<v1::ReportInstanceRequest> reports;
  std::vector<v1::ReportVolumeRequest> volume_reports;
  std::vector<std::string> downloads;
  bool unavailable = false;
};

class FakeHypervisor : public Hypervisor {
 public:
  void define_and_start(const DomainSpec& spec) override {
    calls.push_back("define_and_start");
    if (refuse_start) throw stratus::Error(stratus::ErrorCode::Internal, "libvirt says no");
    last_spec = spec;
    domains[spec.instance_uuid] = DomainPower::Running;
  }
  void shutdown(const std::string& id, std::chrono::seconds) override {
    calls.push_back("shutdown");
    if (domains.count(id)) domains[id] = DomainPower::Shutoff;
  }
  void destroy_and_undefine(const std::string& id) override {
    calls.push_back("destroy_and_undefine");
    domains.erase(id);
  }
  void reboot(const std::string& id, bool hard) override {
    calls.push_back(hard ? "reboot-hard" : "reboot-soft");
    domains[id] = DomainPower::Running;
  }
  void start(const std::string& id) override {
    calls.push_back("start");
    domains[id] = DomainPower::Running;
  }
  void set_paused(const std::string& id, bool paused) override {
    calls.push_back(paused ? "pause" : "resume");
    if (paused && domains[id] == DomainPower::Running) domains[id] = DomainPower::Paused;
    if (!paused && domains[id] == DomainPower::Paused) domains[id] = DomainPower::Running;
  }
  DomainPower power(const std::string& id) override {
    auto it = domains.find(id);
    return it == domains.end() ? DomainPower::Missing : it->second;
  }
  std::vector<std::string> list_domain_uuids() override {
    std::vector<std::string> out;
    for (auto& [id, p] : domains) out.push_back(id);
    return out;
  }
  std::string console_log_tail(const std::string&, std::size_t) override { return "console text"; }
  std::unique_ptr<ConsoleStream> open_console(const std::string&) override { return nullptr; }
  HostCapacity capacity() override { return {}; }
  std::vector<VolumeOnDomain> volumes(const std::string& id) override {
    return domains.count(id) ? attached[id] : std::vector<VolumeOnDomain>{};
  }
  void attach_volume(const std::string& id, const DomainDisk& disk) override {
    calls.push_back("attach " + disk.serial + " " + disk.target_dev);
    if (refuse_attach) throw stratus::Error(stratus::ErrorCode::Internal, "no such file");
    bool running = domains[id] == DomainPower::Running;
    attached[id].push_back({disk.serial, disk.target_dev, disk.path, running, true});
  }
  void detach_volume(const std::string& id, const std::string& volume_id, std::chrono::seconds) override {
    calls.push_back("detach " + volume_id);
    auto& list = attached[id];
    list.erase(std::remove_if(list.begin(), list.end(), [&](const VolumeOnDomain& v) { return v.volume_id == volume_id; }),
               list.end());
  }
  std::map<std::string, std::vector<VolumeOnDomain>> attached;
  bool refuse_attach = false;

  std::map<std::string, DomainPower> domains;
  std::vector<std::string> calls;
  DomainSpec last_spec;
  bool refuse_start = false;
};

class FakeDisks : public DiskManager {
 public:
  InstanceDisks prepare(const InstanceDisksSpec& spec) override {
    prepared.push_back(spec);
    dirs.insert(spec.instance_uuid);
    return paths(spec.instance_uuid);
  }
  InstanceDisks paths(const std::string& id) override {
    InstanceDisks d;
    d.directory = "/i/" + id;
    d.root = d.directory + "/disk";
    d.config_drive = d.directory + "/disk.config";
    d.console_log = d.directory + "/console.log";
    return d;
  }
  void remove_instance(const std::string& id) override {
    dirs.erase(id);
    generations.erase(id);
  }
  std::vector<std::string> instance_uuids() override { return {dirs.begin(), dirs.end()}; }
  std::set<std::string> base_images_in_use() override { return {}; }
  std::uint64_t applied_reboot_generation(const std::string& id) override {
    return generations.count(id) ? generations[id] : 0;
  }
  void set_applied_reboot_generation(const std::string& id, std::uint64_t g) override { generations[id] = g; }
  std::uint64_t applied_snapshot_generation(const std::string& id) override {
    return snapshot_generations.count(id) ? snapshot_generations[id] : 0;
  }
  void set_applied_snapshot_generation(const std::string& id, std::uint64_t g) override { snapshot_generations[id] = g; }
  std::string copy_root_disk(const std::string& id) override { return paths(id).directory + "/snapshot.qcow2"; }
  std::map<std::string, std::uint64_t> snapshot_generations;
  std::set<std::string> dirs;
  std::map<std::string, std::uint64_t> generations;
  std::vector<InstanceDisksSpec> prepared;
};

class FakeImages : public ImageCache {
 public:
  std::string acquire(const std::string& id, const ImageFetcher& fetch) override {
    fetch(id, "/cache/.partial");
    return "/cache/" + id;
  }
  std::set<std::string> remove_unused(const std::set<std::string>&, std::chrono::seconds) override { return {}; }
};

v1::InstanceSpec building_spec() {
  v1::InstanceSpec spec;
  spec.set_instance_id(kInstance);
  spec.set_name("web-1");
  spec.set_hostname("web-1");
  spec.set_host("node-1");
  spec.set_vm_state(v1::VM_STATE_BUILD);
  spec.set_task_state(v1::TASK_STATE_SPAWNING);
  spec.set_desired_power_state(v1::POWER_STATE_RUNNING);
  spec.set_vcpus(1);
  spec.set_ram_mib(256);
  spec.set_disk_gib(1);
  spec.mutable_image()->set_id(kImage);
  spec.mutable_image()->set_disk_format("raw");
  auto* port = spec.add_ports();
  port->set_port_id(kPort);
  port->set_mac_address("fa:16:3e:00:00:01");
  port->set_mtu(1450);
  spec.mutable_config_drive()->set_hostname("web-1");
  return spec;
}

struct World {
  FakeCompute compute;
  FakeHypervisor hypervisor;
  FakeDisks disks;
  FakeImages images;
  std::chrono::steady_clock::time_point now{};
  AgentSettings settings = [] {
    AgentSettings s;
    s.host = "node-1";
    s.orphan_grace = std::chrono::seconds(600);
    return s;
  }();
  stratus::log::Logger logger{"test", stratus::log::Level::Error, stratus::log::Format::Text,
                              std::make_shared<stratus::log::Sink>(std::cerr)};
  Reconciler reconciler{settings, compute, hypervisor, disks, images, logger, [this] { return now; }};

  v1::InstanceSpec& spec() { return compute.specs[kInstance]; }
  const v1::ReportInstanceRequest& last_report() { return compute.reports.back(); }
};

}  // namespace

TEST_CASE("decide: the table") {
  auto spec = building_spec();
  CHECK(decide(spec, DomainPower::Missing, 0, 0) == Action::Spawn);
  CHECK(decide(spec, DomainPower::Shutoff, 0, 0) == Action::Spawn);  // defined, start died
  CHECK(decide(spec, DomainPower::Running, 0, 0) == Action::ReportSpawned);

  spec.set_vm_state(v1::VM_STATE_ACTIVE);
  spec.set_task_state(v1::TASK_STATE_NONE);
  CHECK(decide(spec, DomainPower::Running, 0, 0) == Action::ReportPower);
  CHECK(decide(spec, DomainPower::Missing, 0, 0) == Action::ReportPower);  // vanished: report, never respawn
  CHECK(decide(spec, DomainPower::Shutoff, 0, 0) == Action::ReportPower);  // guest powered off itself
  CHECK(decide(spec, DomainPower::Crashed, 0, 0) == Action::ReportPower);

  spec.set_task_state(v1::TASK_STATE_POWERING_ON);
  CHECK(decide(spec, DomainPower::Shutoff, 0, 0) == Action::Start);
  CHECK(decide(spec, DomainPower::Running, 0, 0) == Action::ReportStarted);

  spec.set_task_state(v1::TASK_STATE_POWERING_OFF);
  spec.set_desired_power_state(v1::POWER_STATE_SHUTDOWN);
  CHECK(decide(spec, DomainPower::Running, 0, 0) == Action::Stop);
  CHECK(decide(spec, DomainPower::Paused, 0, 0) == Action::Stop);
  CHECK(decide(spec, DomainPower::Shutoff, 0, 0) == Action::ReportStopped);
  spec.set_task_state(v1::TASK_STATE_NONE);
  CHECK(decide(spec, DomainPower::Shutoff, 0, 0) == Action::ReportPower);

  spec.set_desired_power_state(v1::POWER_STATE_RUNNING);
  spec.set_task_state(v1::TASK_STATE_REBOOTING);
  spec.set_reboot_generation(3);
  CHECK(decide(spec, DomainPower::Running, 2, 0) == Action::Reboot);
  CHECK(decide(spec, DomainPower::Shutoff, 2, 0) == Action::Reboot);
  CHECK(decide(spec, DomainPower::Running, 3, 0) == Action::ReportRebooted);  // applied, report lost
  spec.set_task_state(v1::TASK_STATE_NONE);
  CHECK(decide(spec, DomainPower::Running, 3, 0) == Action::ReportPower);

  spec.set_task_state(v1::TASK_STATE_IMAGE_SNAPSHOT);
  spec.mutable_snapshot()->set_image_id(kImage);
  spec.mutable_snapshot()->set_generation(4);
  CHECK(decide(spec, DomainPower::Running, 3, 3) == Action::Snapshot);
  CHECK(decide(spec, DomainPower::Shutoff, 3, 3) == Action::Snapshot);  // a stopped server too
  CHECK(decide(spec, DomainPower::Running, 3, 4) == Action::ReportSnapshotUploaded);  // report lost
  CHECK(decide(spec, DomainPower::Missing, 3, 3) == Action::ReportPower);  // no disk to copy

  spec.set_deleted(true);
  CHECK(decide(spec, DomainPower::Running, 0, 0) == Action::Delete);
  CHECK(decide(spec, DomainPower::Missing, 0, 0) == Action::Delete);
}

TEST_CASE("a build is spawned from the cached image with the port on the integration bridge, and reported") {
  World w;
  w.spec() = building_spec();
  CHECK(w.reconciler.reconcile(kInstance) == Action::Spawn);
  CHECK(w.compute.downloads == std::vector<std::string>{kImage});
  REQUIRE(w.disks.prepared.size() == 1);
  CHECK(w.disks.prepared[0].base_image_path == "/cache/" + kImage);
  CHECK(w.disks.prepared[0].root_gib == 1);
  REQUIRE(w.disks.prepared[0].config_drive);
  CHECK(w.disks.prepared[0].config_drive->hostname == "web-1");
  CHECK(w.hypervisor.last_spec.name == "stratus-" + kInstance);
  REQUIRE(w.hypervisor.last_spec.nics.size() == 1);
  CHECK(w.hypervisor.last_spec.nics[0].port_id == kPort);
  CHECK(w.hypervisor.last_spec.nics[0].bridge == "br-int");
  CHECK(w.hypervisor.last_spec.nics[0].mtu == 1450);
  CHECK_FALSE(w.hypervisor.last_spec.kernel_boot);
  CHECK(w.last_report().event() == v1::INSTANCE_EVENT_SPAWNED);
  CHECK(w.last_report().power_state() == v1::POWER_STATE_RUNNING);
  CHECK(w.last_report().host() == "node-1");
  CHECK(w.last_report().console_log_tail() == "console text");

  // The same cast again (or a resync) spawns nothing more: it only repeats the report.
  CHECK(w.reconciler.reconcile(kInstance) == Action::ReportSpawned);
  CHECK(w.hypervisor.calls == std::vector<std::string>{"define_and_start"});
}

TEST_CASE("an ami with a kernel boots it directly, the kernel fetched through the cache") {
  World w;
  w.spec() = building_spec();
  w.spec().mutable_image()->set_disk_format("ami");
  w.spec().mutable_kernel()->set_id(kKernel);
  w.reconciler.reconcile(kInstance);
  REQUIRE(w.hypervisor.last_spec.kernel_boot);
  CHECK(w.hypervisor.last_spec.kernel_boot->kernel_path == "/cache/" + kKernel);
  CHECK(w.hypervisor.last_spec.kernel_boot->initrd_path.empty());
  CHECK(w.disks.prepared[0].base_image_format == "raw");
  CHECK(w.disks.prepared[0].other_cached_images == std::vector<std::string>{"/cache/" + kKernel});
}

TEST_CASE("a spawn libvirt refuses is reported SPAWN_FAILED with the message, leaving no domain") {
  World w;
  w.spec() = building_spec();
  w.hypervisor.refuse_start = true;
  CHECK(w.reconciler.reconcile(kInstance) == Action::Spawn);
  CHECK(w.last_report().event() == v1::INSTANCE_EVENT_SPAWN_FAILED);
  CHECK_THAT(w.last_report().fault_message(), Catch::Contains("libvirt says no"));
  CHECK(w.hypervisor.domains.empty());
}

TEST_CASE("an image format that cannot boot fails the spawn without touching libvirt") {
  World w;
  w.spec() = building_spec();
  w.spec().mutable_image()->set_disk_format("vmdk");
  w.reconciler.reconcile(kInstance);
  CHECK(w.last_report().event() == v1::INSTANCE_EVENT_SPAWN_FAILED);
  CHECK_THAT(w.last_report().fault_message(), Catch::Contains("vmdk"));
  CHECK(std::count(w.hypervisor.calls.begin(), w.hypervisor.calls.end(), "define_and_start") == 0);
}

TEST_CASE("compute unreachable is thrown for the queue to retry, and nothing is changed") {
  World w;
  w.spec() = building_spec();
  w.compute.unavailable = true;
  CHECK_THROWS_AS(w.reconciler.reconcile(kInstance), stratus::Error);
  CHECK(w.hypervisor.calls.empty());
  CHECK(w.compute.reports.empty());
}

TEST_CASE("stop, start and reboot follow the spec, and a reboot is applied once per generation") {
  World w;
  w.spec() = building_spec();
  w.reconciler.reconcile(kInstance);
  w.spec().set_vm_state(v1::VM_STATE_ACTIVE);

  w.spec().set_desired_power_state(v1::POWER_STATE_SHUTDOWN);
  w.spec().set_task_state(v1::TASK_STATE_POWERING_OFF);
  CHECK(w.reconciler.reconcile(kInstance) == Action::Stop);
  CHECK(w.last_report().event() == v1::INSTANCE_EVENT_STOPPED);
  CHECK(w.last_report().power_state() == v1::POWER_STATE_SHUTDOWN);

  w.spec().set_desired_power_state(v1::POWER_STATE_RUNNING);
  w.spec().set_task_state(v1::TASK_STATE_POWERING_ON);
  CHECK(w.reconciler.reconcile(kInstance) == Action::Start);
  CHECK(w.last_report().event() == v1::INSTANCE_EVENT_STARTED);
  CHECK(w.last_report().power_state() == v1::POWER_STATE_RUNNING);

  w.spec().set_task_state(v1::TASK_STATE_REBOOTING_HARD);
  w.spec().set_reboot_generation(1);
  w.spec().set_reboot_hard(true);
  CHECK(w.reconciler.reconcile(kInstance) == Action::Reboot);
  CHECK(w.hypervisor.calls.back() == "reboot-hard");
  CHECK(w.last_report().event() == v1::INSTANCE_EVENT_REBOOTED);
  CHECK(w.last_report().reboot_generation() == 1);
  // The same generation again (a duplicate cast, a resync, a restarted agent) does not
  // reboot; while compute still shows the reboot, the REBOOTED report is repeated.
  CHECK(w.reconciler.reconcile(kInstance) == Action::ReportRebooted);
  CHECK(w.last_report().event() == v1::INSTANCE_EVENT_REBOOTED);
  CHECK(w.last_report().reboot_generation() == 1);
  w.spec().set_task_state(v1::TASK_STATE_NONE);
  CHECK(w.reconciler.reconcile(kInstance) == Action::ReportPower);
  CHECK(w.last_report().reboot_generation() == 1);
  CHECK(std::count(w.hypervisor.calls.begin(), w.hypervisor.calls.end(), "reboot-hard") == 1);

  // Soft: a clean power-off and a start.
  w.spec().set_task_state(v1::TASK_STATE_REBOOTING);
  w.spec().set_reboot_generation(2);
  w.spec().set_reboot_hard(false);
  w.hypervisor.calls.clear();
  CHECK(w.reconciler.reconcile(kInstance) == Action::Reboot);
  CHECK(w.hypervisor.calls == std::vector<std::string>{"shutdown", "start"});
  CHECK(w.last_report().reboot_generation() == 2);
  CHECK(w.last_report().power_state() == v1::POWER_STATE_RUNNING);
}

TEST_CASE("a snapshot pauses the guest only while its disk is copied, uploads once per generation") {
  World w;
  w.spec() = building_spec();
  w.reconciler.reconcile(kInstance);
  w.spec().set_vm_state(v1::VM_STATE_ACTIVE);
  w.spec().set_task_state(v1::TASK_STATE_IMAGE_SNAPSHOT);
  w.spec().mutable_snapshot()->set_image_id(kKernel);
  w.spec().mutable_snapshot()->set_generation(1);
  w.hypervisor.calls.clear();

  CHECK(w.reconciler.reconcile(kInstance) == Action::Snapshot);
  CHECK(w.hypervisor.calls == std::vector<std::string>{"pause", "resume"});
  CHECK(w.hypervisor.domains[kInstance] == DomainPower::Running);
  CHECK(w.compute.uploads == std::vector<std::string>{kKernel + " /i/" + kInstance + "/snapshot.qcow2"});
  CHECK(w.last_report().event() == v1::INSTANCE_EVENT_SNAPSHOT_UPLOADED);
  CHECK(w.last_report().snapshot_generation() == 1);
  // A duplicate cast or a resync before compute saw the report: reported again, not redone.
  CHECK(w.reconciler.reconcile(kInstance) == Action::ReportSnapshotUploaded);
  CHECK(w.compute.uploads.size() == 1);

  // An upload the image service refuses is the snapshot's failure, and the guest runs on.
  w.spec().mutable_snapshot()->set_generation(2);
  w.compute.refuse_upload = true;
  CHECK(w.reconciler.reconcile(kInstance) == Action::Snapshot);
  CHECK(w.last_report().event() == v1::INSTANCE_EVENT_SNAPSHOT_FAILED);
  CHECK(w.last_report().snapshot_generation() == 2);
  CHECK(w.last_report().fault_message().find("not queued") != std::string::npos);
  CHECK(w.hypervisor.domains[kInstance] == DomainPower::Running);
}

TEST_CASE("a guest that powered off behind our back is reported, not restarted") {
  World w;
  w.spec() = building_spec();
  w.reconciler.reconcile(kInstance);
  w.spec().set_vm_state(v1::VM_STATE_ACTIVE);
  w.spec().set_task_state(v1::TASK_STATE_NONE);
  w.hypervisor.domains[kInstance] = DomainPower::Shutoff;
  CHECK(w.reconciler.reconcile(kInstance) == Action::ReportPower);
  CHECK(w.last_report().power_state() == v1::POWER_STATE_SHUTDOWN);
  CHECK(w.last_report().event() == v1::INSTANCE_EVENT_NONE);
  CHECK(w.hypervisor.domains[kInstance] == DomainPower::Shutoff);
}

TEST_CASE("delete removes the domain and the files and reports DELETED, also when already gone") {
  World w;
  w.spec() = building_spec();
  w.reconciler.reconcile(kInstance);
  w.spec().set_deleted(true);
  CHECK(w.reconciler.reconcile(kInstance) == Action::Delete);
  CHECK(w.hypervisor.domains.empty());
  CHECK(w.disks.dirs.empty());
  CHECK(w.last_report().event() == v1::INSTANCE_EVENT_DELETED);
  CHECK(w.last_report().power_state() == v1::POWER_STATE_NOSTATE);
  CHECK(w.reconciler.reconcile(kInstance) == Action::Delete);
  CHECK(w.last_report().event() == v1::INSTANCE_EVENT_DELETED);
}

TEST_CASE("resync lists compute's instances, and removes unknown ones only after the grace period") {
  World w;
  w.spec() = building_spec();
  const std::string stray = "99999999-2222-4333-8444-555555555555";
  w.hypervisor.domains[stray] = DomainPower::Running;
  w.disks.dirs.insert(stray);

  CHECK(w.reconciler.resync_all() == std::vector<std::string>{kInstance});
  CHECK(w.hypervisor.domains.count(stray) == 1);  // first seen now
  w.now += std::chrono::seconds(599);
  w.reconciler.resync_all();
  CHECK(w.hypervisor.domains.count(stray) == 1);
  w.now += std::chrono::seconds(1);
  w.reconciler.resync_all();
  CHECK(w.hypervisor.domains.count(stray) == 0);
  CHECK(w.disks.dirs.count(stray) == 0);
}

TEST_CASE("an unknown instance that compute learns of within the grace period is kept") {
  World w;
  const std::string late = "88888888-2222-4333-8444-555555555555";
  w.hypervisor.domains[late] = DomainPower::Running;
  w.reconciler.resync_all();
  w.now += std::chrono::seconds(300);
  auto spec = building_spec();
  spec.set_instance_id(late);
  w.compute.specs[late] = spec;
  w.reconciler.resync_all();
  w.compute.specs.erase(late);
  w.now += std::chrono::seconds(400);  // 700 s since first seen, 400 since last unknown
  w.reconciler.resync_all();
  CHECK(w.hypervisor.domains.count(late) == 1);
}

namespace {
const std::string kVolume = "dddddddd-2222-4333-8444-555555555555";
const std::string kOther = "eeeeeeee-2222-4333-8444-555555555555";

v1::InstanceSpec active_spec_with_volume(v1::AttachmentStatus status) {
  auto spec = building_spec();
  spec.set_vm_state(v1::VM_STATE_ACTIVE);
  spec.set_task_state(v1::TASK_STATE_NONE);
  auto* v = spec.add_volumes();
  v->set_volume_id(kVolume);
  v->set_device("vdb");
  v->set_status(status);
  v->set_driver("file");
  v->set_path("/volumes/volume-" + kVolume + ".qcow2");
  v->set_format("qcow2");
  return spec;
}
}  // namespace

TEST_CASE("plan_volumes: the table") {
  auto attaching = active_spec_with_volume(v1::ATTACHMENT_STATUS_ATTACHING);
  auto steps = plan_volumes(attaching, {}, true);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].action == VolumeAction::Attach);
  CHECK(steps[0].report);
  // Only in the definition of a running domain: the live half is missing.
  steps = plan_volumes(attaching, {{kVolume, "vdb", "/p", false, true}}, true);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].action == VolumeAction::Attach);
  // There (a stopped domain needs only the definition): the report was lost.
  steps = plan_volumes(attaching, {{kVolume, "vdb", "/p", false, true}}, false);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].action == VolumeAction::ReportAttached);

  auto attached = active_spec_with_volume(v1::ATTACHMENT_STATUS_ATTACHED);
  CHECK(plan_volumes(attached, {{kVolume, "vdb", "/p", true, true}}, true).empty());
  steps = plan_volumes(attached, {}, true);  // lost behind our back: put back, nothing to report
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].action == VolumeAction::Attach);
  CHECK_FALSE(steps[0].report);

  auto detaching = active_spec_with_volume(v1::ATTACHMENT_STATUS_DETACHING);
  steps = plan_volumes(detaching, {{kVolume, "vdb", "/p", true, true}}, true);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].action == VolumeAction::Detach);
  steps = plan_volumes(detaching, {}, true);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].action == VolumeAction::ReportDetached);

  steps = plan_volumes(attached, {{kVolume, "vdb", "/p", true, true}, {kOther, "vdc", "/q", true, true}}, true);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].action == VolumeAction::DetachStray);
  CHECK(steps[0].volume_id == kOther);
}

TEST_CASE("a volume being attached is connected to the running domain and reported, once") {
  World w;
  w.spec() = active_spec_with_volume(v1::ATTACHMENT_STATUS_ATTACHING);
  w.hypervisor.domains[kInstance] = DomainPower::Running;
  w.reconciler.reconcile(kInstance);
  REQUIRE(w.compute.volume_reports.size() == 1);
  CHECK(w.compute.volume_reports[0].event() == v1::VOLUME_EVENT_ATTACHED);
  CHECK(w.compute.volume_reports[0].volume_id() == kVolume);
  CHECK(w.hypervisor.calls.back() == "attach " + kVolume + " vdb");

  // Compute took the report: ATTACHED now; another look changes nothing.
  w.spec().mutable_volumes(0)->set_status(v1::ATTACHMENT_STATUS_ATTACHED);
  w.hypervisor.calls.clear();
  w.reconciler.reconcile(kInstance);
  CHECK(w.compute.volume_reports.size() == 1);
  CHECK(w.hypervisor.calls.empty());
}

TEST_CASE("an attach libvirt refuses is reported ATTACH_FAILED with the message") {
  World w;
  w.spec() = active_spec_with_volume(v1::ATTACHMENT_STATUS_ATTACHING);
  w.hypervisor.domains[kInstance] = DomainPower::Running;
  w.hypervisor.refuse_attach = true;
  w.reconciler.reconcile(kInstance);
  REQUIRE(w.compute.volume_reports.size() == 1);
  CHECK(w.compute.volume_reports[0].event() == v1::VOLUME_EVENT_ATTACH_FAILED);
  CHECK(w.compute.volume_reports[0].fault_message().find("no such file") != std::string::npos);
}

TEST_CASE("a detach takes the disk off and reports DETACHED; a disk compute does not list goes quietly") {
  World w;
  w.spec() = active_spec_with_volume(v1::ATTACHMENT_STATUS_DETACHING);
  w.hypervisor.domains[kInstance] = DomainPower::Running;
  w.hypervisor.attached[kInstance] = {{kVolume, "vdb", "/p", true, true}, {kOther, "vdc", "/q", true, true}};
  w.reconciler.reconcile(kInstance);
  REQUIRE(w.compute.volume_reports.size() == 1);
  CHECK(w.compute.volume_reports[0].event() == v1::VOLUME_EVENT_DETACHED);
  CHECK(w.hypervisor.attached[kInstance].empty());
}

TEST_CASE("a spawn defines the domain with its attached volumes, not the detaching ones") {
  World w;
  auto spec = active_spec_with_volume(v1::ATTACHMENT_STATUS_ATTACHED);
  spec.set_vm_state(v1::VM_STATE_BUILD);
  spec.set_task_state(v1::TASK_STATE_SPAWNING);
  auto* gone = spec.add_volumes();
  gone->set_volume_id(kOther);
  gone->set_device("vdc");
  gone->set_status(v1::ATTACHMENT_STATUS_DETACHING);
  gone->set_path("/q");
  w.spec() = spec;
  w.reconciler.reconcile(kInstance);
  int volumes = 0;
  for (const auto& d : w.hypervisor.last_spec.disks)
    if (!d.serial.empty()) {
      ++volumes;
      CHECK(d.serial == kVolume);
      CHECK(d.target_dev == "vdb");
    }
  CHECK(volumes == 1);
}
