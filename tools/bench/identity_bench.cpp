// stratus-identity-bench: a closed-loop gRPC load generator for a running identity service.
//
//   stratus-identity-bench --endpoint 127.0.0.1:7100 --username demo --password-stdin --project demo
//       [--duration 10] [--warmup 2] [--concurrency 1,16] [--ops issue,renew,validate,local-validate,empty]
//       [--channels per-thread|shared] [--keystone FILE] [--json]
//   stratus-identity-bench --setup-demo --admin-password-file F --username demo --password-stdin ...
//
// Ops: issue = Authenticate with the password (one Argon2id verification on the server);
// renew = Authenticate with the current token (no hash); validate = the ValidateToken RPC;
// local-validate = what every other service does per request: TokenVerifier + RevocationList
// in this process, public keys fetched once with ListSigningKeys, no network call;
// empty = grpc.health.v1.Health/Check on the same server, the floor of any unary RPC there
// (validate is printed as a ratio of it).
// Each of `c` worker threads runs one call after another until the duration is over; only calls
// that start after the warm-up and finish before the end are counted.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <dirent.h>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tools/bench/bench_support.h"
#include "common/auth/password.h"
#include "common/auth/revocations.h"
#include "common/auth/token.h"
#include "common/rpc/authenticator.h"
#include "identity/v1/identity.grpc.pb.h"

namespace v1 = cloud::identity::v1;
using Clock = std::chrono::steady_clock;
using stratus::auth::RevocationList;
using stratus::auth::TokenVerifier;

namespace {

using stratus::bench::percentile;
using stratus::bench::load_average;
using stratus::bench::format_ms;
using stratus::bench::describe;

constexpr auto kCallDeadline = std::chrono::seconds(60);
const std::vector<std::string> kAllOps = {"issue", "renew", "validate", "local-validate", "empty"};

struct Options {
  std::string endpoint = "127.0.0.1:7100";
  std::string username = "demo";
  std::string password;
  std::string project = "demo";
  double duration_s = 10;
  double warmup_s = 2;
  std::vector<int> concurrency = {1, 16};
  std::vector<std::string> ops = kAllOps;
  bool shared_channel = false;
  bool json = false;
  std::string keystone_file;  // bench.sh output of the Keystone peer, for the ratio column
  bool setup_demo = false;
  std::string admin_user = "admin";
  std::string admin_password;
  std::string admin_project = "admin";
  int hash_samples = 5;
  int server_pid = 0;  // identity's pid: its CPU seconds per request, which the machine's load does not change
  int db_pid = 0;      // PostgreSQL's postmaster: CPU of it and its backends per request
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "stratus-identity-bench: " << message << "\n"
            << "usage: stratus-identity-bench [--endpoint HOST:PORT] [--username U] (--password P | --password-stdin)\n"
            << "         [--project P] [--duration S] [--warmup S] [--concurrency 1,16]\n"
            << "         [--ops issue,renew,validate,local-validate,empty] [--channels per-thread|shared]\n"
            << "         [--keystone KEYSTONE_BENCH_OUTPUT] [--hash-samples N] [--json]\n"
            << "         [--server-pid IDENTITY_PID] [--db-pid POSTMASTER_PID]\n"
            << "         [--setup-demo --admin-password-file F [--admin-user admin] [--admin-project admin]]\n";
  std::exit(2);
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, sep);)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

