#include "tests/network-e2e/e2e_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace stratus::network_e2e {

using test_support::eventually;

namespace {

const std::string kOvsdb = "unix:/var/run/openvswitch/db.sock";

std::mt19937& random_engine() {
  static std::mt19937 engine{std::random_device{}()};
  return engine;
}

std::string pid_hex() {
  char text[16];
  std::snprintf(text, sizeof text, "%x", static_cast<unsigned>(getpid()));
  return text;
}

bool pid_alive(const std::string& hex) {
  pid_t pid = static_cast<pid_t>(std::stoul(hex, nullptr, 16));
  return kill(pid, 0) == 0 || errno == EPERM;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

void remove_namespace(const std::string& name) {
  sh("ip netns pids " + name + " 2>/dev/null | xargs -r kill -9 2>/dev/null");
  sh("ip netns del " + name + " 2>/dev/null");
}

// What an earlier run of this test that was killed left behind: namespaces "e2e-<pid>-..."
// and bridges "e2ei<pid>"/"e2ex<pid>" whose pid is gone. Names of live runs are left alone.
void sweep_leftovers() {
  static const std::regex ns_name("^(e2e-([0-9a-f]+)-[A-Za-z0-9]+)( .*)?$");
  for (const auto& line : lines_of(run("ip netns list").output)) {
    std::smatch m;
    if (std::regex_match(line, m, ns_name) && !pid_alive(m[2])) remove_namespace(m[1]);
  }
  static const std::regex bridge_name("^e2e[ix]([0-9a-f]+)$");
  for (const auto& bridge : lines_of(run("ovs-vsctl --timeout=10 list-br").output)) {
    std::smatch m;
    if (std::regex_match(bridge, m, bridge_name) && !pid_alive(m[1]))
      sh("ovs-vsctl --timeout=10 --if-exists del-br " + bridge);
  }
}


}  // namespace

// ---- shell ----

CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buffer[65536];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

bool sh(const std::string& command) { return run(command).status == 0; }

std::string must(const std::string& command) {
  auto result = run(command);
  if (result.status != 0) throw std::runtime_error(command + " failed (" + std::to_string(result.status) + "): " + result.output);
  return result.output;
}

std::string unique(const std::string& name) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::string suffix;
  for (int i = 0; i < 6; ++i) suffix += "abcdefghijklmnopqrstuvwxyz0123456789"[random_engine()() % 36];
  return name + "-" + suffix;
}

// ---- the agent process ----

AgentProcess::AgentProcess(std::string binary, std::map<std::string, std::string> env)
    : binary_(std::move(binary)), env_(std::move(env)) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/stratus-test-network-agent-XXXXXX";
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp: " + std::string(std::strerror(errno)));
  temp_dir_ = pattern;
}

AgentProcess::~AgentProcess() {
  stop();
  const char* keep = std::getenv("STRATUS_TEST_KEEP_LOGS");
  if (keep && std::string(keep) == "1") {
    std::cerr << "agent logs kept in " << temp_dir_ << "\n";
  } else {
    std::error_code ignored;
    std::filesystem::remove_all(temp_dir_, ignored);
  }
}

void AgentProcess::start() {
  if (running()) throw std::logic_error("the agent runs already");
  log_path_ = temp_dir_ + "/agent-" + std::to_string(++starts_) + ".log";
  // This process's environment without STRATUS_* (nothing of the caller's shell leaks in), plus env_.
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e)
    if (std::string(*e).rfind("STRATUS_", 0) != 0) env.emplace_back(*e);
  for (const auto& [name, value] : env_) env.push_back(name + "=" + value);
  std::vector<char*> envp, argv{binary_.data(), nullptr};
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) throw std::runtime_error("cannot open " + log_path_);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // no agent outlives a crashed test
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(log_fd);
  close(null_fd);
  if (pid < 0) throw std::runtime_error("fork failed");
  pid_ = pid;
  exited_ = false;
}

bool AgentProcess::reap(bool block) {
  if (exited_) return true;
  int status = 0;
  pid_t r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  if (r == 0) return false;
  exit_code_ = r < 0 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  exited_ = true;
  return true;
}

bool AgentProcess::running() { return !reap(false); }

int AgentProcess::stop() {
  if (reap(false)) return exit_code_;
  kill(pid_, SIGTERM);
  if (!eventually([this] { return reap(false); }, 15s, 20ms)) {
    std::cerr << "the agent (pid " << pid_ << ") ignored SIGTERM; killing it\n";
    kill(pid_, SIGKILL);
    reap(true);
  }
  return exit_code_;
}

