#pragma once
// The browser's console (a WebSocket) on compute's OpenConsole stream, as the user: bytes the
// browser sends go to the guest's serial port, the console's output goes back as binary
// frames. One gRPC stream and one reader thread per open console.
#include <functional>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

namespace stratus::dashboard {

class ConsoleCall {
 public:
  virtual ~ConsoleCall() = default;
  virtual void type(const std::string& bytes) = 0;  // what the user typed
  virtual void hang_up() = 0;                        // the browser left: ends the stream
};

class ConsoleBackend {
 public:
  virtual ~ConsoleBackend() = default;
  // Opens the server's console with the user's token. `output` gets the console's bytes;
  // `ended` once, with the stream's status (NOT_FOUND, FAILED_PRECONDITION...; CANCELLED
  // after hang_up()). Both are called from the call's own thread.
  virtual std::unique_ptr<ConsoleCall> open(const std::string& token, const std::string& server,
                                            std::function<void(const std::string&)> output,
                                            std::function<void(const grpc::Status&)> ended) = 0;
};

class GrpcConsoleBackend : public ConsoleBackend {
 public:
  explicit GrpcConsoleBackend(std::function<std::shared_ptr<grpc::Channel>()> compute_channel)
      : compute_channel_(std::move(compute_channel)) {}
  std::unique_ptr<ConsoleCall> open(const std::string& token, const std::string& server,
                                    std::function<void(const std::string&)> output,
                                    std::function<void(const grpc::Status&)> ended) override;

 private:
  std::function<std::shared_ptr<grpc::Channel>()> compute_channel_;
};

}  // namespace stratus::dashboard
