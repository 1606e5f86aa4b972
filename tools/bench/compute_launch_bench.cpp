// stratus-compute-launch-bench: how long a running cloud takes to launch and delete servers,
// seen from a client, and a check that nothing it made is left behind.
//
//   stratus-compute-launch-bench [--endpoint 127.0.0.1:7100] --username U --project P --password-file F
//       [--image stratus-guest] [--flavor m1.tiny] [--network NET] [--launches 50] [--concurrent 20]
//       [--poll-ms 5] [--timeout 600] [--name-prefix launch-bench-] [--compute HOST:PORT]
//       [--network-endpoint HOST:PORT] [--agent-log FILE] [--instances-path DIR] [--json]
//
// Sequential phase (--launches N, 0 skips it): one server at a time: CreateServer, then GetServer
// every --poll-ms until ACTIVE (or ERROR), then DeleteServer and GetServer until it is gone.
// The public API's timestamps (created_at, launched_at, the action log) have whole-second
// resolution, too coarse here, so every time is taken on this process's clock, from just
// before CreateServer is sent, at the first poll that shows the change:
//   create_rpc   CreateServer answered (scheduled and claimed, BUILD)
//   spawning     task_state SPAWNING: compute made the ports and cast to the agent
//   agent_start  (with --agent-log) the agent's "reconciling ... action=spawn" line: the spec
//                was read, images/disks/config drive/define/start begin
//   running      power_state RUNNING: the agent's SPAWNED report, sent right after libvirt's
//                virDomainCreate returned (plus one virDomainGetState and one RPC)
//   active       vm_state ACTIVE: spawned and every port ACTIVE (the network agent saw the tap)
//   delete_rpc, gone   DeleteServer answered; GetServer NOT_FOUND or DELETED (the agent
//                destroyed and undefined the domain and removed its files)
//   control_plane  agent_start + (active - running): compute, network and the bus, without
//                the agent's own work on the host
// ACTIVE does not wait for the guest to boot, so none of these include the guest's own boot.
//
// Burst phase (--concurrent K, 0 skips it): K threads send CreateServer at the same moment; one
// ListServers (name prefix) per --poll-ms watches them all; then K DeleteServer at once, watched
// the same way until none is listed.
//
// Audit (always): no server whose name has the prefix is left, ListPorts(device_id = server)
// is empty for every server the bench made, the project's instance quota use is what it was at
// the start, and, when --instances-path exists on this machine, no instance directory is left.
// Exit status 1 if a launch failed or the audit found anything.
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tools/bench/bench_support.h"
#include "common/rpc/authenticator.h"
#include "compute/v1/compute.grpc.pb.h"
#include "identity/v1/identity.grpc.pb.h"
#include "network/v1/network.grpc.pb.h"

namespace cv1 = cloud::compute::v1;
namespace iv1 = cloud::identity::v1;
namespace nv1 = cloud::network::v1;
using Clock = std::chrono::steady_clock;
using SysClock = std::chrono::system_clock;

