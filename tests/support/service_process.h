#pragma once
// A Stratus service binary run as a real child process for a test.
//
//   ServiceOptions options;
//   options.binary = STRATUS_IDENTITY_BIN;
//   options.db_url = database.url();
//   options.env["STRATUS_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD"] = "...";
//   ServiceProcess identity(options);   // returns once gRPC health says SERVING
//   auto channel = grpc::CreateChannel(identity.address(), grpc::InsecureChannelCredentials());
//
// The child gets this process's environment without any STRATUS_* variable (so nothing from
// the caller's shell leaks into its settings), plus STRATUS_SERVER_LISTEN on a free loopback
// port, STRATUS_DB_URL, STRATUS_BUS_URL and `env`. Its stdout and stderr go to a log file in a
// temporary directory, removed with the object (kept when STRATUS_TEST_KEEP_LOGS=1).
// Destruction sends SIGTERM and waits (SIGKILL after a timeout). If the test process dies,
// the kernel sends the child SIGTERM (PR_SET_PDEATHSIG), so no service outlives a crashed test.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace stratus::test_support {

// STRATUS_TEST_AMQP_URL, or amqp://guest:guest@127.0.0.1:5672/.
std::string test_amqp_url();

// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's choice).
int free_port();

// Polls `condition` every `interval` until it holds (true) or `timeout` passes (false).
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(50));

struct ServiceOptions {
  std::string binary;                      // path of the service executable
  std::vector<std::string> args;           // command-line arguments
  std::string db_url;                      // STRATUS_DB_URL; not set when empty
  std::string bus_url = test_amqp_url();   // STRATUS_BUS_URL; not set when empty
  std::map<std::string, std::string> env;  // further variables; these win over the above
  // Ready when gRPC health says SERVING; false: once the port accepts (HTTP fronts such as
  // the EC2 API, which listen only when ready).
  bool grpc_health = true;
  std::chrono::milliseconds start_timeout{30000};
  std::chrono::milliseconds stop_timeout{15000};  // after SIGTERM, before SIGKILL
};

class ServiceProcess {
 public:
  // Starts the binary and waits until it serves. Throws std::runtime_error, with the tail
  // of the log, when it exits or does not become SERVING within start_timeout.
  explicit ServiceProcess(ServiceOptions options);
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  // "127.0.0.1:<port>": where its gRPC API listens.
  const std::string& address() const { return address_; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  // SIGTERM, then wait; SIGKILL after stop_timeout. Returns the exit code (128 + signal when
  // killed by a signal). Idempotent: later calls return the same code.
  int stop();
  bool running();

  // Everything the service wrote to stdout and stderr so far.
  std::string log_text() const;
  const std::string& log_path() const { return log_path_; }
  // The last `lines` lines of the log, for failure messages.
  std::string log_tail(size_t lines = 40) const;

 private:
  void spawn();
  void wait_until_serving();
  // Reaps the child if it has exited; returns true then.
  bool reap(bool block);

  ServiceOptions options_;
  int port_ = 0;
  std::string address_;
  std::string temp_dir_;
  std::string log_path_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// True when the gRPC health service at `address` answers SERVING for the whole server
// within `timeout` (any failure, including no listener, is false).
bool health_serving(const std::string& address, std::chrono::milliseconds timeout);

}  // namespace stratus::test_support
