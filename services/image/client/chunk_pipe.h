#pragma once
// A bounded hand-off of byte chunks to a consumer on a thread of its own, so that receiving
// the next chunk from the network overlaps with writing and hashing this one (a transfer
// that does them in turn leaves the network idle while the disk works, and the other way
// round). At most `depth` chunks wait or are being consumed; push() blocks beyond that, so
// memory is depth x chunk size whatever the image size, and the sender is slowed down by
// gRPC flow control instead of piling bytes up here.
//
// The consumer's first exception stops it; push() and drain() rethrow it on the caller's
// thread. Destroying the pipe without drain() drops what was not consumed yet.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace stratus::image {

class ChunkPipe {
 public:
  using Consume = std::function<void(const std::string& chunk)>;

  ChunkPipe(size_t depth, Consume consume);
  ~ChunkPipe();
  ChunkPipe(const ChunkPipe&) = delete;
  ChunkPipe& operator=(const ChunkPipe&) = delete;

  // Hands `chunk` over (moved, not copied); waits while `depth` chunks are in flight.
  void push(std::string chunk);
  // Waits until every chunk pushed so far has been consumed.
  void drain();

 private:
  void run();
  void rethrow_locked();

  const size_t depth_;
  Consume consume_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;
  size_t in_flight_ = 0;  // queued plus the one being consumed
  bool stopping_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace stratus::image
