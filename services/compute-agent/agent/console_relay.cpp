#include "services/compute-agent/agent/console_relay.h"

namespace stratus::compute_agent {

namespace v1 = cloud::compute::v1;

void ConsoleRelay::Session::end() {
  std::lock_guard<std::mutex> lock(mutex);
  ending = true;
  if (console) console->abort();
  if (context) context->TryCancel();
}

ConsoleRelay::~ConsoleRelay() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& session : sessions_) session->end();
  for (auto& session : sessions_)
    if (session->thread.joinable()) session->thread.join();
}

void ConsoleRelay::open(const std::string& instance_id, const std::string& session_id) {
  reap();
  auto session = std::make_unique<Session>();
  session->instance_id = instance_id;
  session->session_id = session_id;
  Session& s = *session;
  std::lock_guard<std::mutex> lock(mutex_);
  sessions_.push_back(std::move(session));
  s.thread = std::thread([this, &s] {
    run(s);
    std::lock_guard<std::mutex> session_lock(s.mutex);
    s.done = true;
  });
}

void ConsoleRelay::reap() {
  std::list<std::unique_ptr<Session>> finished;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      bool done;
      {
        std::lock_guard<std::mutex> session_lock((*it)->mutex);
        done = (*it)->done;
      }
      if (done) {
        finished.push_back(std::move(*it));
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& session : finished) session->thread.join();
}

void ConsoleRelay::run(Session& session) {
  ComputeClient::ConsoleTunnel tunnel;
  std::unique_ptr<ConsoleStream> console;
  try {
    tunnel = compute_.open_console_tunnel(session.session_id);
  } catch (const std::exception& e) {
    logger_.warn("console tunnel refused", {{"instance_id", session.instance_id}, {"session_id", session.session_id},
                                            {"error", e.what()}});
    return;
  }
  try {
    console = hypervisor_.open_console(session.instance_id);
  } catch (const std::exception& e) {
    // The user learns why on their screen; compute ends the session when the tunnel does.
    logger_.warn("cannot open the console", {{"instance_id", session.instance_id}, {"session_id", session.session_id},
                                             {"error", e.what()}});
    v1::ConsoleTunnelMessage message;
    message.set_data(std::string("\r\n[the host could not open the console: ") + e.what() + "]\r\n");
    tunnel.stream->Write(message);
    tunnel.stream->WritesDone();
    tunnel.stream->Finish();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(session.mutex);
    session.console = std::move(console);
    session.context = std::move(tunnel.context);
    if (session.ending) {
      session.console->abort();
      session.context->TryCancel();
    }
  }
  logger_.info("console open", {{"instance_id", session.instance_id}, {"session_id", session.session_id}});
  ConsoleStream& stream = *session.console;
  std::thread typed([&] {
    v1::ConsoleData input;
    while (tunnel.stream->Read(&input)) stream.write(input.data());
    stream.abort();  // the user left: the console read below ends
  });
  std::string output;
  while (stream.read(output)) {
    v1::ConsoleTunnelMessage message;
    message.set_data(output);
    if (!tunnel.stream->Write(message)) break;
  }
  session.end();
  typed.join();
  tunnel.stream->Finish();
  logger_.info("console closed", {{"instance_id", session.instance_id}, {"session_id", session.session_id}});
}

}  // namespace stratus::compute_agent
