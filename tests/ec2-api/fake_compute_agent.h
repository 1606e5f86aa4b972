#pragma once
// A stand-in for one hypervisor's compute agent (and, for its ports, the network agent), for
// the EC2 suite, which runs no libvirt: it registers a host through compute's real
// ComputeAgent API, heartbeats, and every few hundred milliseconds does what a real agent's
// resync does: reads ListInstancesOnHost and reports what a hypervisor would have done
// (spawned with a console line, stopped, started, rebooted, deleted), and reports the ports
// of a spawning instance ACTIVE as the host's network agent would, and connects and
// disconnects the volumes the spec lists (their qcow2 file must be where block storage said,
// as libvirt would need it) and reports them attached or detached. The states the EC2 front
// shows therefore come from compute's and block storage's own state machines; only the
// hypervisor is pretend.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "compute/v1/compute.grpc.pb.h"
#include "network/v1/network.grpc.pb.h"

namespace stratus::ec2_test {

class FakeComputeAgent {
 public:
  // `token`: a credential that may act for any host (the suite's admin).
  FakeComputeAgent(const std::string& compute_address, const std::string& network_address, std::string token,
                   std::string host, std::string zone);
  ~FakeComputeAgent();
  FakeComputeAgent(const FakeComputeAgent&) = delete;
  FakeComputeAgent& operator=(const FakeComputeAgent&) = delete;

  // What the pretend guest prints on its serial console.
  static std::string console_text(const std::string& hostname);
  // The user data of every instance spawned here, as compute put it on the config drive.
  std::set<std::string> user_data_seen() const;
  // The files of every volume connected to a pretend domain here.
  std::set<std::string> volume_files_attached() const;

 private:
  void loop();
  void reconcile(const cloud::compute::v1::InstanceSpec& spec);
  void reconcile_volumes(const cloud::compute::v1::InstanceSpec& spec);
  void report_volume(const std::string& instance_id, const std::string& volume_id, cloud::compute::v1::VolumeEvent event,
                     const std::string& fault = "");
  void report(const std::string& instance_id, cloud::compute::v1::InstanceEvent event, cloud::compute::v1::PowerState power,
              uint64_t reboot_generation = 0, const std::string* console = nullptr);

  std::unique_ptr<cloud::compute::v1::ComputeAgent::Stub> compute_;
  std::unique_ptr<cloud::network::v1::NetworkAgent::Stub> network_;
  std::string token_, host_, zone_;
  std::map<std::string, uint64_t> rebooted_;  // instance -> last reboot generation applied
  std::map<std::string, std::set<std::string>> disks_;  // instance -> volume ids on its pretend domain
  mutable std::mutex mutex_;
  std::set<std::string> user_data_;
  std::set<std::string> volume_files_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace stratus::ec2_test
