// stratus-compute-scheduler-bench: scheduling decisions per second of the compute service, on
// the real create path and a real PostgreSQL, and a check that no host was overcommitted.
//
//   stratus-compute-scheduler-bench --db-url postgresql://postgres@127.0.0.1:55432/postgres
//       [--hosts 10,100] [--concurrency 1,16] [--requests 2000 | --duration S] [--warmup 100]
//       [--pool-size 8] [--no-fill] [--keep-db] [--json]
//
// Each run (one hosts x concurrency cell) gets a fresh database on the server of --db-url
// (created, migrated with compute's and the outbox's migrations, dropped at the end), registers
// the synthetic hosts through Compute::register_host, then K threads call
// Compute::create_servers: quota, names, lock_hosts (every host row FOR UPDATE), the filters and
// weighers, the instance row, the claim, the action and the outbox event, all in the use case's
// own transaction, as the CreateServer RPC does. Only the peers are stand-ins: an in-process gRPC
// image and network service that answer GetImage, GetSecurityGroup and ListNetworks (the calls a
// create makes before its transaction) with fixed answers. No reconcile pass runs, so nothing
// is built: the rows stay in BUILD/networking with their claims, which is all the scheduler sees.
//
// After the measured requests, the fill phase (unless --no-fill) creates m1.large servers from
// the same K threads until every thread has been refused, so the last placements race for the
// last room on every host; then the database is checked: no host's claims above its capacity
// times the allocation ratio, one claim per placed server, and no host left with room for an
// m1.large (a refusal must mean full). Any failure of these exits 1.
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <pqxx/pqxx>

#include "tools/bench/bench_support.h"
#include "common/auth/policy.h"
#include "common/auth/token.h"
#include "common/db/migrations.h"
#include "common/db/pool.h"
#include "common/error/error.h"
#include "common/identity_client/identity_client.h"
#include "common/log/log.h"
#include "common/outbox/outbox.h"
#include "image/v1/image.grpc.pb.h"
#include "network/v1/network.grpc.pb.h"
#include "services/compute/app/compute.h"
#include "services/compute/store/compute_store.h"

namespace img = cloud::image::v1;
namespace net = cloud::network::v1;
using Clock = std::chrono::steady_clock;
using namespace stratus;

namespace {

using stratus::bench::percentile;
using stratus::bench::load_average;
using stratus::bench::format_ms;

struct Options {
  std::string db_url;
  std::vector<int> hosts = {100};
  std::vector<int> concurrency = {1, 16};
  int requests = 2000;    // per run; ignored when duration_s > 0
  double duration_s = 0;  // > 0: run for this long instead of a request count
  int warmup = 100;       // requests before the measured ones, not counted
  int pool_size = 8;      // compute's default db.pool_size
  bool fill = true;
  bool keep_db = false;
  bool json = false;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "stratus-compute-scheduler-bench: " << message << "\n"
            << "usage: stratus-compute-scheduler-bench --db-url URL [--hosts 10,100] [--concurrency 1,16]\n"
            << "         [--requests N | --duration S] [--warmup N] [--pool-size N] [--no-fill] [--keep-db] [--json]\n"
            << "  URL: a PostgreSQL server and a user that may create databases; each run makes and drops its own.\n";
  std::exit(2);
}

std::vector<int> int_list(const std::string& text) {
  std::vector<int> values;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) values.push_back(std::stoi(part));
  return values;
}

Options parse_options(int argc, char** argv) {
  Options o;
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) usage_error(std::string(argv[i]) + " needs a value");
    return argv[++i];
  };
  try {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "--db-url") o.db_url = value(i);
      else if (arg == "--hosts") o.hosts = int_list(value(i));
      else if (arg == "--concurrency") o.concurrency = int_list(value(i));
      else if (arg == "--requests") o.requests = std::stoi(value(i));
      else if (arg == "--duration") o.duration_s = std::stod(value(i));
      else if (arg == "--warmup") o.warmup = std::stoi(value(i));
      else if (arg == "--pool-size") o.pool_size = std::stoi(value(i));
      else if (arg == "--no-fill") o.fill = false;
      else if (arg == "--keep-db") o.keep_db = true;
      else if (arg == "--json") o.json = true;
      else if (arg == "-h" || arg == "--help") usage_error("help");
      else usage_error("unknown argument '" + arg + "'");
    }
  } catch (const std::logic_error&) {  // std::stoi/stod on a non-number
    usage_error("a number was expected");
  }
  if (o.db_url.empty()) usage_error("--db-url is needed");
  if (o.hosts.empty() || o.concurrency.empty()) usage_error("--hosts and --concurrency need at least one value");
  for (int h : o.hosts)
    if (h < 1 || h > 10000) usage_error("hosts must be between 1 and 10000");
  for (int c : o.concurrency)
    if (c < 1 || c > 256) usage_error("concurrency must be between 1 and 256");
  if (o.duration_s <= 0 && o.requests < 1) usage_error("--requests must be at least 1");
  if (o.warmup < 0 || o.pool_size < 1) usage_error("--warmup must be >= 0 and --pool-size >= 1");
  return o;
}

