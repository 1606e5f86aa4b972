#include "tests/ec2-api/fake_compute_agent.h"

#include <chrono>
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