Options parse_options(int argc, char** argv) {
  Options o;
  bool password_stdin = false;
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) usage_error(std::string(argv[i]) + " needs a value");
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--endpoint") o.endpoint = value(i);
    else if (arg == "--username") o.username = value(i);
    else if (arg == "--password") o.password = value(i);
    else if (arg == "--password-stdin") password_stdin = true;
    else if (arg == "--project") o.project = value(i);
    else if (arg == "--duration") o.duration_s = std::stod(value(i));
    else if (arg == "--warmup") o.warmup_s = std::stod(value(i));
    else if (arg == "--concurrency") {
      o.concurrency.clear();
      for (const auto& c : split(value(i), ',')) o.concurrency.push_back(std::stoi(c));
    } else if (arg == "--ops") o.ops = split(value(i), ',');
    else if (arg == "--channels") {
      std::string mode = value(i);
      if (mode != "per-thread" && mode != "shared") usage_error("--channels is per-thread or shared");
      o.shared_channel = mode == "shared";
    } else if (arg == "--keystone") o.keystone_file = value(i);
    else if (arg == "--json") o.json = true;
    else if (arg == "--hash-samples") o.hash_samples = std::stoi(value(i));
    else if (arg == "--server-pid") o.server_pid = std::stoi(value(i));
    else if (arg == "--db-pid") o.db_pid = std::stoi(value(i));
    else if (arg == "--setup-demo") o.setup_demo = true;
    else if (arg == "--admin-user") o.admin_user = value(i);
    else if (arg == "--admin-project") o.admin_project = value(i);
    else if (arg == "--admin-password-file") o.admin_password = stratus::bench::first_line_of_file(value(i), usage_error);
    else if (arg == "-h" || arg == "--help") usage_error("help");
    else usage_error("unknown argument '" + arg + "'");
  }
  if (password_stdin) std::getline(std::cin, o.password);
  if (o.password.empty()) usage_error("a password is needed: --password P or --password-stdin");
  if (o.duration_s <= 0 || o.warmup_s < 0) usage_error("--duration must be > 0 and --warmup >= 0");
  for (int c : o.concurrency)
    if (c < 1 || c > 1024) usage_error("concurrency must be between 1 and 1024");
  for (const auto& op : o.ops)
    if (std::find(kAllOps.begin(), kAllOps.end(), op) == kAllOps.end()) usage_error("unknown op '" + op + "'");
  if (o.setup_demo && o.admin_password.empty()) usage_error("--setup-demo needs --admin-password-file");
  return o;
}

// ---------------------------------------------------------------- gRPC plumbing

// Per-thread channels get their own TCP connection: gRPC would otherwise share one subchannel
// between channels with equal arguments, which is the same as `--channels shared`.
std::shared_ptr<grpc::Channel> new_channel(const std::string& endpoint, bool own_connection) {
  grpc::ChannelArguments args;
  if (own_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args);
}

void prepare(grpc::ClientContext& context, const std::string& token = "") {
  context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);  // gRPC takes only system_clock
  if (!token.empty()) stratus::rpc::attach_token(context, token);
}

v1::Token authenticate_password(v1::Identity::Stub& stub, const std::string& user, const std::string& password,
                                const std::string& project) {
  v1::AuthenticateRequest request;
  request.mutable_password()->set_username(user);
  request.mutable_password()->set_password(password);
  request.set_project(project);
  v1::Token token;
  grpc::ClientContext context;
  prepare(context);
  auto status = stub.Authenticate(&context, request, &token);
  if (!status.ok()) throw std::runtime_error("Authenticate as " + user + " failed: " + describe(status));
  return token;
}

// --setup-demo: project, user and member role, each left as is when it already exists.
void setup_demo(const Options& o) {
  auto stub = v1::Identity::NewStub(new_channel(o.endpoint, false));
  std::string admin = authenticate_password(*stub, o.admin_user, o.admin_password, o.admin_project).token();
  auto tolerate_exists = [](const grpc::Status& status, const std::string& what) {
    if (status.ok()) std::cerr << "setup-demo: created " << what << "\n";
    else if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) std::cerr << "setup-demo: " << what << " exists\n";
    else throw std::runtime_error("setup-demo: " + what + ": " + describe(status));
  };
  {
    v1::CreateProjectRequest request;
    request.set_name(o.project);
    request.set_description("benchmark and demo project");
    v1::Project response;
    grpc::ClientContext context;
    prepare(context, admin);
    tolerate_exists(stub->CreateProject(&context, request, &response), "project " + o.project);
  }
  {
    v1::CreateUserRequest request;
    request.set_name(o.username);
    request.set_password(o.password);
    v1::User response;
    grpc::ClientContext context;
    prepare(context, admin);
    tolerate_exists(stub->CreateUser(&context, request, &response), "user " + o.username);
  }
  {
    v1::RoleRequest request;
    request.set_user(o.username);
    request.set_project(o.project);
    request.set_role("member");
    v1::RoleAssignment response;
    grpc::ClientContext context;
    prepare(context, admin);
    tolerate_exists(stub->AddRole(&context, request, &response), "role member for " + o.username);
  }
}