namespace {

using stratus::bench::percentile;
using stratus::bench::load_average;
using stratus::bench::describe;

constexpr auto kCallDeadline = std::chrono::seconds(30);
// Tokens live an hour; a fresh one well before that keeps a long run from failing halfway.
constexpr auto kTokenRenewAfter = std::chrono::minutes(30);

struct Options {
  std::string endpoint = "127.0.0.1:7100";
  std::string username, project, password;
  std::string image = "stratus-guest", flavor = "m1.tiny", network;
  int launches = 50;
  int concurrent = 20;
  int poll_ms = 5;
  int timeout_s = 600;
  std::string prefix = "launch-bench-";
  std::string compute_endpoint, network_endpoint;  // empty: from identity's catalog
  std::string agent_log;
  std::string instances_path = "/var/lib/stratus/instances";
  bool json = false;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "stratus-compute-launch-bench: " << message << "\n"
            << "usage: stratus-compute-launch-bench [--endpoint HOST:PORT] --username U --project P\n"
            << "         (--password-file F | --password-stdin) [--image I] [--flavor F] [--network N]\n"
            << "         [--launches 50] [--concurrent 20] [--poll-ms 5] [--timeout 600]\n"
            << "         [--name-prefix launch-bench-] [--compute HOST:PORT] [--network-endpoint HOST:PORT]\n"
            << "         [--agent-log FILE] [--instances-path DIR] [--json]\n";
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options o;
  bool password_stdin = false;
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) usage_error(std::string(argv[i]) + " needs a value");
    return argv[++i];
  };
  auto number = [&](int& i) {
    std::string text = value(i);
    try {
      return std::stoi(text);
    } catch (const std::exception&) {
      usage_error(std::string(argv[i - 1]) + " takes a number, not '" + text + "'");
    }
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--endpoint") o.endpoint = value(i);
    else if (arg == "--username") o.username = value(i);
    else if (arg == "--project") o.project = value(i);
    else if (arg == "--password-file") o.password = stratus::bench::first_line_of_file(value(i), usage_error);
    else if (arg == "--password-stdin") password_stdin = true;
    else if (arg == "--image") o.image = value(i);
    else if (arg == "--flavor") o.flavor = value(i);
    else if (arg == "--network") o.network = value(i);
    else if (arg == "--launches") o.launches = number(i);
    else if (arg == "--concurrent") o.concurrent = number(i);
    else if (arg == "--poll-ms") o.poll_ms = number(i);
    else if (arg == "--timeout") o.timeout_s = number(i);
    else if (arg == "--name-prefix") o.prefix = value(i);
    else if (arg == "--compute") o.compute_endpoint = value(i);
    else if (arg == "--network-endpoint") o.network_endpoint = value(i);
    else if (arg == "--agent-log") o.agent_log = value(i);
    else if (arg == "--instances-path") o.instances_path = value(i);
    else if (arg == "--json") o.json = true;
    else if (arg == "-h" || arg == "--help") usage_error("help");
    else usage_error("unknown argument '" + arg + "'");
  }
  if (password_stdin) std::getline(std::cin, o.password);
  if (o.username.empty() || o.project.empty()) usage_error("--username and --project are needed");
  if (o.password.empty()) usage_error("a password is needed: --password-file F or --password-stdin");
  if (o.launches < 0 || o.concurrent < 0 || o.concurrent > 200) usage_error("--launches >= 0, --concurrent 0..200");
  if (o.poll_ms < 1 || o.timeout_s < 1) usage_error("--poll-ms and --timeout must be >= 1");
  // The audit matches by prefix; an empty one would take every server of the project for ours.
  if (o.prefix.size() < 3) usage_error("--name-prefix needs at least 3 characters");
  return o;
}

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// ---------------------------------------------------------------- the cloud

// The bench's view of the cloud: a token (renewed by password when old), the compute and
// network stubs. Stubs and channels are thread-safe; the token is read under a mutex.
class Cloud {
 public:
  explicit Cloud(const Options& o) : o_(o) {
    identity_ = iv1::Identity::NewStub(grpc::CreateChannel(o.endpoint, grpc::InsecureChannelCredentials()));
    renew();
    std::string compute = o.compute_endpoint, network = o.network_endpoint;
    if (compute.empty() || network.empty()) {
      iv1::ListEndpointsResponse endpoints;
      grpc::ClientContext context;
      prepare(context);
      check(identity_->ListEndpoints(&context, iv1::ListEndpointsRequest(), &endpoints), "ListEndpoints");
      for (const auto& e : endpoints.endpoints()) {
        if (compute.empty() && e.service() == "compute") compute = e.url();
        if (network.empty() && e.service() == "network") network = e.url();
      }
      if (compute.empty() || network.empty())
        throw std::runtime_error("the catalog lacks compute or network; give --compute and --network-endpoint");
    }
    compute_ = cv1::Compute::NewStub(grpc::CreateChannel(compute, grpc::InsecureChannelCredentials()));
    network_ = nv1::Network::NewStub(grpc::CreateChannel(network, grpc::InsecureChannelCredentials()));
  }

  cv1::Compute::Stub& compute() { return *compute_; }
  nv1::Network::Stub& network() { return *network_; }

  // Deadline and bearer token for one call.
  void prepare(grpc::ClientContext& context) {
    context.set_deadline(SysClock::now() + kCallDeadline);  // gRPC takes only system_clock
    std::lock_guard lock(mutex_);
    if (!token_.empty() && Clock::now() - token_at_ > kTokenRenewAfter) renew_locked();
    if (!token_.empty()) stratus::rpc::attach_token(context, token_);
  }

