#pragma once

#include <sys/types.h>

#include <string>

// A private ovsdb-server on a fresh Open_vSwitch database in its own temporary directory,
// run as a child process (no ovs-vswitchd). The destructor kills the server and removes
// the directory, so each test cleans up what it made.
class OvsdbServerFixture {
 public:
  OvsdbServerFixture();
  ~OvsdbServerFixture();
  OvsdbServerFixture(const OvsdbServerFixture&) = delete;
  OvsdbServerFixture& operator=(const OvsdbServerFixture&) = delete;

  void start();  // returns once the socket accepts connections
  void stop();   // SIGTERM and reap
  // Replaces the database file with an empty one (server must be stopped).
  void recreate_database();

  std::string remote() const { return "unix:" + socket_; }
  // Runs an OVS command line tool against this server; returns its exit status.
  int run(const std::string& command) const;
  // Runs a shell command and returns its standard output.
  std::string capture(const std::string& command) const;
  // ovs-vsctl pointed at this server, without waiting for an ovs-vswitchd.
  std::string vsctl() const { return "ovs-vsctl --db=" + remote() + " --no-wait --timeout=10 "; }

 private:
  std::string dir_;
  std::string db_;
  std::string socket_;
  pid_t pid_ = -1;
};