std::string AgentProcess::log_text() const {
  std::ifstream file(log_path_, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string AgentProcess::log_tail(size_t count) const {
  auto all = lines_of(log_text());
  std::string tail;
  for (size_t i = all.size() > count ? all.size() - count : 0; i < all.size(); ++i) tail += all[i] + "\n";
  return tail;
}

// ---- the network API ----

v1::NetworkInfo NetworkClient::network(const std::string& name, bool external) const {
  v1::CreateNetworkRequest request;
  request.set_name(name);
  request.set_external(external);
  return must(call(&Stub::CreateNetwork, request), "create network " + name);
}

v1::Subnet NetworkClient::subnet(const std::string& network, const std::string& cidr, const std::string& pool_start,
                                 const std::string& pool_end) const {
  v1::CreateSubnetRequest request;
  request.set_name(network + "-subnet");
  request.set_network(network);
  request.set_cidr(cidr);
  if (!pool_start.empty()) {
    auto* pool = request.add_allocation_pools();
    pool->set_start(pool_start);
    pool->set_end(pool_end);
  }
  return must(call(&Stub::CreateSubnet, request), "create subnet " + cidr);
}

v1::Port NetworkClient::port(const std::string& network, const std::string& name, const std::string& host,
                             const std::vector<std::string>* groups, const std::string& ip) const {
  v1::CreatePortRequest request;
  request.set_network(network);
  request.set_name(name);
  if (!binder_) request.set_host(host);
  request.set_device_owner("compute:e2e");
  if (groups) {
    auto* refs = request.mutable_security_groups();
    for (const auto& g : *groups) refs->add_security_groups(g);
  }
  if (!ip.empty()) request.add_fixed_ips()->set_ip_address(ip);
  auto port = must(call(&Stub::CreatePort, request), "create port " + name);
  if (!binder_) return port;
  v1::UpdatePortRequest bind;
  bind.set_port(port.id());
  bind.set_host(host);
  return must(binder_->call(&Stub::UpdatePort, bind), "bind port " + name + " to " + host);
}

v1::SecurityGroup NetworkClient::group(const std::string& name) const {
  v1::CreateSecurityGroupRequest request;
  request.set_name(name);
  return must(call(&Stub::CreateSecurityGroup, request), "create security group " + name);
}

v1::SecurityGroupRule NetworkClient::rule(const std::string& group, const std::string& direction,
                                          const std::string& protocol, int port,
                                          const std::string& remote_ip_prefix) const {
  v1::CreateSecurityGroupRuleRequest request;
  request.set_security_group(group);
  request.set_direction(direction);
  request.set_protocol(protocol);
  if (port > 0) request.set_port_range_min(port);
  request.set_remote_ip_prefix(remote_ip_prefix);
  return must(call(&Stub::CreateSecurityGroupRule, request), "create rule " + direction + " " + protocol);
}

Reply<v1::Empty> NetworkClient::delete_rule(const std::string& rule_id) const {
  v1::DeleteSecurityGroupRuleRequest request;
  request.set_rule_id(rule_id);
  return call(&Stub::DeleteSecurityGroupRule, request);
}

Reply<v1::Port> NetworkClient::get_port(const std::string& port) const {
  v1::GetPortRequest request;
  request.set_port(port);
  return call(&Stub::GetPort, request);
}

std::string ip_of(const v1::Port& port) {
  if (port.fixed_ips().empty()) throw std::runtime_error("port " + port.id() + " has no address");
  return port.fixed_ips(0).ip_address();
}

bool port_status_becomes(const NetworkClient& api, const std::string& port_id, const std::string& status,
                         std::chrono::milliseconds timeout) {
  return eventually([&] {
    auto port = api.get_port(port_id);
    return port.ok() && port.value.status() == status;
  }, timeout, 100ms);
}

std::string port_cookie(const std::string& port_id) {
  std::string digits;
  for (char c : port_id)
    if (std::isxdigit(static_cast<unsigned char>(c))) digits += c;
  if (digits.size() < 16) throw std::runtime_error("port id " + port_id + " is not a UUID");
  char text[32];
  std::snprintf(text, sizeof text, "0x%llx",
                static_cast<unsigned long long>(std::stoull(digits.substr(0, 16), nullptr, 16) | 0x100));
  return text;
}

// ---- the cloud ----

namespace {
std::atomic<bool> cloud_started{false};
}

Cloud& Cloud::instance() {
  static Cloud cloud;
  cloud_started = true;
  return cloud;
}

bool Cloud::started() { return cloud_started; }

std::string Cloud::logs_tail(size_t lines) const {
  return "---- stratus-network log (tail) ----\n" + network_->log_tail(lines) +
         "---- stratus-network-agent log (tail) ----\n" + agent_->log_tail(lines);
}

Cloud::Cloud() {
  sweep_leftovers();
  suffix_ = pid_hex();
  host_ = unique("e2e-host-" + suffix_);
  integration_bridge_ = "e2ei" + suffix_;
  external_bridge_ = "e2ex" + suffix_;
  external_octet_ = 100 + static_cast<int>(random_engine()() % 100);
  try {
    identity_ = std::make_unique<test_support::ServiceProcess>(
        test_support::identity_service_options(STRATUS_IDENTITY_BIN, identity_db_.url()));

    // The service user is the bootstrap admin here; deploy makes one per service.
    test_support::ServiceOptions network_options;
    network_options.binary = STRATUS_NETWORK_BIN;
    network_options.db_url = network_db_.url();
    test_support::use_admin_as_service_user(network_options, identity_->address());
    network_ = std::make_unique<test_support::ServiceProcess>(network_options);

    test_support::ServiceOptions credentials;
    test_support::use_admin_as_service_user(credentials, identity_->address());
    auto agent_env = credentials.env;
    agent_env["STRATUS_AGENT_HOST"] = host_;
    agent_env["STRATUS_AGENT_INTEGRATION_BRIDGE"] = integration_bridge_;
    agent_env["STRATUS_AGENT_EXTERNAL_BRIDGE"] = external_bridge_;
    agent_env["STRATUS_AGENT_DATAPATH_TYPE"] = "netdev";
    agent_env["STRATUS_NETWORK_URL"] = network_->address();
    agent_env["STRATUS_BUS_URL"] = test_support::test_amqp_url();
    agent_env["STRATUS_OVSDB_REMOTE"] = kOvsdb;
    agent_env["STRATUS_LOG_LEVEL"] = "debug";  // "flows applied" is a debug line: the restart test reads it
    agent_ = std::make_unique<AgentProcess>(STRATUS_NETWORK_AGENT_BIN, agent_env);
    agent_->start();

    identity_setup_ = std::make_unique<test_support::IdentitySetup>(identity_->address());
    admin_ = std::make_unique<NetworkClient>(grpc::CreateChannel(network_->address(), grpc::InsecureChannelCredentials()),
                                             identity_setup_->admin_token());
  } catch (...) {
    if (agent_) agent_->stop();
    cleanup_ovs();
    throw;
  }
}

Cloud::~Cloud() {
  if (agent_) agent_->stop();
  cleanup_ovs();
}

void Cloud::cleanup_ovs() {
  for (const auto& bridge : {integration_bridge_, external_bridge_})
    if (!bridge.empty()) sh("ovs-vsctl --timeout=10 --if-exists del-br " + bridge);
}

Tenant Cloud::tenant(const std::string& name) {
  auto member = identity_setup_->create_member(unique(name));
  return Tenant{member.project_id,
                NetworkClient(grpc::CreateChannel(network_->address(), grpc::InsecureChannelCredentials()),
                              member.token, admin_.get())};
}

const v1::NetworkInfo& Cloud::external_network() {
  if (!external_) {
    auto network = admin_->network(unique("public"), /*external=*/true);
    admin_->subnet(network.id(), external_prefix() + ".0/24", external_prefix() + ".10", external_prefix() + ".250");
    external_ = std::make_unique<v1::NetworkInfo>(network);
  }
  return *external_;
}

std::vector<std::string> Cloud::flows(const std::string& bridge) const {
  std::vector<std::string> flows;
  for (const auto& line : lines_of(must("ovs-ofctl -O OpenFlow15 --no-names --no-stats dump-flows " + bridge)))
    if (line.find("cookie=") != std::string::npos && line.find("cookie=0x2,") == std::string::npos)
      flows.push_back(line);
  std::sort(flows.begin(), flows.end());
  return flows;
}

std::vector<std::string> Cloud::port_flows(const std::string& port_id) const {
  return lines_of(must("ovs-ofctl -O OpenFlow15 --no-names --no-stats dump-flows " + integration_bridge_ +
                       " cookie=" + port_cookie(port_id) + "/-1 | grep cookie= || true"));
}

// ---- namespaces ----

Rack::Rack() {
  static int counter = 0;
  std::string id = pid_hex();
  prefix_ = "e2e-" + id + "-" + std::to_string(counter) + "x";
  // Device names stop at 15 characters: "e" + pid (<= 6) + rack + name (<= 4) + side.
  veth_prefix_ = "e" + id + std::string(1, "abcdefghijklmnopqrstuvwxyz"[counter++ % 26]);
}

Rack::~Rack() {
  for (const auto& [bridge, port] : ovs_ports_)
    sh("ovs-vsctl --timeout=10 --if-exists del-port " + bridge + " " + port);
  for (const auto& name : namespaces_) remove_namespace(name);  // takes the veth pairs with it
}

std::string Rack::veth(const std::string& name, char side) const { return veth_prefix_ + name.substr(0, 4) + side; }

void Rack::make_pair(const std::string& name) {
  std::string space = ns(name), outer = veth(name, 'o'), in = veth(name, 'i');
  must("ip netns add " + space);
  namespaces_.push_back(space);
  must("ip link add " + outer + " type veth peer name " + in + " netns " + space);
  must("ip -n " + space + " link set lo up");
  must("ip link set " + outer + " up");
  // Userspace conntrack drops TCP with offloaded (partial) checksums: off on the "guest" end
  // here; on the host end the agent does it for VM ports (agent.disable_offloads).
  must("ip netns exec " + space + " ethtool -K " + in + " tx off >/dev/null");
}

void Rack::plug_vm(const std::string& name, const v1::Port& port, const std::string& gateway) {
  make_pair(name);
  std::string space = ns(name), in = veth(name, 'i'), outer = veth(name, 'o');
  must("ip -n " + space + " link set " + in + " address " + port.mac_address());
  must("ip -n " + space + " addr add " + ip_of(port) + "/24 dev " + in);
  must("ip -n " + space + " link set " + in + " up");
  if (!gateway.empty()) must("ip -n " + space + " route add default via " + gateway);
  // What a hypervisor's plug does: the port on the integration bridge, named by iface-id.
  const auto& bridge = Cloud::instance().integration_bridge();
  must("ovs-vsctl --timeout=10 add-port " + bridge + " " + outer + " -- set Interface " + outer +
       " external_ids:iface-id=" + port.id() + " external_ids:attached-mac=" + port.mac_address());
  ovs_ports_.emplace_back(bridge, outer);
}

void Rack::add_outside(const std::string& name, const std::string& address) {
  make_pair(name);
  std::string space = ns(name), in = veth(name, 'i'), outer = veth(name, 'o');
  must("ip -n " + space + " addr add " + address + "/24 dev " + in);
  must("ip -n " + space + " link set " + in + " up");
  must("ethtool -K " + outer + " tx off >/dev/null");  // not a VM port: the agent leaves it alone
  const auto& bridge = Cloud::instance().external_bridge();
  must("ovs-vsctl --timeout=10 add-port " + bridge + " " + outer);
  ovs_ports_.emplace_back(bridge, outer);
}

void Rack::plug_foreign(const std::string& name, const std::string& iface_id) {
  make_pair(name);
  const auto& bridge = Cloud::instance().integration_bridge();
  std::string outer = veth(name, 'o');
  must("ovs-vsctl --timeout=10 add-port " + bridge + " " + outer + " -- set Interface " + outer +
       " external_ids:iface-id=" + iface_id);
  ovs_ports_.emplace_back(bridge, outer);
}

void Rack::unplug_vm(const std::string& name) {
  must("ovs-vsctl --timeout=10 del-port " + Cloud::instance().integration_bridge() + " " + veth(name, 'o'));
}

bool Rack::ping(const std::string& from, const std::string& address) {
  return sh("ip netns exec " + ns(from) + " ping -c1 -W1 " + address + " >/dev/null");
}

bool Rack::tcp_connects(const std::string& from, const std::string& address, int port, int wait_seconds) {
  return sh("ip netns exec " + ns(from) + " nc -z -w " + std::to_string(wait_seconds) + " " + address + " " +
            std::to_string(port));
}

void Rack::listen_tcp(const std::string& name, int port) {
  must("ip netns exec " + ns(name) + " nc -l -k -p " + std::to_string(port) + " >/dev/null 2>&1 </dev/null &");
  // Listening once `ss` shows it.
  if (!eventually([&] { return sh("ip netns exec " + ns(name) + " ss -ltn | grep -q ':" + std::to_string(port) + " '"); },
                  5s, 20ms))
    throw std::runtime_error("nc did not listen on " + std::to_string(port) + " in " + ns(name));
}

}  // namespace stratus::network_e2e