  static void check(const grpc::Status& status, const std::string& what) {
    if (!status.ok()) throw std::runtime_error(what + " failed: " + describe(status));
  }

 private:
  void renew() {
    std::lock_guard lock(mutex_);
    renew_locked();
  }
  void renew_locked() {
    iv1::AuthenticateRequest request;
    request.mutable_password()->set_username(o_.username);
    request.mutable_password()->set_password(o_.password);
    request.set_project(o_.project);
    iv1::Token token;
    grpc::ClientContext context;
    context.set_deadline(SysClock::now() + kCallDeadline);
    check(identity_->Authenticate(&context, request, &token), "Authenticate as " + o_.username);
    token_ = token.token();
    token_at_ = Clock::now();
  }

  const Options& o_;
  std::unique_ptr<iv1::Identity::Stub> identity_;
  std::unique_ptr<cv1::Compute::Stub> compute_;
  std::unique_ptr<nv1::Network::Stub> network_;
  std::mutex mutex_;
  std::string token_;
  Clock::time_point token_at_;
};

cv1::CreateServerRequest create_request(const Options& o, const std::string& name) {
  cv1::CreateServerRequest request;
  request.set_name(name);
  request.set_image(o.image);
  request.set_flavor(o.flavor);
  if (!o.network.empty()) request.add_networks()->set_network(o.network);
  return request;
}

// Every non-deleted server of the project whose name starts with the prefix.
std::vector<cv1::Server> list_ours(Cloud& cloud, const std::string& prefix) {
  std::vector<cv1::Server> out;
  std::string page;
  do {
    cv1::ListServersRequest request;
    request.set_name(prefix + "*");
    request.set_page_size(1000);
    request.set_page_token(page);
    cv1::ListServersResponse response;
    grpc::ClientContext context;
    cloud.prepare(context);
    Cloud::check(cloud.compute().ListServers(&context, request, &response), "ListServers");
    for (const auto& s : response.servers()) out.push_back(s);
    page = response.next_page_token();
  } while (!page.empty());
  return out;
}

// ---------------------------------------------------------------- results

// Milliseconds from the create call's start (launch phases) or the delete call's (delete
// phases) to each event; absent when not seen.
struct Launch {
  std::string id, name, error;
  SysClock::time_point created_wall;  // to place the agent's log lines on our time axis
  std::optional<double> create_rpc, spawning, agent_start, running, active, delete_rpc, gone;
  // The control plane's own share (with --agent-log): create -> agent_start plus running ->
  // active, i.e. the launch without the agent's work on the host (disks, config drive, libvirt).
  std::optional<double> control_plane;
};

struct Summary {
  size_t n = 0;
  double p50 = 0, p99 = 0, max = 0, mean = 0;
};

Summary summarize(std::vector<double> values) {
  Summary s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.n = values.size();
  s.p50 = percentile(values, 0.50);
  s.p99 = percentile(values, 0.99);
  s.max = values.back();
  for (double v : values) s.mean += v;
  s.mean /= static_cast<double>(values.size());
  return s;
}

// The phases printed, each a difference of two events of one launch (from -> to; "" = the
// create or delete call's start).
struct Phase {
  const char* name;
  std::optional<double> Launch::*from;
  std::optional<double> Launch::*to;
  const char* meaning;
};
const std::vector<Phase> kPhases = {
    {"create_rpc", nullptr, &Launch::create_rpc, "CreateServer answered"},
    {"create->spawning", nullptr, &Launch::spawning, "compute: schedule, claim, ports, cast"},
    {"create->agent_start", nullptr, &Launch::agent_start, "... and the agent picked it up"},
    {"agent_start->running", &Launch::agent_start, &Launch::running, "agent: disks, config drive, virDomainCreate"},
    {"spawning->running", &Launch::spawning, &Launch::running, "cast to SPAWNED report"},
    {"create->running", nullptr, &Launch::running, "create until virDomainCreate returned"},
    {"running->active", &Launch::running, &Launch::active, "ports ACTIVE"},
    {"create->active", nullptr, &Launch::active, "create until ACTIVE"},
    {"control_plane", nullptr, &Launch::control_plane, "create->agent_start + running->active"},
    {"delete_rpc", nullptr, &Launch::delete_rpc, "DeleteServer answered"},
    {"delete->gone", nullptr, &Launch::gone, "delete until gone"},
};

