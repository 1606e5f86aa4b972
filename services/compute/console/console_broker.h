#pragma once
// Pairs a user's console session (Compute.OpenConsole) with the host's end of it
// (ComputeAgent.ConsoleTunnel, opened by the agent when a cast names the session), and carries
// bytes both ways between the two gRPC streams. In memory: a session lives as long as the two
// streams, on the compute process that took the user's call (the cast tells the agent which
// session; see docs/compute.md for the one-replica limit this implies).
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace stratus::compute {

// One direction of a session: a queue of byte chunks, bounded so a side that stops reading
// cannot make the other side's bytes pile up without limit.
class ConsolePipe {
 public:
  explicit ConsolePipe(std::size_t max_bytes = 1 << 20) : max_bytes_(max_bytes) {}
  // False when the pipe is closed (or full: a console that nobody drains drops its output
  // rather than blocking the side that writes).
  bool push(std::string chunk);
  // Waits up to `wait` for a chunk. Returns false with `closed` set once the pipe is closed
  // and drained, false without it on a timeout.
  bool pop(std::string& out, std::chrono::milliseconds wait, bool& closed);
  void close();

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> chunks_;
  std::size_t bytes_ = 0;
  std::size_t max_bytes_;
  bool closed_ = false;
};

struct ConsoleSession {
  ConsoleSession(std::string id_, std::string instance_id_, std::string host_)
      : id(std::move(id_)), instance_id(std::move(instance_id_)), host(std::move(host_)) {}
  const std::string id;
  const std::string instance_id;
  const std::string host;
  ConsolePipe to_agent;  // what the user types
  ConsolePipe to_user;   // what the console prints

  // The agent's tunnel arrived. Waits for it up to `wait`; false if it did not come (or the
  // session ended first).
  bool wait_attached(std::chrono::milliseconds wait);
  void close();  // either side ended: both pipes close, the other side's loop ends

 private:
  friend class ConsoleBroker;
  std::mutex mutex_;
  std::condition_variable attached_changed_;
  bool attached_ = false;
  bool closed_ = false;
};

class ConsoleBroker {
 public:
  // A new session for an instance on `host`; an older session of the same instance ends
  // (one user at a time, as the console itself allows).
  std::shared_ptr<ConsoleSession> open(const std::string& instance_id, const std::string& host);
  // The agent of `host` attaches to a session; nullptr when there is no such session, it is
  // not on that host (an agent serves only its own host's consoles), or it already has its
  // tunnel.
  std::shared_ptr<ConsoleSession> attach(const std::string& session_id, const std::string& host);
  // The session ended: it closes and is forgotten.
  void end(const std::shared_ptr<ConsoleSession>& session);
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<ConsoleSession>> sessions_;  // by session id
};

}  // namespace stratus::compute