std::map<std::string, std::string> fetch_public_keys(v1::Identity::Stub& stub) {
  v1::ListSigningKeysResponse response;
  grpc::ClientContext context;
  prepare(context);
  auto status = stub.ListSigningKeys(&context, v1::ListSigningKeysRequest(), &response);
  if (!status.ok()) throw std::runtime_error("ListSigningKeys failed: " + describe(status));
  std::map<std::string, std::string> keys;
  for (const auto& k : response.keys()) keys[k.key_id()] = k.public_key();
  return keys;
}

// ---------------------------------------------------------------- load loop

// ---------------------------------------------------------------- CPU accounting

// CPU seconds (user + system) that process `pid` has used, from /proc/PID/stat; 0 if it is gone.
double process_cpu_s(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(in, text);
  auto paren = text.rfind(')');  // the command name may contain spaces
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i)
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int parent_pid(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(in, text);
  auto paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string state;
  int ppid = 0;
  fields >> state >> ppid;
  return ppid;
}

// CPU of `pid` and its direct children (PostgreSQL: the postmaster and its backends). Backends
// that end during a cell take their CPU with them; the pool keeps its connections, so few do.
double process_tree_cpu_s(int pid) {
  double total = process_cpu_s(pid);
  DIR* proc = opendir("/proc");
  if (!proc) return total;
  while (auto* entry = readdir(proc)) {
    int child = std::atoi(entry->d_name);
    if (child > 0 && parent_pid(child) == pid) total += process_cpu_s(child);
  }
  closedir(proc);
  return total;
}

double self_cpu_s() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct CpuSample {
  double client = 0, server = 0, db = 0;
};

CpuSample sample_cpu(int server_pid, int db_pid) {
  return {self_cpu_s(), server_pid ? process_cpu_s(server_pid) : 0, db_pid ? process_tree_cpu_s(db_pid) : 0};
}

// One call; returns an empty string on success, else what went wrong.
using Call = std::function<std::string()>;

struct CellResult {
  std::string op;
  int concurrency = 0;
  double duration_s = 0;
  uint64_t requests = 0;
  uint64_t errors = 0;
  double rps = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  std::string first_error;
  // CPU microseconds per successful request inside the measured window (0 when not measured).
  double client_cpu_us = 0, server_cpu_us = 0, db_cpu_us = 0;
};