std::map<std::string, Summary> summarize_phases(const std::vector<Launch>& launches) {
  std::map<std::string, Summary> out;
  for (const auto& phase : kPhases) {
    std::vector<double> values;
    for (const auto& l : launches) {
      const auto& to = l.*phase.to;
      if (!to) continue;
      if (!phase.from) values.push_back(*to);
      else if (const auto& from = l.*phase.from) values.push_back(*to - *from);
    }
    if (!values.empty()) out[phase.name] = summarize(values);
  }
  return out;
}

std::string format_ms(double ms) {
  char text[32];
  if (ms >= 10000) std::snprintf(text, sizeof text, "%.1fs", ms / 1000);
  else if (ms >= 1000) std::snprintf(text, sizeof text, "%.2fs", ms / 1000);
  else std::snprintf(text, sizeof text, "%.1fms", ms);
  return text;
}

void print_phases(std::ostream& out, const std::map<std::string, Summary>& phases) {
  char line[200];
  std::snprintf(line, sizeof line, "  %-22s %4s %10s %10s %10s %10s  %s", "phase", "n", "p50", "p99", "max", "mean",
                "what");
  out << line << "\n";
  for (const auto& phase : kPhases) {
    auto it = phases.find(phase.name);
    if (it == phases.end()) continue;
    const Summary& s = it->second;
    std::snprintf(line, sizeof line, "  %-22s %4zu %10s %10s %10s %10s  %s", phase.name, s.n, format_ms(s.p50).c_str(),
                  format_ms(s.p99).c_str(), format_ms(s.max).c_str(), format_ms(s.mean).c_str(), phase.meaning);
    out << line << "\n";
  }
}

nlohmann::json to_json(const std::map<std::string, Summary>& phases) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, s] : phases)
    j[name] = {{"n", s.n}, {"p50_ms", s.p50}, {"p99_ms", s.p99}, {"max_ms", s.max}, {"mean_ms", s.mean}};
  return j;
}

nlohmann::json to_json(const Launch& l) {
  nlohmann::json j = {{"id", l.id}, {"name", l.name}};
  auto put = [&](const char* key, const std::optional<double>& v) {
    if (v) j[key] = *v;
  };
  put("create_rpc_ms", l.create_rpc);
  put("spawning_ms", l.spawning);
  put("agent_start_ms", l.agent_start);
  put("running_ms", l.running);
  put("active_ms", l.active);
  put("delete_rpc_ms", l.delete_rpc);
  put("gone_ms", l.gone);
  put("control_plane_ms", l.control_plane);
  if (!l.error.empty()) j["error"] = l.error;
  return j;
}

// ---------------------------------------------------------------- the agent's log

// The agent logs "<ISO time with ms>Z INFO compute-agent.reconciler: reconciling instance=ID
// action=spawn ..." when it starts building a domain. The file is on this machine and both
// clocks are this machine's, so the line's time places the agent's start on our time axis.
// Only what was appended since the bench started is read.
std::map<std::string, SysClock::time_point> agent_spawn_starts(const std::string& path, std::streamoff from) {
  std::map<std::string, SysClock::time_point> out;
  std::ifstream in(path);
  if (!in) return out;
  in.seekg(from);
  for (std::string line; std::getline(in, line);) {
    if (line.find("reconciling instance=") == std::string::npos || line.find("action=spawn") == std::string::npos)
      continue;
    std::tm tm{};
    int millis = 0;
    if (std::sscanf(line.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec, &millis) != 7)
      continue;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    auto at = SysClock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(millis);
    size_t start = line.find("instance=") + 9;
    std::string id = line.substr(start, line.find(' ', start) - start);
    out.emplace(id, at);  // the first line wins: a retried spawn started at the first one
  }
  return out;
}

std::streamoff file_size(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::streamoff>(size);
}

void add_agent_starts(std::vector<Launch>& launches, const Options& o, std::streamoff log_offset) {
  if (o.agent_log.empty()) return;
  auto starts = agent_spawn_starts(o.agent_log, log_offset);
  for (auto& l : launches) {
    auto it = starts.find(l.id);
    if (it == starts.end()) continue;
    l.agent_start = std::chrono::duration<double, std::milli>(it->second - l.created_wall).count();
    if (l.running && l.active) l.control_plane = *l.agent_start + (*l.active - *l.running);
  }
}

// ---------------------------------------------------------------- sequential launches

