#include "services/compute/console/console_broker.h"

#include "common/auth/token.h"

namespace stratus::compute {

bool ConsolePipe::push(std::string chunk) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return false;
  if (bytes_ + chunk.size() > max_bytes_) return false;
  bytes_ += chunk.size();
  chunks_.push_back(std::move(chunk));
  changed_.notify_one();
  return true;
}

bool ConsolePipe::pop(std::string& out, std::chrono::milliseconds wait, bool& closed) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, wait, [&] { return !chunks_.empty() || closed_; });
  closed = false;
  if (!chunks_.empty()) {
    out = std::move(chunks_.front());
    chunks_.pop_front();
    bytes_ -= out.size();
    return true;
  }
  closed = closed_;
  return false;
}

void ConsolePipe::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

bool ConsoleSession::wait_attached(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mutex_);
  attached_changed_.wait_for(lock, wait, [&] { return attached_ || closed_; });
  return attached_ && !closed_;
}

void ConsoleSession::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    attached_changed_.notify_all();
  }
  to_agent.close();
  to_user.close();
}

std::shared_ptr<ConsoleSession> ConsoleBroker::open(const std::string& instance_id, const std::string& host) {
  auto session = std::make_shared<ConsoleSession>(auth::random_uuid(), instance_id, host);
  std::shared_ptr<ConsoleSession> older;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second->instance_id == instance_id) {
        older = it->second;
        sessions_.erase(it);
        break;
      }
    }
    sessions_[session->id] = session;
  }
  if (older) {
    older->to_user.push("\r\n[the console was taken over by another session]\r\n");  // said before it ends
    older->close();
  }
  return session;
}

std::shared_ptr<ConsoleSession> ConsoleBroker::attach(const std::string& session_id, const std::string& host) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end() || it->second->host != host) return nullptr;
  auto& session = it->second;
  std::lock_guard<std::mutex> session_lock(session->mutex_);
  if (session->attached_ || session->closed_) return nullptr;
  session->attached_ = true;
  session->attached_changed_.notify_all();
  return session;
}

void ConsoleBroker::end(const std::shared_ptr<ConsoleSession>& session) {
  session->close();
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sessions_.find(session->id);
  if (it != sessions_.end() && it->second == session) sessions_.erase(it);
}

std::size_t ConsoleBroker::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sessions_.size();
}

}  // namespace stratus::compute
