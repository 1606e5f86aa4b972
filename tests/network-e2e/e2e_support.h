#pragma once
// What the end-to-end network tests share:
//  - Cloud: one stratus-identity, one stratus-network (each on a database of its own) and one
//    stratus-network-agent process for the whole test binary, the agent on an integration and
//    an external bridge of its own (unique names, netdev datapath) of the machine's OVS, and
//    an external network (a floating-IP pool 172.24.<x>.0/24, made by the admin).
//  - Tenants made through identity's API, with a client of the network API carrying their token.
//  - Rack: network namespaces standing in for VMs (a veth end with the port's MAC/IP, the other
//    end on the integration bridge with external_ids:iface-id=<port id>) and for the outside
//    (on the external bridge, holding the external gateway address, no other route).
// Everything (namespaces, veths, bridges, processes, databases) goes with the objects; what a
// killed run left behind (names carrying a pid that is gone) is swept at the next start.
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "identity/v1/identity.grpc.pb.h"
#include "network/v1/network.grpc.pb.h"
#include "tests/support/authorized_client.h"
#include "tests/support/identity_setup.h"
#include "tests/support/reply.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"

namespace stratus::network_e2e {

namespace v1 = cloud::network::v1;
using Stub = v1::Network::Stub;
using namespace std::chrono_literals;

// ---- shell ----
struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr
};
CommandResult run(const std::string& command);
bool sh(const std::string& command);           // exit status 0
std::string must(const std::string& command);  // its output; throws when it fails

// ---- the agent process (it serves no gRPC, so not a test_support::ServiceProcess) ----
class AgentProcess {
 public:
  AgentProcess(std::string binary, std::map<std::string, std::string> env);
  ~AgentProcess();
  AgentProcess(const AgentProcess&) = delete;
  AgentProcess& operator=(const AgentProcess&) = delete;

  void start();  // a new log file per start
  int stop();    // SIGTERM, wait (SIGKILL after 15 s); the exit code, 128 + signal if killed
  bool running();
  std::string log_text() const;  // of the current (last) start
  std::string log_tail(size_t lines = 40) const;

 private:
  bool reap(bool block);

  std::string binary_;
  std::map<std::string, std::string> env_;
  std::string temp_dir_;
  std::string log_path_;
  int starts_ = 0;
  pid_t pid_ = -1;
  int exit_code_ = -1;
  bool exited_ = true;
};

// ---- the network API ----
using test_support::must;
using test_support::Reply;

class NetworkClient : public test_support::AuthorizedClient<Stub> {
 public:
  // `binder`: who binds this client's ports to a host (compute's part: the service role or
  // an admin); null when this client may itself.
  NetworkClient(std::shared_ptr<grpc::Channel> channel, std::string token, const NetworkClient* binder = nullptr)
      : AuthorizedClient(channel, std::move(token)), binder_(binder) {}

  // Set-up steps (throw on failure).
  v1::NetworkInfo network(const std::string& name, bool external = false) const;
  v1::Subnet subnet(const std::string& network, const std::string& cidr, const std::string& pool_start = "",
                    const std::string& pool_end = "") const;
  // A port bound to `host` (by the binder, as compute would); `groups` absent: the project's
  // default group.
  v1::Port port(const std::string& network, const std::string& name, const std::string& host,
                const std::vector<std::string>* groups = nullptr, const std::string& ip = "") const;
  v1::SecurityGroup group(const std::string& name) const;
  // protocol "any"/"tcp"/"icmp"; port 0: all; remote "" = anywhere.
  v1::SecurityGroupRule rule(const std::string& group, const std::string& direction, const std::string& protocol,
                             int port = 0, const std::string& remote_ip_prefix = "") const;
  Reply<v1::Empty> delete_rule(const std::string& rule_id) const;
  Reply<v1::Port> get_port(const std::string& port) const;

 private:
  const NetworkClient* binder_;
};

struct Tenant {
  std::string project_id;
  NetworkClient api;
};