// Notes the first poll at which each event shows in `s`.
void observe(Launch& l, const cv1::Server& s, double at_ms) {
  if (!l.spawning && (s.task_state() == cv1::TASK_STATE_SPAWNING || s.vm_state() == cv1::VM_STATE_ACTIVE))
    l.spawning = at_ms;
  if (!l.running && s.power_state() == cv1::POWER_STATE_RUNNING) l.running = at_ms;
  if (!l.active && s.vm_state() == cv1::VM_STATE_ACTIVE) l.active = at_ms;
  if (l.error.empty() && s.vm_state() == cv1::VM_STATE_ERROR)
    l.error = "ERROR: " + (s.fault().message().empty() ? std::string("no fault given") : s.fault().message());
}

void delete_and_wait_or_throw(Cloud& cloud, Launch& l, const Options& o) {
  const auto start = Clock::now();
  cv1::ServerActionRequest request;
  request.set_server(l.id);
  cv1::Server server;
  {
    grpc::ClientContext context;
    cloud.prepare(context);
    Cloud::check(cloud.compute().DeleteServer(&context, request, &server), "DeleteServer " + l.name);
  }
  l.delete_rpc = ms_between(start, Clock::now());
  const auto deadline = start + std::chrono::seconds(o.timeout_s);
  for (auto next = Clock::now(); Clock::now() < deadline; next += std::chrono::milliseconds(o.poll_ms)) {
    std::this_thread::sleep_until(next);
    cv1::GetServerRequest get;
    get.set_server(l.id);
    grpc::ClientContext context;
    cloud.prepare(context);
    auto status = cloud.compute().GetServer(&context, get, &server);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND || (status.ok() && server.vm_state() == cv1::VM_STATE_DELETED)) {
      l.gone = ms_between(start, Clock::now());
      return;
    }
    Cloud::check(status, "GetServer " + l.name);
  }
  if (l.error.empty()) l.error = "not gone " + std::to_string(o.timeout_s) + " s after DeleteServer";
}

// A failed delete is this launch's failure (and the audit's finding), not the end of the run.
void delete_and_wait(Cloud& cloud, Launch& l, const Options& o) {
  try {
    delete_and_wait_or_throw(cloud, l, o);
  } catch (const std::exception& e) {
    if (l.error.empty()) l.error = e.what();
  }
}

Launch launch_one(Cloud& cloud, const Options& o, const std::string& name) {
  Launch l;
  l.name = name;
  l.created_wall = SysClock::now();
  const auto start = Clock::now();
  cv1::CreateServerResponse created;
  {
    grpc::ClientContext context;
    cloud.prepare(context);
    Cloud::check(cloud.compute().CreateServer(&context, create_request(o, name), &created), "CreateServer " + name);
  }
  l.create_rpc = ms_between(start, Clock::now());
  l.id = created.servers(0).id();
  observe(l, created.servers(0), *l.create_rpc);

  const auto deadline = start + std::chrono::seconds(o.timeout_s);
  try {
    for (auto next = Clock::now(); !l.active && l.error.empty();) {
      if (Clock::now() > deadline) {
        l.error = "not ACTIVE within " + std::to_string(o.timeout_s) + " s";
        break;
      }
      next += std::chrono::milliseconds(o.poll_ms);
      std::this_thread::sleep_until(next);
      cv1::GetServerRequest get;
      get.set_server(l.id);
      cv1::Server server;
      grpc::ClientContext context;
      cloud.prepare(context);
      Cloud::check(cloud.compute().GetServer(&context, get, &server), "GetServer " + name);
      observe(l, server, ms_between(start, Clock::now()));
    }
  } catch (const std::exception& e) {
    l.error = e.what();  // still delete it below: the audit expects nothing left
  }
  delete_and_wait(cloud, l, o);  // also after an ERROR
  return l;
}

// ---------------------------------------------------------------- the burst

struct Burst {
  std::vector<Launch> servers;
  double all_active_ms = 0, all_gone_ms = 0;  // from the burst's start to the last one
  size_t active = 0, gone = 0;
};

