#include "tests/ec2-api/fake_compute_agent.h"

#include <chrono>
#include <filesystem>
#include <stdexcept>

namespace stratus::ec2_test {

namespace v1 = cloud::compute::v1;
namespace net = cloud::network::v1;

namespace {

template <typename Stub, typename Request, typename Response>
grpc::Status invoke(Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response, const std::string& token) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  context.AddMetadata("authorization", "Bearer " + token);
  return (stub.*method)(&context, request, response);
}

}  // namespace

FakeComputeAgent::FakeComputeAgent(const std::string& compute_address, const std::string& network_address,
                                   std::string token, std::string host, std::string zone)
    : compute_(v1::ComputeAgent::NewStub(grpc::CreateChannel(compute_address, grpc::InsecureChannelCredentials()))),
      network_(net::NetworkAgent::NewStub(grpc::CreateChannel(network_address, grpc::InsecureChannelCredentials()))),
      token_(std::move(token)),
      host_(std::move(host)),
      zone_(std::move(zone)) {
  v1::RegisterHostRequest request;
  request.set_host(host_);
  request.set_vcpus(16);
  request.set_ram_mib(32768);
  request.set_disk_gib(500);
  request.set_hypervisor_type("qemu");
  request.set_availability_zone(zone_);
  request.set_architecture("x86_64");
  request.set_agent_version("ec2-test-fake");
  v1::Host registered;
  auto status = invoke(*compute_, &v1::ComputeAgent::Stub::RegisterHost, request, &registered, token_);
  if (!status.ok()) throw std::runtime_error("registering the fake host: " + status.error_message());
  thread_ = std::thread([this] { loop(); });
}

FakeComputeAgent::~FakeComputeAgent() {
  stop_ = true;
  thread_.join();
}

std::string FakeComputeAgent::console_text(const std::string& hostname) {
  return "[    0.000000] Linux version 6.1.0 (fake guest of the EC2 suite)\n" + hostname + " login: \n";
}

std::set<std::string> FakeComputeAgent::user_data_seen() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return user_data_;
}

std::set<std::string> FakeComputeAgent::volume_files_attached() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return volume_files_;
}

void FakeComputeAgent::loop() {
  while (!stop_) {
    v1::HeartbeatRequest beat;
    beat.set_host(host_);
    google::protobuf::Empty empty;
    invoke(*compute_, &v1::ComputeAgent::Stub::Heartbeat, beat, &empty, token_);
    v1::ListInstancesOnHostRequest request;
    request.set_host(host_);
    v1::ListInstancesOnHostResponse listed;
    if (invoke(*compute_, &v1::ComputeAgent::Stub::ListInstancesOnHost, request, &listed, token_).ok())
      for (const auto& spec : listed.instances()) reconcile(spec);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

void FakeComputeAgent::reconcile(const v1::InstanceSpec& spec) {
  const std::string& id = spec.instance_id();
  if (spec.deleted()) {
    report(id, v1::INSTANCE_EVENT_DELETED, v1::POWER_STATE_NOSTATE);
    rebooted_.erase(id);
    disks_.erase(id);
    return;
  }
  if (spec.vm_state() == v1::VM_STATE_BUILD) {
    if (spec.task_state() != v1::TASK_STATE_SPAWNING) return;  // ports not made yet
    if (spec.config_drive().has_user_data()) {
      std::lock_guard<std::mutex> lock(mutex_);
      user_data_.insert(spec.config_drive().user_data());
    }
    std::string console = console_text(spec.hostname());
    report(id, v1::INSTANCE_EVENT_SPAWNED, v1::POWER_STATE_RUNNING, 0, &console);
    for (const auto& port : spec.ports()) {
      net::UpdatePortStatusRequest up;
      up.set_port_id(port.port_id());
      up.set_host(host_);
      up.set_status("ACTIVE");
      net::Port out;
      invoke(*network_, &net::NetworkAgent::Stub::UpdatePortStatus, up, &out, token_);
    }
    return;
  }
  if (spec.task_state() == v1::TASK_STATE_POWERING_OFF) {
    report(id, v1::INSTANCE_EVENT_STOPPED, v1::POWER_STATE_SHUTDOWN);
  } else if (spec.task_state() == v1::TASK_STATE_POWERING_ON) {
    report(id, v1::INSTANCE_EVENT_STARTED, v1::POWER_STATE_RUNNING);
  } else if (spec.reboot_generation() > rebooted_[id]) {
    report(id, v1::INSTANCE_EVENT_REBOOTED, v1::POWER_STATE_RUNNING, spec.reboot_generation());
    rebooted_[id] = spec.reboot_generation();
  }
  reconcile_volumes(spec);
}

// What the real agent's plan_volumes does, on a pretend domain: connect what is ATTACHING (or
// ATTACHED but missing), take off what is DETACHING or no longer listed, report each.
void FakeComputeAgent::reconcile_volumes(const v1::InstanceSpec& spec) {
  const std::string& id = spec.instance_id();
  auto& disks = disks_[id];
  std::set<std::string> listed;
  for (const auto& v : spec.volumes()) {
    listed.insert(v.volume_id());
    if (v.status() == v1::ATTACHMENT_STATUS_DETACHING) {
      disks.erase(v.volume_id());
      report_volume(id, v.volume_id(), v1::VOLUME_EVENT_DETACHED);
      continue;
    }
    if (!disks.count(v.volume_id())) {
      // libvirt would open this file: it must be where block storage said it is.
      if (v.driver() != "file" || !std::filesystem::is_regular_file(v.path())) {
        report_volume(id, v.volume_id(), v1::VOLUME_EVENT_ATTACH_FAILED,
                      "no volume file at " + v.path() + " (driver " + v.driver() + ")");
        continue;
      }
      disks.insert(v.volume_id());
      std::lock_guard<std::mutex> lock(mutex_);
      volume_files_.insert(v.path());
    }
    if (v.status() == v1::ATTACHMENT_STATUS_ATTACHING) report_volume(id, v.volume_id(), v1::VOLUME_EVENT_ATTACHED);
  }
  for (auto it = disks.begin(); it != disks.end();) it = listed.count(*it) ? std::next(it) : disks.erase(it);
}

void FakeComputeAgent::report_volume(const std::string& instance_id, const std::string& volume_id, v1::VolumeEvent event,
                                     const std::string& fault) {
  v1::ReportVolumeRequest request;
  request.set_instance_id(instance_id);
  request.set_volume_id(volume_id);
  request.set_event(event);
  request.set_fault_message(fault);
  google::protobuf::Empty empty;
  invoke(*compute_, &v1::ComputeAgent::Stub::ReportVolume, request, &empty, token_);
}

void FakeComputeAgent::report(const std::string& instance_id, v1::InstanceEvent event, v1::PowerState power,
                              uint64_t reboot_generation, const std::string* console) {
  v1::ReportInstanceRequest request;
  request.set_instance_id(instance_id);
  request.set_host(host_);
  request.set_event(event);
  request.set_power_state(power);
  request.set_reboot_generation(reboot_generation);
  if (console) request.set_console_log_tail(*console);
  google::protobuf::Empty empty;
  invoke(*compute_, &v1::ComputeAgent::Stub::ReportInstance, request, &empty, token_);
}

}  // namespace stratus::ec2_test