// ---------------------------------------------------------------- the scratch database

// `url` with its database replaced: postgresql://u@h:p/old?x -> postgresql://u@h:p/name?x
std::string with_database(const std::string& url, const std::string& database) {
  size_t authority = url.find("://");
  size_t path = url.find('/', authority == std::string::npos ? 0 : authority + 3);
  size_t query = url.find('?', path == std::string::npos ? 0 : path);
  std::string base = path == std::string::npos ? url.substr(0, query) : url.substr(0, path);
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return base + "/" + database + rest;
}

class ScratchDatabase {
 public:
  ScratchDatabase(std::string server_url, bool keep) : server_url_(std::move(server_url)), keep_(keep) {
    std::random_device random;
    name_ = "stratus_sched_bench_" + std::to_string(getpid()) + "_";
    for (int i = 0; i < 8; ++i) name_ += "abcdefghijklmnopqrstuvwxyz0123456789"[random() % 36];
    pqxx::connection server(server_url_);
    pqxx::nontransaction(server).exec("CREATE DATABASE " + name_);
    url_ = with_database(server_url_, name_);
  }
  ~ScratchDatabase() {
    if (keep_) {
      std::cerr << "kept database " << name_ << "\n";
      return;
    }
    try {
      pqxx::connection server(server_url_);
      pqxx::nontransaction(server).exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception& e) {
      std::cerr << "could not drop database " << name_ << ": " << e.what() << "\n";
    }
  }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  std::string server_url_, name_, url_;
  bool keep_;
};

// ---------------------------------------------------------------- stand-in peers

// The token a bench request carries is its project id, so the network stand-in can answer the
// project's own "default" security group (create_servers checks the group's project).
std::string project_of(const grpc::ServerContext* context) {
  auto it = context->client_metadata().find("authorization");
  if (it == context->client_metadata().end()) return "";
  std::string value(it->second.data(), it->second.size());
  return value.rfind("Bearer ", 0) == 0 ? value.substr(7) : value;
}

class FakeImages final : public img::Images::Service {
 public:
  explicit FakeImages(std::string id) : id_(std::move(id)) {}
  grpc::Status GetImage(grpc::ServerContext*, const img::GetImageRequest*, img::Image* image) override {
    image->set_id(id_);
    image->set_name("cirros");
    image->set_status("active");
    image->set_visibility("public");
    image->set_disk_format("raw");
    image->set_container_format("bare");
    image->set_size(16 * 1024 * 1024);
    image->set_sha256(std::string(64, 'a'));
    return grpc::Status::OK;
  }

 private:
  std::string id_;
};

class FakeNetwork final : public net::Network::Service {
 public:
  grpc::Status GetSecurityGroup(grpc::ServerContext* context, const net::GetSecurityGroupRequest* request,
                                net::SecurityGroup* group) override {
    std::string project = project_of(context);
    group->set_id("sg-" + project);
    group->set_name(request->security_group());
    group->set_project_id(project);
    return grpc::Status::OK;
  }
  grpc::Status ListNetworks(grpc::ServerContext* context, const net::ListNetworksRequest*,
                            net::ListNetworksResponse* response) override {
    auto* n = response->add_networks();
    n->set_id("net-" + project_of(context));
    n->set_name("net");
    n->set_project_id(project_of(context));
    n->set_mtu(1450);
    return grpc::Status::OK;
  }
};