// Polls ListServers(prefix) until `done` says every launch reached its state or the timeout.
template <typename Done, typename Observe>
void watch_list(Cloud& cloud, const Options& o, const std::string& prefix, Clock::time_point start, Done done,
                Observe on_list) {
  const auto deadline = start + std::chrono::seconds(o.timeout_s);
  for (auto next = Clock::now(); !done() && Clock::now() < deadline;) {
    next += std::chrono::milliseconds(o.poll_ms);
    std::this_thread::sleep_until(next);
    auto listed = list_ours(cloud, prefix);
    on_list(listed, ms_between(start, Clock::now()));
  }
}

Burst run_burst(Cloud& cloud, const Options& o) {
  Burst b;
  const std::string prefix = o.prefix + "b-";
  b.servers.resize(static_cast<size_t>(o.concurrent));
  for (size_t i = 0; i < b.servers.size(); ++i) {
    char suffix[24];
    std::snprintf(suffix, sizeof suffix, "%02zu", i + 1);
    b.servers[i].name = prefix + suffix;
  }

  // Creates: every thread waits on the same flag, so the K calls leave within microseconds.
  std::atomic<bool> go{false};
  Clock::time_point start;
  {
    std::vector<std::thread> threads;
    for (auto& l : b.servers)
      threads.emplace_back([&, lp = &l] {
        while (!go.load()) std::this_thread::yield();
        cv1::CreateServerResponse created;
        grpc::ClientContext context;
        cloud.prepare(context);
        auto status = cloud.compute().CreateServer(&context, create_request(o, lp->name), &created);
        lp->create_rpc = ms_between(start, Clock::now());
        if (status.ok()) lp->id = created.servers(0).id();
        else lp->error = "CreateServer failed: " + describe(status);
      });
    start = Clock::now();
    for (auto& l : b.servers) l.created_wall = SysClock::now();
    go = true;
    for (auto& t : threads) t.join();
  }
  std::map<std::string, Launch*> by_id;
  for (auto& l : b.servers)
    if (!l.id.empty()) by_id[l.id] = &l;
  auto settled = [&] {
    for (auto& l : b.servers)
      if (!l.id.empty() && !l.active && l.error.empty()) return false;
    return true;
  };
  watch_list(cloud, o, prefix, start, settled, [&](const std::vector<cv1::Server>& listed, double at_ms) {
    for (const auto& s : listed)
      if (auto it = by_id.find(s.id()); it != by_id.end()) observe(*it->second, s, at_ms);
  });
  for (auto& l : b.servers) {
    if (l.active) {
      ++b.active;
      b.all_active_ms = std::max(b.all_active_ms, *l.active);
    } else if (!l.id.empty() && l.error.empty()) {
      l.error = "not ACTIVE within " + std::to_string(o.timeout_s) + " s";
    }
  }

  // Deletes, all at once, of every server that was made (ACTIVE or not).
  go = false;
  Clock::time_point delete_start;
  {
    std::vector<std::thread> threads;
    for (auto& l : b.servers) {
      if (l.id.empty()) continue;
      threads.emplace_back([&, lp = &l] {
        while (!go.load()) std::this_thread::yield();
        cv1::ServerActionRequest request;
        request.set_server(lp->id);
        cv1::Server server;
        grpc::ClientContext context;
        cloud.prepare(context);
        auto status = cloud.compute().DeleteServer(&context, request, &server);
        lp->delete_rpc = ms_between(delete_start, Clock::now());
        if (!status.ok() && lp->error.empty()) lp->error = "DeleteServer failed: " + describe(status);
      });
    }
    delete_start = Clock::now();
    go = true;
    for (auto& t : threads) t.join();
  }
  auto all_gone = [&] {
    for (auto& l : b.servers)
      if (!l.id.empty() && !l.gone) return false;
    return true;
  };
  watch_list(cloud, o, prefix, delete_start, all_gone, [&](const std::vector<cv1::Server>& listed, double at_ms) {
    std::map<std::string, bool> still;
    for (const auto& s : listed) still[s.id()] = true;
    for (auto& l : b.servers)
      if (!l.id.empty() && !l.gone && !still.count(l.id)) l.gone = at_ms;
  });
  for (auto& l : b.servers) {
    if (l.gone) {
      ++b.gone;
      b.all_gone_ms = std::max(b.all_gone_ms, *l.gone);
    } else if (!l.id.empty() && l.error.empty()) {
      l.error = "not gone " + std::to_string(o.timeout_s) + " s after DeleteServer";
    }
  }
  return b;
}

// ---------------------------------------------------------------- audit