// Runs `calls.size()` threads back to back for warmup + duration seconds; counts what completes
// inside the measured window.
CellResult run_cell(const std::string& op, std::vector<Call> calls, double warmup_s, double duration_s,
                    int server_pid, int db_pid) {
  struct PerThread {
    std::vector<double> latencies_ms;
    uint64_t errors = 0;
    std::string first_error;
  };
  std::vector<PerThread> results(calls.size());
  auto start = Clock::now() + std::chrono::milliseconds(20);  // lets every thread get to the line
  auto measure_from = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup_s));
  auto end = measure_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration_s));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < calls.size(); ++i) {
    threads.emplace_back([&, i] {
      auto& mine = results[i];
      mine.latencies_ms.reserve(1 << 16);
      std::this_thread::sleep_until(start);
      while (true) {
        auto t0 = Clock::now();
        if (t0 >= end) break;
        std::string error = calls[i]();
        auto t1 = Clock::now();
        if (t0 < measure_from || t1 > end) continue;
        if (error.empty()) {
          mine.latencies_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        } else {
          if (mine.errors++ == 0) mine.first_error = error;
        }
      }
    });
  }
  std::this_thread::sleep_until(measure_from);
  CpuSample cpu_before = sample_cpu(server_pid, db_pid);
  std::this_thread::sleep_until(end);
  CpuSample cpu_after = sample_cpu(server_pid, db_pid);
  for (auto& t : threads) t.join();

  CellResult r;
  r.op = op;
  r.concurrency = static_cast<int>(calls.size());
  r.duration_s = duration_s;
  std::vector<double> all;
  for (auto& t : results) {
    all.insert(all.end(), t.latencies_ms.begin(), t.latencies_ms.end());
    r.errors += t.errors;
    if (r.first_error.empty()) r.first_error = t.first_error;
  }
  std::sort(all.begin(), all.end());
  r.requests = all.size() + r.errors;
  r.rps = static_cast<double>(all.size()) / duration_s;
  r.p50_ms = percentile(all, 0.50);
  r.p99_ms = percentile(all, 0.99);
  if (!all.empty()) {
    double per_request_us = 1e6 / static_cast<double>(all.size());
    r.client_cpu_us = (cpu_after.client - cpu_before.client) * per_request_us;
    if (server_pid) r.server_cpu_us = (cpu_after.server - cpu_before.server) * per_request_us;
    if (db_pid) r.db_cpu_us = (cpu_after.db - cpu_before.db) * per_request_us;
  }
  return r;
}

// Everything the ops share: the endpoint, a fresh token, the public keys.
struct Fixture {
  const Options& options;
  std::shared_ptr<grpc::Channel> shared_channel;
  std::string token;
  std::map<std::string, std::string> public_keys;

  std::shared_ptr<grpc::Channel> channel() const {
    return options.shared_channel ? shared_channel : new_channel(options.endpoint, true);
  }
};