// One in-process gRPC server for both (no TCP: the peers' latency is not the scheduler's).
class FakePeers {
 public:
  FakePeers() : images_(auth::random_uuid()) {
    grpc::ServerBuilder builder;
    builder.RegisterService(&images_);
    builder.RegisterService(&network_);
    server_ = builder.BuildAndStart();
    if (!server_) throw std::runtime_error("could not start the in-process peers");
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
  }
  ~FakePeers() { server_->Shutdown(); }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  FakeImages images_;
  FakeNetwork network_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

// ---------------------------------------------------------------- workload

struct FlavorSize {
  const char* name;
  int vcpus, ram_mib, disk_gib;
};
constexpr FlavorSize kTiny{"m1.tiny", 1, 512, 1};       // the measured requests
constexpr FlavorSize kLarge{"m1.large", 4, 8192, 80};   // the fill phase: 8x fewer requests to fill a host

// Host i of the synthetic fleet: vCPUs 32-80, RAM 128-384 GiB, disk 1-3 TB, in patterns that do
// not line up, so the weigher's order and the binding resource differ from host to host.
compute::HostRow synthetic_host(int i) {
  compute::HostRow h;
  char name[32];
  std::snprintf(name, sizeof name, "bench-host-%04d", i);
  h.name = name;
  h.availability_zone = "nova";
  h.hypervisor_type = "qemu";
  h.architecture = "x86_64";
  h.agent_version = "bench";
  h.vcpus = 32 + 16 * (i % 4);
  h.ram_mib = (128 + 64 * ((i * 3) % 5)) * 1024;
  h.disk_gib = 1000 + 500 * ((i * 7) % 5);
  return h;
}

auth::Caller admin_caller() {
  auth::Caller c;
  c.claims.user_id = "bench-admin";
  c.claims.user_name = "admin";
  c.claims.project_id = "bench-admin-project";
  c.claims.project_name = "admin";
  c.claims.roles = {auth::kRoleAdmin};
  return c;
}

// One project and member user per client thread: the creates of one project queue on its quota
// lock (store::lock_project), so separate projects make the hosts' lock the shared one.
compute::Requester member_of(int thread) {
  compute::Requester r;
  r.caller.claims.user_id = "bench-user-" + std::to_string(thread);
  r.caller.claims.user_name = r.caller.claims.user_id;
  r.caller.claims.project_id = "bench-project-" + std::to_string(thread);
  r.caller.claims.project_name = r.caller.claims.project_id;
  r.caller.claims.roles = {auth::kRoleMember};
  r.token = r.caller.claims.project_id;  // see project_of()
  return r;
}

struct Phase {
  uint64_t placed = 0, refused = 0, errors = 0;
  std::string first_error;
  double seconds = 0;
  std::vector<double> latencies_ms;  // every completed request, placed or refused
  std::vector<double> finished_s;    // when each completed, seconds from the phase's start
};

// How long a phase runs: a number of requests shared by the threads, a deadline, or (fill)
// until each thread has been refused once.
struct Budget {
  int requests = 0;
  double duration_s = 0;
  bool until_refused = false;
};

// K client threads, each a closed loop of create_servers calls (count 1) in its own project.
// `next_name` numbers each thread's servers across phases (names are unique in a project).
Phase drive(compute::Compute& compute, const std::vector<compute::Requester>& clients,
            std::vector<int>& next_name, const std::string& image_id, const FlavorSize& flavor, const Budget& budget) {
  std::atomic<int> tickets{budget.requests};
  const auto start = Clock::now();
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(budget.duration_s));
  std::vector<Phase> per_thread(clients.size());
  std::vector<std::thread> threads;
  for (size_t t = 0; t < clients.size(); ++t) {
    threads.emplace_back([&, t] {
      Phase& mine = per_thread[t];
      auto another = [&] {
        if (budget.until_refused) return mine.refused == 0;
        if (budget.duration_s > 0) return Clock::now() < deadline;
        return tickets.fetch_sub(1) > 0;
      };
      while (another()) {
        compute::ServerSpec spec;
        spec.name = "vm-" + std::to_string(t) + "-" + std::to_string(next_name[t]++);
        spec.image = image_id;
        spec.flavor = flavor.name;
        const auto begin = Clock::now();
        try {
          compute.create_servers(clients[t], spec);
          mine.placed++;
        } catch (const Error& e) {
          if (e.code() == ErrorCode::ResourceExhausted) {
            mine.refused++;
          } else {
            if (mine.errors++ == 0) mine.first_error = std::string(error_code_name(e.code())) + ": " + e.what();
            if (budget.until_refused) break;  // would never be refused: do not spin
            continue;
          }
        } catch (const std::exception& e) {
          if (mine.errors++ == 0) mine.first_error = e.what();
          if (budget.until_refused) break;
          continue;
        }
        const auto end = Clock::now();
        mine.latencies_ms.push_back(std::chrono::duration<double, std::milli>(end - begin).count());
        mine.finished_s.push_back(std::chrono::duration<double>(end - start).count());
      }
    });
  }
  for (auto& th : threads) th.join();
  Phase all;
  all.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& p : per_thread) {
    all.placed += p.placed;
    all.refused += p.refused;
    all.errors += p.errors;
    if (all.first_error.empty()) all.first_error = p.first_error;
    all.latencies_ms.insert(all.latencies_ms.end(), p.latencies_ms.begin(), p.latencies_ms.end());
    all.finished_s.insert(all.finished_s.end(), p.finished_s.begin(), p.finished_s.end());
  }
  std::sort(all.latencies_ms.begin(), all.latencies_ms.end());
  std::sort(all.finished_s.begin(), all.finished_s.end());
  return all;
}