// ---- the cloud ----
class Cloud {
 public:
  static Cloud& instance();  // started on first use, stopped at exit
  ~Cloud();

  Tenant tenant(const std::string& name);
  const NetworkClient& admin() const { return *admin_; }
  const std::string& host() const { return host_; }  // agent.host
  const std::string& integration_bridge() const { return integration_bridge_; }
  const std::string& external_bridge() const { return external_bridge_; }
  AgentProcess& agent() { return *agent_; }
  // For failure reports: the last lines the network service and the agent wrote.
  std::string logs_tail(size_t lines = 30) const;
  static bool started();  // instance() has been made (without making it)

  // The admin's external network (made on first use): its id, "172.24.<x>", its gateway.
  const v1::NetworkInfo& external_network();
  std::string external_prefix() const { return "172.24." + std::to_string(external_octet_); }
  std::string external_gateway() const { return external_prefix() + ".1"; }

  // The agent's flows now: `ovs-ofctl dump-flows` without stats and without the flows OVS
  // learns itself (cookie 0x2), one flow a line, sorted.
  std::vector<std::string> flows(const std::string& bridge) const;
  std::vector<std::string> port_flows(const std::string& port_id) const;  // by its cookie on br-int

 private:
  Cloud();
  void cleanup_ovs();

  std::string suffix_;
  std::string host_;
  std::string integration_bridge_, external_bridge_;
  int external_octet_ = 0;
  test_support::TestDatabase identity_db_, network_db_;
  std::unique_ptr<test_support::ServiceProcess> identity_, network_;
  std::unique_ptr<AgentProcess> agent_;
  std::unique_ptr<test_support::IdentitySetup> identity_setup_;
  std::unique_ptr<NetworkClient> admin_;
  std::unique_ptr<v1::NetworkInfo> external_;
};

// The agent's cookie of a port's flows (domain/flow_compiler.cpp: port_cookie), as ovs-ofctl prints it.
std::string port_cookie(const std::string& port_id);

// The first fixed address of a port.
std::string ip_of(const v1::Port& port);

// Waits until the API says the port is `status` (ACTIVE/DOWN); false after `timeout`.
bool port_status_becomes(const NetworkClient& api, const std::string& port_id, const std::string& status,
                         std::chrono::milliseconds timeout = 15s);

// ---- namespaces on the cloud's bridges ----
class Rack {
 public:
  Rack();
  ~Rack();
  Rack(const Rack&) = delete;
  Rack& operator=(const Rack&) = delete;

  // A "VM": namespace `name` with the port's MAC and first fixed IP (/24), default route via
  // `gateway` (if any), plugged into the integration bridge with iface-id = the port's id.
  void plug_vm(const std::string& name, const v1::Port& port, const std::string& gateway);
  // An interface on the integration bridge whose iface-id names no port of this cloud
  // (another system's, or mistyped): the agent must wire the others regardless.
  void plug_foreign(const std::string& name, const std::string& iface_id);
  // Takes the VM's interface off the integration bridge (what deleting a VM does).
  void unplug_vm(const std::string& name);
  // The outside: `address`/24 on the external bridge, no other route.
  void add_outside(const std::string& name, const std::string& address);

  bool ping(const std::string& from, const std::string& address);
  bool tcp_connects(const std::string& from, const std::string& address, int port, int wait_seconds = 2);
  void listen_tcp(const std::string& name, int port);  // accepts forever
  std::string ns(const std::string& name) const { return prefix_ + name; }
  std::string inner(const std::string& name) const { return veth(name, 'i'); }
  std::string outer(const std::string& name) const { return veth(name, 'o'); }  // the host's end

 private:
  std::string veth(const std::string& name, char side) const;
  void make_pair(const std::string& name);

  std::string prefix_, veth_prefix_;
  std::vector<std::string> namespaces_;
  std::vector<std::pair<std::string, std::string>> ovs_ports_;  // (bridge, port)
};

// "name-1a2b3c": unique per call.
std::string unique(const std::string& name);

}  // namespace stratus::network_e2e