// One Call per worker: each holds its own stub (and channel unless --channels shared).
std::vector<Call> make_calls(const std::string& op, int concurrency, const Fixture& f,
                             std::vector<std::shared_ptr<void>>& keep_alive) {
  std::vector<Call> calls;
  const Options& o = f.options;
  // local-validate: one verifier for all threads, as in a service (it is thread-safe).
  std::shared_ptr<TokenVerifier> verifier;
  std::shared_ptr<RevocationList> revocations;
  std::shared_ptr<stratus::rpc::Authenticator> authenticator;
  if (op == "local-validate") {
    verifier = std::make_shared<TokenVerifier>();
    verifier->set_public_keys(f.public_keys);
    revocations = std::make_shared<RevocationList>();
    authenticator = std::make_shared<stratus::rpc::Authenticator>(*verifier, *revocations);
    keep_alive.push_back(verifier);
    keep_alive.push_back(revocations);
    keep_alive.push_back(authenticator);
  }
  for (int i = 0; i < concurrency; ++i) {
    if (op == "local-validate") {
      std::string token = f.token;
      calls.push_back([authenticator, token]() -> std::string {
        try {
          auto claims = authenticator->verify(token);
          if (claims.user_id.empty()) return "verified token has no user";
          return "";
        } catch (const std::exception& e) {
          return e.what();
        }
      });
      continue;
    }
    if (op == "empty") {
      // The floor of any unary RPC on this server stack (TLS or not, HTTP/2, the server's
      // threads): grpc.health.v1.Health/Check with an empty request, which the server answers
      // without touching identity's code. Validate is reported as a ratio of it.
      auto generic = std::make_shared<grpc::GenericStub>(f.channel());
      // A queue must be shut down and drained before it is destroyed.
      std::shared_ptr<grpc::CompletionQueue> queue(new grpc::CompletionQueue, [](grpc::CompletionQueue* q) {
        q->Shutdown();
        void* tag = nullptr;
        bool ok = false;
        while (q->Next(&tag, &ok)) {
        }
        delete q;
      });
      keep_alive.push_back(queue);
      calls.push_back([generic, queue]() -> std::string {
        grpc::ClientContext context;
        prepare(context);
        grpc::Slice empty_message("");  // an empty HealthCheckRequest: the server as a whole
        grpc::ByteBuffer request(&empty_message, 1), response;
        grpc::Status status;
        auto call = generic->PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request, queue.get());
        call->StartCall();
        call->Finish(&response, &status, reinterpret_cast<void*>(1));
        void* tag = nullptr;
        bool ok = false;
        if (!queue->Next(&tag, &ok) || !ok) return "completion queue failed";
        return status.ok() ? "" : describe(status);
      });
      continue;
    }
    std::shared_ptr<v1::Identity::Stub> stub = v1::Identity::NewStub(f.channel());
    if (op == "issue") {
      v1::AuthenticateRequest request;
      request.mutable_password()->set_username(o.username);
      request.mutable_password()->set_password(o.password);
      request.set_project(o.project);
      calls.push_back([stub, request]() -> std::string {
        v1::Token response;
        grpc::ClientContext context;
        prepare(context);
        auto status = stub->Authenticate(&context, request, &response);
        return status.ok() ? "" : describe(status);
      });
    } else if (op == "renew") {
      // Each worker renews its own token chain: the token it got last time.
      auto current = std::make_shared<std::string>(f.token);
      std::string project = o.project;
      calls.push_back([stub, current, project]() -> std::string {
        v1::AuthenticateRequest request;
        request.set_token(*current);
        request.set_project(project);
        v1::Token response;
        grpc::ClientContext context;
        prepare(context);
        auto status = stub->Authenticate(&context, request, &response);
        if (!status.ok()) return describe(status);
        *current = response.token();
        return "";
      });
    } else {  // validate: the caller's own token as both credential and subject
      v1::ValidateTokenRequest request;
      request.set_token(f.token);
      std::string token = f.token;
      calls.push_back([stub, request, token]() -> std::string {
        v1::TokenInfo response;
        grpc::ClientContext context;
        prepare(context, token);
        auto status = stub->ValidateToken(&context, request, &response);
        return status.ok() ? "" : describe(status);
      });
    }
  }
  return calls;
}

// ---------------------------------------------------------------- machine and hash cost

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "unknown";
}

struct HashCost {
  double hash_ms = 0;        // hash_password, wall clock, median
  double verify_ms = 0;      // verify_password (what a password login costs), wall clock, median
  double verify_cpu_ms = 0;  // the same in CPU time: unlike wall time, other load on the machine does not inflate it
};

double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

HashCost measure_hash_cost(int samples) {
  HashCost cost;
  const std::string password = "correct-horse-battery-staple-42";
  std::string hash = stratus::auth::hash_password(password);  // warms the allocator
  std::vector<double> hash_ms, verify_ms, verify_cpu_ms;
  for (int i = 0; i < samples; ++i) {
    auto t0 = Clock::now();
    stratus::auth::hash_password(password);
    hash_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    double c0 = thread_cpu_ms();
    t0 = Clock::now();
    if (!stratus::auth::verify_password(hash, password)) throw std::runtime_error("hash self-check failed");
    verify_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    verify_cpu_ms.push_back(thread_cpu_ms() - c0);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  cost.hash_ms = median(hash_ms);
  cost.verify_ms = median(verify_ms);
  cost.verify_cpu_ms = median(verify_cpu_ms);
  return cost;
}

// ---------------------------------------------------------------- Keystone comparison

struct PeerCell {
  double rps = 0;
  std::string p50, p99;
};

// Reads the table printed by ../shared/peers/keystone/bench.sh: "op conc req/s p50 p99 requests errors".
std::map<std::pair<std::string, int>, PeerCell> read_keystone(const std::string& path) {
  std::map<std::pair<std::string, int>, PeerCell> cells;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read Keystone results " + path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string op, conc, rps, p50, p99;
    if (!(words >> op >> conc >> rps >> p50 >> p99)) continue;
    if (op != "issue" && op != "validate") continue;
    try {
      cells[{op, std::stoi(conc)}] = PeerCell{std::stod(rps), p50, p99};
    } catch (const std::exception&) {
      // a header or a cell where wrk printed nothing: no ratio for it
    }
  }
  return cells;
}

