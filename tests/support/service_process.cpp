#include "tests/support/service_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

extern char** environ;

namespace stratus::test_support {
namespace {

using Clock = std::chrono::steady_clock;

std::string temp_root() {
  const char* dir = std::getenv("TMPDIR");
  return dir && *dir ? dir : "/tmp";
}

std::string make_temp_dir(const std::string& label) {
  std::string pattern = temp_root() + "/stratus-test-" + label + "-XXXXXX";
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
  return pattern;
}

// A loopback socket address for `port`.
sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

bool port_accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address = loopback(port);
  bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return connected;
}

// This process's environment minus STRATUS_*, plus `extra` (which wins).
std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    if (entry.rfind("STRATUS_", 0) == 0) continue;
    std::string name = entry.substr(0, entry.find('='));
    if (!extra.count(name)) env.push_back(entry);
  }
  for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::string test_amqp_url() {
  const char* url = std::getenv("STRATUS_TEST_AMQP_URL");
  return url && *url ? url : "amqp://guest:guest@127.0.0.1:5672/";
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    int error = errno;
    close(fd);
    throw std::runtime_error(std::string("cannot find a free port: ") + std::strerror(error));
  }
  close(fd);
  return ntohs(address.sin_port);
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
  auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(interval);
  }
  return true;
}

bool health_serving(const std::string& address, std::chrono::milliseconds timeout) {
  // A private subchannel pool: a failed earlier attempt's reconnect backoff must not delay this one.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  // grpc.health.v1.Health/Check through the generic stub, so no health proto is needed:
  // HealthCheckRequest{service: ""} is empty on the wire, and a SERVING answer is field 1 = 1.
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  grpc::Slice empty(std::string{});
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  if (!done.get_future().get().ok()) return false;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const auto& slice : slices) bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  return bytes == std::string("\x08\x01", 2);
}

ServiceProcess::ServiceProcess(ServiceOptions options) : options_(std::move(options)) {
  port_ = free_port();
  address_ = "127.0.0.1:" + std::to_string(port_);
  temp_dir_ = make_temp_dir(std::filesystem::path(options_.binary).filename().string());
  log_path_ = temp_dir_ + "/service.log";
  try {
    spawn();
    wait_until_serving();
  } catch (...) {
    stop();
    std::filesystem::remove_all(temp_dir_);
    throw;
  }
}

ServiceProcess::~ServiceProcess() {
  stop();
  const char* keep = std::getenv("STRATUS_TEST_KEEP_LOGS");
  if (keep && std::string(keep) == "1") {
    std::cerr << "service log kept: " << log_path_ << "\n";
  } else {
    std::error_code ignored;
    std::filesystem::remove_all(temp_dir_, ignored);
  }
}

void ServiceProcess::spawn() {
  std::map<std::string, std::string> extra;
  extra["STRATUS_SERVER_LISTEN"] = address_;
  if (!options_.db_url.empty()) extra["STRATUS_DB_URL"] = options_.db_url;
  if (!options_.bus_url.empty()) extra["STRATUS_BUS_URL"] = options_.bus_url;
  for (const auto& [name, value] : options_.env) extra[name] = value;

  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<std::string> env = child_environment(extra);
  std::vector<std::string> argv_strings{options_.binary};
  argv_strings.insert(argv_strings.end(), options_.args.begin(), options_.args.end());
  std::vector<char*> envp = c_strings(env);
  std::vector<char*> argv = c_strings(argv_strings);
  int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) throw std::runtime_error("cannot open " + log_path_ + ": " + std::strerror(errno));
  pid_t parent = getpid();

  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);  // the test died before prctl took effect
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execve(argv[0], argv.data(), envp.data());
    const char message[] = "test_support: execve failed\n";
    ssize_t ignored = write(2, message, sizeof message - 1);
    (void)ignored;
    _exit(127);
  }
  int fork_error = errno;
  close(log_fd);
  close(null_fd);
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(fork_error));
  pid_ = pid;
}

void ServiceProcess::wait_until_serving() {
  auto deadline = Clock::now() + options_.start_timeout;
  while (true) {
    if (reap(false))
      throw std::runtime_error(options_.binary + " exited with code " + std::to_string(*exit_code_) +
                               " before serving; log tail:\n" + log_tail());
    // The services listen only once they are ready, so a connect is cheap and means "try health".
    if (port_accepts(port_) && (!options_.grpc_health || health_serving(address_, std::chrono::seconds(2)))) return;
    if (Clock::now() > deadline)
      throw std::runtime_error(options_.binary + " did not report SERVING on " + address_ + " within " +
                               std::to_string(options_.start_timeout.count()) + " ms; log tail:\n" + log_tail());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool ServiceProcess::reap(bool block) {
  if (exit_code_) return true;
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  if (r == 0) return false;
  if (r < 0) {
    exit_code_ = -1;  // not our child any more (cannot happen unless someone else reaped it)
    return true;
  }
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

bool ServiceProcess::running() { return pid_ > 0 && !reap(false); }

int ServiceProcess::stop() {
  if (pid_ <= 0) return -1;
  if (reap(false)) return *exit_code_;
  kill(pid_, SIGTERM);
  if (!eventually([this] { return reap(false); }, options_.stop_timeout, std::chrono::milliseconds(20))) {
    std::cerr << options_.binary << " (pid " << pid_ << ") ignored SIGTERM; killing it\n";
    kill(pid_, SIGKILL);
    reap(true);
  }
  return *exit_code_;
}

std::string ServiceProcess::log_text() const {
  std::ifstream file(log_path_, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string ServiceProcess::log_tail(size_t lines) const {
  std::vector<std::string> all;
  std::istringstream text(log_text());
  for (std::string line; std::getline(text, line);) all.push_back(line);
  std::string tail;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) tail += all[i] + "\n";
  return tail;
}

}  // namespace stratus::test_support
