#include "services/image/client/chunk_pipe.h"

namespace stratus::image {

ChunkPipe::ChunkPipe(size_t depth, Consume consume)
    : depth_(depth == 0 ? 1 : depth), consume_(std::move(consume)), thread_([this] { run(); }) {}

ChunkPipe::~ChunkPipe() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void ChunkPipe::rethrow_locked() {
  if (error_) std::rethrow_exception(error_);
}

void ChunkPipe::push(std::string chunk) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return error_ || in_flight_ < depth_; });
  rethrow_locked();
  queue_.push_back(std::move(chunk));
  ++in_flight_;
  lock.unlock();
  changed_.notify_all();
}

void ChunkPipe::drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return error_ || in_flight_ == 0; });
  rethrow_locked();
}

void ChunkPipe::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_ || error_) return;
    std::string chunk = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    std::exception_ptr error;
    try {
      consume_(chunk);
    } catch (...) {
      error = std::current_exception();
    }
    chunk = std::string();  // the chunk's memory goes before the producer may add another
    lock.lock();
    --in_flight_;
    if (error) error_ = error;
    changed_.notify_all();
    if (error_) return;
  }
}

}  // namespace stratus::image