// Which Keystone figure a Stratus op is compared with: validate for both kinds of validation.
std::string peer_op(const std::string& op) {
  if (op == "issue") return "issue";
  if (op == "validate" || op == "local-validate") return "validate";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_options(argc, argv);
  std::ostream& out = o.json ? std::cerr : std::cout;  // with --json, stdout holds only the JSON
  try {
    if (o.setup_demo) setup_demo(o);

    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    std::string load_before = load_average();
    out << "machine:      " << cores << " cores (nproc), " << cpu_model() << "\n";
    out << "load average: " << load_before << " (1/5/15 min, before the run)\n";
    out << "endpoint:     " << o.endpoint << "  user " << o.username << "  project " << o.project << "  channels "
        << (o.shared_channel ? "shared (one connection)" : "one per worker thread") << "\n";
    out << "cells:        " << o.duration_s << " s each after " << o.warmup_s << " s warm-up, closed loop\n";

    HashCost hash = measure_hash_cost(o.hash_samples);
    // The ceiling uses CPU time: on a shared machine, wall time counts other people's work too.
    double ceiling = 1000.0 * cores / hash.verify_cpu_ms;
    char line[320];
    std::snprintf(line, sizeof line,
                  "argon2id:     hash_password %.1f ms, verify_password %.1f ms wall / %.1f ms CPU (median of %d,"
                  " in this process); issue ceiling = cores / verify CPU = %.1f/s\n",
                  hash.hash_ms, hash.verify_ms, hash.verify_cpu_ms, o.hash_samples, ceiling);
    out << line << "\n";

    std::map<std::pair<std::string, int>, PeerCell> keystone;
    if (!o.keystone_file.empty()) keystone = read_keystone(o.keystone_file);

    Fixture fixture{o, new_channel(o.endpoint, false), "", {}};
    auto setup_stub = v1::Identity::NewStub(fixture.shared_channel);
    fixture.token = authenticate_password(*setup_stub, o.username, o.password, o.project).token();
    fixture.public_keys = fetch_public_keys(*setup_stub);

    std::vector<CellResult> results;
    std::snprintf(line, sizeof line, "%-15s %5s %10s %10s %10s %9s %7s", "op", "conc", "req/s", "p50", "p99",
                  "requests", "errors");
    out << line << (keystone.empty() ? "" : " | keystone req/s      p50      p99 |   ratio") << "\n";
    for (const auto& op : o.ops) {
      for (int c : o.concurrency) {
        std::vector<std::shared_ptr<void>> keep_alive;
        auto r = run_cell(op, make_calls(op, c, fixture, keep_alive), o.warmup_s, o.duration_s, o.server_pid, o.db_pid);
        results.push_back(r);
        std::snprintf(line, sizeof line, "%-15s %5d %10.1f %10s %10s %9llu %7llu", r.op.c_str(), c, r.rps,
                      format_ms(r.p50_ms).c_str(), format_ms(r.p99_ms).c_str(),
                      static_cast<unsigned long long>(r.requests), static_cast<unsigned long long>(r.errors));
        out << line;
        auto peer = keystone.find({peer_op(op), c});
        if (peer != keystone.end() && peer->second.rps > 0) {
          std::snprintf(line, sizeof line, " | %14.1f %8s %8s | %6.1fx", peer->second.rps, peer->second.p50.c_str(),
                        peer->second.p99.c_str(), r.rps / peer->second.rps);
          out << line;
        } else if (peer != keystone.end()) {
          out << " |   no Keystone request completed inside its window";
        }
        out << "\n";
        if (!r.first_error.empty()) out << "    first error: " << r.first_error << "\n";
        out.flush();
      }
    }
    // Validate against the floor of any unary call on the same server, per concurrency.
    for (const auto& v : results) {
      if (v.op != "validate") continue;
      for (const auto& e : results)
        if (e.op == "empty" && e.concurrency == v.concurrency && e.rps > 0)
          out << "validate / empty RPC at c=" << v.concurrency << ": " << std::fixed << std::setprecision(2)
              << v.rps / e.rps << "x\n";
    }
    std::string load_after = load_average();
    out << "\nload average: " << load_after << " (after the run)\n";
    if (o.server_pid || o.db_pid) {
      // CPU per request does not depend on what else runs on the machine, unlike req/s.
      out << "\nCPU per request (us; server = identity pid " << o.server_pid << ", db = postmaster pid " << o.db_pid
          << " and backends):\n";
      std::snprintf(line, sizeof line, "%-15s %5s %10s %10s %10s %22s", "op", "conc", "client", "server", "db",
                    "req/s if alone on cores");
      out << line << "\n";
      for (const auto& r : results) {
        double service_us = r.server_cpu_us + r.db_cpu_us;
        double alone = r.op == "local-validate" ? 1e6 * cores / std::max(r.client_cpu_us, 1e-9)
                                                : 1e6 * cores / std::max(service_us, 1e-9);
        std::snprintf(line, sizeof line, "%-15s %5d %10.0f %10.0f %10.0f %22.0f", r.op.c_str(), r.concurrency,
                      r.client_cpu_us, r.server_cpu_us, r.db_cpu_us, alone);
        out << line << "\n";
      }
      out << "(req/s if alone = cores / (server + db) CPU per request; for local-validate, cores / client CPU)\n";
    }
    if (!keystone.empty())
      out << "ratio = Stratus req/s / Keystone req/s at the same concurrency (local-validate is compared with"
             " Keystone's validate: it is what replaces that network call)\n";

    if (o.json) {
      nlohmann::json j;
      j["machine"] = {{"nproc", cores}, {"cpu_model", cpu_model()}};
      j["load_average"] = {{"before", load_before}, {"after", load_after}};
      j["endpoint"] = o.endpoint;
      j["channels"] = o.shared_channel ? "shared" : "per-thread";
      j["duration_s"] = o.duration_s;
      j["warmup_s"] = o.warmup_s;
      j["argon2id"] = {{"hash_ms", hash.hash_ms}, {"verify_ms", hash.verify_ms}, {"verify_cpu_ms", hash.verify_cpu_ms},
                       {"issue_ceiling_per_s", ceiling}};
      j["results"] = nlohmann::json::array();
      for (const auto& r : results) {
        nlohmann::json cell = {{"op", r.op},           {"concurrency", r.concurrency}, {"rps", r.rps},
                               {"p50_ms", r.p50_ms},   {"p99_ms", r.p99_ms},           {"requests", r.requests},
                               {"errors", r.errors}};
        cell["cpu_us_per_request"] = {{"client", r.client_cpu_us}, {"server", r.server_cpu_us}, {"db", r.db_cpu_us}};
        if (!r.first_error.empty()) cell["first_error"] = r.first_error;
        auto peer = keystone.find({peer_op(r.op), r.concurrency});
        if (peer != keystone.end() && peer->second.rps > 0) {
          cell["keystone_rps"] = peer->second.rps;
          cell["ratio"] = r.rps / peer->second.rps;
        }
        j["results"].push_back(cell);
      }
      std::cout << j.dump() << "\n";
    }
    for (const auto& r : results)
      if (r.errors > 0) return 1;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "stratus-identity-bench: " << e.what() << "\n";
    return 1;
  }
}