// Decisions per second over the first and the last tenth of a phase's completions: if each
// decision's cost grows with the instances already placed, the last tenth is slower.
std::pair<double, double> first_and_last_tenth(const std::vector<double>& finished_s) {
  size_t n = finished_s.size() / 10;
  if (n < 2) return {0, 0};
  double first = finished_s[n - 1];
  double last = finished_s.back() - finished_s[finished_s.size() - 1 - n];
  return {first > 0 ? static_cast<double>(n) / first : 0, last > 0 ? static_cast<double>(n) / last : 0};
}

// ---------------------------------------------------------------- where the time goes

// Samples pg_stat_activity of the scratch database while a phase runs: how many of its
// backends are running a statement, and how many of those wait for a lock (the hosts' rows).
class LockSampler {
 public:
  explicit LockSampler(const std::string& url) : conn_(url), thread_([this] { run(); }) {}
  ~LockSampler() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  double mean_active() const { return samples_ ? static_cast<double>(active_) / static_cast<double>(samples_) : 0; }
  double mean_lock_waits() const {
    return samples_ ? static_cast<double>(waiting_) / static_cast<double>(samples_) : 0;
  }

 private:
  void run() {
    while (!stop_) {
      try {
        pqxx::nontransaction tx(conn_);
        auto r = tx.exec(
            "SELECT count(*) FILTER (WHERE state = 'active'), "
            "count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock') "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")[0];
        active_ += r[0].as<uint64_t>();
        waiting_ += r[1].as<uint64_t>();
        samples_++;
      } catch (const std::exception&) {
        return;  // a diagnostic only
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  pqxx::connection conn_;
  std::atomic<bool> stop_{false};
  uint64_t samples_ = 0, active_ = 0, waiting_ = 0;
  std::thread thread_;  // last: starts after the counters exist
};

double process_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU seconds of the PostgreSQL backends serving the scratch database, from /proc (0 when the
// server is on another machine). The pool's connections live through the run, so the
// difference over a phase is what the phase cost PostgreSQL.
double backends_cpu_s(pqxx::connection& conn) {
  double total = 0;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  for (const auto& row : pqxx::nontransaction(conn).exec(
           "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")) {
    std::ifstream stat("/proc/" + row[0].as<std::string>() + "/stat");
    std::string text;
    if (!std::getline(stat, text)) continue;
    std::istringstream fields(text.substr(text.rfind(')') + 2));  // the command name may hold spaces
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {  // fields 14 and 15: utime, stime
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    total += (utime + stime) / ticks;
  }
  return total;
}

// ---------------------------------------------------------------- the check

struct Check {
  int hosts = 0, overcommitted = 0, with_room = 0;
  uint64_t claims = 0, placed_rows = 0;
  std::vector<std::string> details;  // the overcommitted hosts, for the message
};

int64_t limit_of(int64_t total, double ratio) {
  return static_cast<int64_t>(std::floor(static_cast<double>(total) * ratio));
}

// Straight from the tables, not through the scheduler's code: what every host holds against
// what it may hold.
Check check_database(pqxx::connection& conn, const compute::scheduling::Ratios& ratios, const FlavorSize& fill) {
  Check c;
  pqxx::nontransaction tx(conn);
  for (const auto& r : tx.exec(
           "SELECT h.name, h.vcpus, h.ram_mib, h.disk_gib, coalesce(sum(c.vcpus), 0)::bigint, "
           "coalesce(sum(c.ram_mib), 0)::bigint, coalesce(sum(c.disk_gib), 0)::bigint "
           "FROM hosts h LEFT JOIN claims c ON c.host = h.name GROUP BY h.name ORDER BY h.name")) {
    c.hosts++;
    const int64_t vcpus = limit_of(r[1].as<int64_t>(), ratios.cpu), ram = limit_of(r[2].as<int64_t>(), ratios.ram),
                  disk = limit_of(r[3].as<int64_t>(), ratios.disk);
    const int64_t used_vcpus = r[4].as<int64_t>(), used_ram = r[5].as<int64_t>(), used_disk = r[6].as<int64_t>();
    if (used_vcpus > vcpus || used_ram > ram || used_disk > disk) {
      c.overcommitted++;
      c.details.push_back(r[0].as<std::string>() + ": vCPU " + std::to_string(used_vcpus) + "/" +
                          std::to_string(vcpus) + ", RAM " + std::to_string(used_ram) + "/" + std::to_string(ram) +
                          " MiB, disk " + std::to_string(used_disk) + "/" + std::to_string(disk) + " GiB");
    }
    if (vcpus - used_vcpus >= fill.vcpus && ram - used_ram >= fill.ram_mib && disk - used_disk >= fill.disk_gib)
      c.with_room++;
  }
  c.claims = tx.exec("SELECT count(*) FROM claims")[0][0].as<uint64_t>();
  c.placed_rows = tx.exec("SELECT count(*) FROM instances WHERE host <> ''")[0][0].as<uint64_t>();
  return c;
}

// ---------------------------------------------------------------- one run

struct RunResult {
  int hosts = 0, concurrency = 0;
  Phase measured, fill;
  double rate = 0, first_tenth_rate = 0, last_tenth_rate = 0;
  double bench_cpu_us = 0, db_cpu_us = 0;  // per measured decision
  double mean_active = 0, mean_lock_waits = 0;
  Check check;
  bool ok = true;
  std::string failure;
};

log::Logger quiet_logger() {
  // Warn: compute logs every accepted create at info, which would drown the report.
  return log::Logger("bench", log::Level::Warn, log::Format::Text, std::make_shared<log::Sink>(std::cerr));
}

RunResult run(const Options& o, int host_count, int concurrency, FakePeers& fake_peers) {
  RunResult result;
  result.hosts = host_count;
  result.concurrency = concurrency;

  ScratchDatabase db(o.db_url, o.keep_db);
  auto logger = quiet_logger();
  db::Pool pool(db.url(), static_cast<size_t>(o.pool_size), logger.child("db"));
  db::migrate(pool, "outbox", db::outbox_migrations(), logger);
  db::migrate(pool, "compute", db::compute_migrations(), logger);

  // Never called: every peer call carries the requester's token, so no service token is
  // needed, and the endpoint is never dialled.
  identity_client::IdentityConnection identity("127.0.0.1:1", {}, logger.child("identity"));
  compute::Peers peers(fake_peers.channel(), fake_peers.channel(), fake_peers.channel(), identity);
  compute::Settings settings;  // compute's defaults: ratios 16 / 1.5 / 1.0, spread
  settings.default_quota.instances = settings.default_quota.cores = settings.default_quota.ram_mib = -1;
  // The hosts register once and send no heartbeats; keep them up for however long the run takes.
  settings.host_down_after = std::chrono::hours(24);
  compute::Compute compute(pool, peers, settings, logger.child("compute"));

  const auth::Caller admin = admin_caller();
  for (int i = 0; i < host_count; ++i) compute.register_host(admin, synthetic_host(i));
  for (const auto& f : {kTiny, kLarge}) {
    compute::FlavorSpec spec;
    spec.name = f.name;
    spec.vcpus = f.vcpus;
    spec.ram_mib = f.ram_mib;
    spec.disk_gib = f.disk_gib;
    compute.create_flavor(admin, spec);
  }
  const std::string image_id = auth::random_uuid();  // any id: the image stand-in answers every id

  std::vector<compute::Requester> clients;
  for (int t = 0; t < concurrency; ++t) clients.push_back(member_of(t));
  std::vector<int> next_name(clients.size(), 0);

  // Warm-up: the pool's connections opened, the statements' plans and caches warm.
  uint64_t warm_placed = 0;
  if (o.warmup > 0) {
    Phase warm = drive(compute, clients, next_name, image_id, kTiny, {o.warmup, 0, false});
    if (warm.errors) throw std::runtime_error("warm-up failed: " + warm.first_error);
    warm_placed = warm.placed;
  }

  pqxx::connection monitor(db.url());
  {
    LockSampler sampler(db.url());
    const double cpu0 = process_cpu_s(), db0 = backends_cpu_s(monitor);
    result.measured = drive(compute, clients, next_name, image_id, kTiny,
                            {o.duration_s > 0 ? 0 : o.requests, o.duration_s, false});
    const double cpu1 = process_cpu_s(), db1 = backends_cpu_s(monitor);
    sampler.stop();
    const double decisions = static_cast<double>(result.measured.latencies_ms.size());
    if (decisions > 0) {
      // The bench process includes the sampler's and the stand-in peers' small share.
      result.bench_cpu_us = (cpu1 - cpu0) * 1e6 / decisions;
      result.db_cpu_us = (db1 - db0) * 1e6 / decisions;
    }
    result.mean_active = sampler.mean_active();
    result.mean_lock_waits = sampler.mean_lock_waits();
  }
  const Phase& m = result.measured;
  result.rate = m.seconds > 0 ? static_cast<double>(m.latencies_ms.size()) / m.seconds : 0;
  std::tie(result.first_tenth_rate, result.last_tenth_rate) = first_and_last_tenth(m.finished_s);

  if (o.fill) result.fill = drive(compute, clients, next_name, image_id, kLarge, {0, 0, true});

  result.check = check_database(monitor, settings.scheduler.ratios, kLarge);
  auto fail = [&](const std::string& why) {
    result.ok = false;
    result.failure += (result.failure.empty() ? "" : "; ") + why;
  };
  if (m.errors || result.fill.errors)
    fail("errors other than RESOURCE_EXHAUSTED: " + (m.errors ? m.first_error : result.fill.first_error));
  if (result.check.overcommitted) fail(std::to_string(result.check.overcommitted) + " hosts overcommitted");
  // One claim per placed server, and exactly the servers the calls reported placed.
  const uint64_t reported = warm_placed + m.placed + result.fill.placed;
  if (result.check.claims != result.check.placed_rows)
    fail(std::to_string(result.check.claims) + " claims for " + std::to_string(result.check.placed_rows) +
         " placed servers");
  if (result.check.placed_rows != reported)
    fail(std::to_string(result.check.placed_rows) + " placed servers in the database, " + std::to_string(reported) +
         " creates succeeded");
  if (o.fill && result.check.with_room)
    fail(std::to_string(result.check.with_room) + " hosts still have room for an " + kLarge.name +
         " after every thread was refused one");
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_options(argc, argv);
  std::ostream& out = o.json ? std::cerr : std::cout;  // with --json, stdout holds only the JSON
  try {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const std::string load_before = load_average();
    out << "machine:      " << cores << " cores (nproc), load average " << load_before << " (before)\n";
    out << "path:         Compute::create_servers (count 1, " << kTiny.name << " " << kTiny.vcpus << " vCPU/"
        << kTiny.ram_mib << " MiB/" << kTiny.disk_gib << " GiB), real PostgreSQL, db pool " << o.pool_size
        << ", image/network peers in-process stand-ins\n";
    out << "per run:      fresh database, "
        << (o.duration_s > 0 ? std::to_string(o.duration_s) + " s" : std::to_string(o.requests) + " requests")
        << " after " << o.warmup << " warm-up requests"
        << (o.fill ? ", then fill with " + std::string(kLarge.name) : "")
        << "\n\n";

    char line[400];
    std::snprintf(line, sizeof line, "%6s %5s %11s %10s %10s %8s %8s %11s %11s %9s %9s %6s", "hosts", "conc",
                  "decisions/s", "p50", "p99", "placed", "refused", "first10%/s", "last10%/s", "cpu us", "pg us",
                  "lockw");
    out << line << "\n";
    FakePeers peers;
    std::vector<RunResult> results;
    bool ok = true;
    for (int h : o.hosts) {
      for (int c : o.concurrency) {
        RunResult r = run(o, h, c, peers);
        const Phase& m = r.measured;
        std::snprintf(line, sizeof line, "%6d %5d %11.1f %10s %10s %8llu %8llu %11.1f %11.1f %9.0f %9.0f %6.2f", h, c,
                      r.rate, format_ms(percentile(m.latencies_ms, 0.50)).c_str(),
                      format_ms(percentile(m.latencies_ms, 0.99)).c_str(), static_cast<unsigned long long>(m.placed),
                      static_cast<unsigned long long>(m.refused), r.first_tenth_rate, r.last_tenth_rate,
                      r.bench_cpu_us, r.db_cpu_us, r.mean_lock_waits);
        out << line << "\n";
        if (o.fill)
          out << "       fill: " << r.fill.placed << " " << kLarge.name << " placed in " << std::fixed
              << std::setprecision(1) << r.fill.seconds << " s, then every thread refused; ";
        else
          out << "       ";
        out << "claims " << r.check.claims << " for " << r.check.placed_rows << " placed servers on " << r.check.hosts
            << " hosts; overcommitted hosts: " << r.check.overcommitted << "\n";
        out.unsetf(std::ios::floatfield);
        for (const auto& d : r.check.details) out << "       OVERCOMMITTED " << d << "\n";
        if (!r.ok) out << "       FAILED: " << r.failure << "\n";
        out.flush();
        ok = ok && r.ok;
        results.push_back(std::move(r));
      }
    }
    out << "\n(decisions = create_servers calls that completed, placed or refused; first10%/last10% = rate over the"
           " first and last tenth of them; cpu us / pg us = CPU per decision of this process and of the database's"
           " backends; lockw = mean backends waiting for a lock, sampled every 20 ms)\n";
    // Cost per decision against the hosts it looks at: the rate at the fewest and the most hosts.
    if (o.hosts.size() > 1) {
      for (int c : o.concurrency) {
        const RunResult *low = nullptr, *high = nullptr;
        for (const auto& r : results)
          if (r.concurrency == c) {
            if (!low || r.hosts < low->hosts) low = &r;
            if (!high || r.hosts > high->hosts) high = &r;
          }
        if (low && high && low != high && high->rate > 0) {
          std::snprintf(line, sizeof line,
                        "hosts %d -> %d at concurrency %d: %.1f -> %.1f decisions/s (%.2fx the time per decision)\n",
                        low->hosts, high->hosts, c, low->rate, high->rate, low->rate / high->rate);
          out << line;
        }
      }
    }
    const std::string load_after = load_average();
    out << "load average: " << load_after << " (after)\n";

    if (o.json) {
      nlohmann::json j;
      j["machine"] = {{"nproc", cores}, {"load_average", {{"before", load_before}, {"after", load_after}}}};
      j["pool_size"] = o.pool_size;
      j["requests"] = o.duration_s > 0 ? 0 : o.requests;
      j["duration_s"] = o.duration_s;
      j["warmup"] = o.warmup;
      j["results"] = nlohmann::json::array();
      for (const auto& r : results) {
        const Phase& m = r.measured;
        nlohmann::json cell = {{"hosts", r.hosts},
                               {"concurrency", r.concurrency},
                               {"decisions_per_s", r.rate},
                               {"p50_ms", percentile(m.latencies_ms, 0.50)},
                               {"p99_ms", percentile(m.latencies_ms, 0.99)},
                               {"placed", m.placed},
                               {"refused", m.refused},
                               {"errors", m.errors},
                               {"seconds", m.seconds},
                               {"first_tenth_per_s", r.first_tenth_rate},
                               {"last_tenth_per_s", r.last_tenth_rate},
                               {"cpu_us_per_decision", {{"bench", r.bench_cpu_us}, {"postgres", r.db_cpu_us}}},
                               {"mean_active_backends", r.mean_active},
                               {"mean_lock_waits", r.mean_lock_waits},
                               {"fill",
                                {{"placed", r.fill.placed}, {"refused", r.fill.refused}, {"seconds", r.fill.seconds}}},
                               {"claims", r.check.claims},
                               {"placed_servers", r.check.placed_rows},
                               {"overcommitted_hosts", r.check.overcommitted},
                               {"hosts_with_room_after_fill", r.check.with_room},
                               {"ok", r.ok}};
        if (!m.first_error.empty()) cell["first_error"] = m.first_error;
        if (!r.failure.empty()) cell["failure"] = r.failure;
        j["results"].push_back(cell);
      }
      std::cout << j.dump() << "\n";
    }
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "stratus-compute-scheduler-bench: " << e.what() << "\n";
    return 1;
  }
}