struct Audit {
  size_t servers_left = 0, ports_left = 0, dirs_left = 0;
  int quota_before = 0, quota_after = 0;
  bool dirs_checked = false;
  std::vector<std::string> findings;
  bool ok() const { return findings.empty(); }
};

int instances_in_use(Cloud& cloud) {
  cv1::GetQuotaRequest request;
  cv1::Quota quota;
  grpc::ClientContext context;
  cloud.prepare(context);
  Cloud::check(cloud.compute().GetQuota(&context, request, &quota), "GetQuota");
  return quota.in_use().instances();
}

Audit audit(Cloud& cloud, const Options& o, const std::vector<std::string>& ids, int quota_before) {
  Audit a;
  for (const auto& s : list_ours(cloud, o.prefix)) {
    ++a.servers_left;
    a.findings.push_back("server " + s.name() + " (" + s.id() + ") still listed, vm_state " +
                         cv1::VmState_Name(s.vm_state()));
  }
  for (const auto& id : ids) {
    nv1::ListPortsRequest request;
    request.set_device_id(id);
    nv1::ListPortsResponse response;
    grpc::ClientContext context;
    cloud.prepare(context);
    Cloud::check(cloud.network().ListPorts(&context, request, &response), "ListPorts");
    for (const auto& p : response.ports()) {
      ++a.ports_left;
      a.findings.push_back("port " + p.id() + " of server " + id + " still exists (" + p.status() + ")");
    }
  }
  // The agent's files: only meaningful when the bench runs on the hypervisor host itself.
  a.dirs_checked = std::filesystem::is_directory(o.instances_path);
  if (a.dirs_checked)
    for (const auto& id : ids)
      if (std::filesystem::exists(std::filesystem::path(o.instances_path) / id)) {
        ++a.dirs_left;
        a.findings.push_back("instance directory " + o.instances_path + "/" + id + " still exists");
      }
  a.quota_before = quota_before;
  a.quota_after = instances_in_use(cloud);
  if (a.quota_after != a.quota_before)
    a.findings.push_back("instances in use " + std::to_string(a.quota_after) + ", " +
                         std::to_string(a.quota_before) + " before the bench");
  return a;
}

