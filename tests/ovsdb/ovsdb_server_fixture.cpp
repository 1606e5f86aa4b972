#include "ovsdb_server_fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace {

constexpr const char* kSchema = "/usr/share/openvswitch/vswitch.ovsschema";

bool accepts_connections(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

OvsdbServerFixture::OvsdbServerFixture() {
  char dir_template[] = "/tmp/stratus-ovsdb-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = dir_template;
  db_ = dir_ + "/conf.db";
  socket_ = dir_ + "/db.sock";
  recreate_database();
  start();
}

OvsdbServerFixture::~OvsdbServerFixture() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void OvsdbServerFixture::recreate_database() {
  std::filesystem::remove(db_);
  if (run("ovsdb-tool create " + db_ + " " + kSchema) != 0) {
    throw std::runtime_error("ovsdb-tool create failed");
  }
}

void OvsdbServerFixture::start() {
  std::filesystem::remove(socket_);
  const std::string remote = "--remote=punix:" + socket_;
  const std::string unixctl = "--unixctl=" + dir_ + "/ovsdb-server.ctl";
  const std::string log = "--log-file=" + dir_ + "/ovsdb-server.log";
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execlp("ovsdb-server", "ovsdb-server", db_.c_str(), remote.c_str(), unixctl.c_str(),
             log.c_str(), "--no-chdir", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!accepts_connections(socket_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("ovsdb-server exited at start; see " + dir_);
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("ovsdb-server did not open " + socket_);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void OvsdbServerFixture::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

int OvsdbServerFixture::run(const std::string& command) const {
  const int status = std::system((command + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string OvsdbServerFixture::capture(const std::string& command) const {
  std::string out;
  FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}