// The burst needs room for K servers at once; better to say so now than after 50 launches.
// The message names the project by id: SetQuota takes the id (a name is stored as is).
void check_room(Cloud& cloud, const Options& o) {
  const int wanted = std::max(1, o.concurrent);
  cv1::GetFlavorRequest flavor_request;
  flavor_request.set_flavor(o.flavor);
  cv1::Flavor flavor;
  {
    grpc::ClientContext context;
    cloud.prepare(context);
    Cloud::check(cloud.compute().GetFlavor(&context, flavor_request, &flavor), "GetFlavor " + o.flavor);
  }
  cv1::Quota quota;
  {
    grpc::ClientContext context;
    cloud.prepare(context);
    Cloud::check(cloud.compute().GetQuota(&context, cv1::GetQuotaRequest(), &quota), "GetQuota");
  }
  auto short_of = [&](const char* what, int limit, int used, int64_t each) -> std::string {
    if (limit < 0 || used + each * wanted <= limit) return "";
    return std::string(what) + " " + std::to_string(used) + " of " + std::to_string(limit) + " used, " +
           std::to_string(each * wanted) + " needed; ";
  };
  std::string missing = short_of("instances", quota.limits().instances(), quota.in_use().instances(), 1) +
                        short_of("cores", quota.limits().cores(), quota.in_use().cores(), flavor.vcpus()) +
                        short_of("ram_mib", quota.limits().ram_mib(), quota.in_use().ram_mib(), flavor.ram_mib());
  if (!missing.empty())
    throw std::runtime_error("the quota of project " + quota.project_id() + " does not fit " + std::to_string(wanted) +
                             " x " + o.flavor + ": " + missing + "raise it with `cloudctl --profile admin quota set "
                             "--project " + quota.project_id() + " ...`");
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_options(argc, argv);
  std::ostream& out = o.json ? std::cerr : std::cout;  // with --json, stdout holds only the JSON
  try {
    Cloud cloud(o);
    if (!list_ours(cloud, o.prefix).empty())
      throw std::runtime_error("servers named " + o.prefix + "* exist already (an earlier run?); delete them first "
                               "so the audit sees only this run's");
    check_room(cloud, o);
    const int quota_before = instances_in_use(cloud);
    const std::streamoff log_offset = o.agent_log.empty() ? 0 : file_size(o.agent_log);
    nlohmann::json report = {{"started_at", utc_now()},
                             {"load_average_before", load_average()},
                             {"cores", std::thread::hardware_concurrency()},
                             {"image", o.image},
                             {"flavor", o.flavor},
                             {"network", o.network},
                             {"poll_ms", o.poll_ms}};
    out << "stratus-compute-launch-bench: " << o.image << " / " << o.flavor << " / "
        << (o.network.empty() ? "(default network)" : o.network) << ", poll every " << o.poll_ms
        << " ms, load average " << load_average() << "\n";

    std::vector<std::string> ids;
    size_t failures = 0;

    std::vector<Launch> sequential;
    for (int i = 0; i < o.launches; ++i) {
      char name[64];
      std::snprintf(name, sizeof name, "s-%03d", i + 1);
      Launch l = launch_one(cloud, o, o.prefix + name);
      ids.push_back(l.id);
      if (!l.error.empty()) {
        ++failures;
        out << "  " << l.name << ": " << l.error << "\n";
      }
      if (!o.json && (i + 1) % 10 == 0) out << "  " << i + 1 << "/" << o.launches << " launches done\n";
      sequential.push_back(std::move(l));
    }
    add_agent_starts(sequential, o, log_offset);
    if (o.launches > 0) {
      auto phases = summarize_phases(sequential);
      out << "\nsequential: " << o.launches << " launches, one at a time, " << failures << " failed\n";
      print_phases(out, phases);
      nlohmann::json samples = nlohmann::json::array();
      for (const auto& l : sequential) samples.push_back(to_json(l));
      report["sequential"] = {{"launches", o.launches}, {"failed", failures}, {"phases", to_json(phases)},
                              {"samples", samples}};
    }

    if (o.concurrent > 0) {
      Burst b = run_burst(cloud, o);
      add_agent_starts(b.servers, o, log_offset);
      size_t burst_failures = 0;
      for (const auto& l : b.servers) {
        if (!l.id.empty()) ids.push_back(l.id);
        if (!l.error.empty()) {
          ++burst_failures;
          out << "  " << l.name << ": " << l.error << "\n";
        }
      }
      failures += burst_failures;
      auto phases = summarize_phases(b.servers);
      out << "\nburst: " << o.concurrent << " created at once: " << b.active << " ACTIVE, all of them after "
          << format_ms(b.all_active_ms) << "; deleted at once: " << b.gone << " gone, all after "
          << format_ms(b.all_gone_ms) << "; " << burst_failures << " failed\n";
      print_phases(out, phases);
      nlohmann::json samples = nlohmann::json::array();
      for (const auto& l : b.servers) samples.push_back(to_json(l));
      report["burst"] = {{"count", o.concurrent},    {"active", b.active},          {"all_active_ms", b.all_active_ms},
                         {"gone", b.gone},           {"all_gone_ms", b.all_gone_ms}, {"failed", burst_failures},
                         {"phases", to_json(phases)}, {"samples", samples}};
    }

    Audit a = audit(cloud, o, ids, quota_before);
    out << "\naudit: " << a.servers_left << " servers named " << o.prefix << "* left, " << a.ports_left
        << " ports of the " << ids.size() << " servers left, "
        << (a.dirs_checked ? std::to_string(a.dirs_left) + " instance directories left" : "instance directories not checked")
        << ", instances in use " << a.quota_before << " -> " << a.quota_after << ": " << (a.ok() ? "clean" : "NOT CLEAN")
        << "\n";
    for (const auto& f : a.findings) out << "  " << f << "\n";
    out << "load average after: " << load_average() << "\n";
    report["audit"] = {{"servers_left", a.servers_left}, {"ports_left", a.ports_left},
                       {"instance_dirs_left", a.dirs_left}, {"instance_dirs_checked", a.dirs_checked},
                       {"instances_in_use_before", a.quota_before}, {"instances_in_use_after", a.quota_after},
                       {"findings", a.findings},           {"clean", a.ok()}};
    report["load_average_after"] = load_average();
    report["failed"] = failures;
    if (o.json) std::cout << report.dump(2) << "\n";
    return failures == 0 && a.ok() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "stratus-compute-launch-bench: " << e.what() << "\n";
    return 1;
  }
}
