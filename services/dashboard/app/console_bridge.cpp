#include "services/dashboard/app/console_bridge.h"

#include <mutex>
#include <thread>

#include "compute/v1/compute.grpc.pb.h"

namespace stratus::dashboard {

namespace cv1 = cloud::compute::v1;

namespace {

class GrpcConsoleCall : public ConsoleCall {
 public:
  GrpcConsoleCall(cv1::Compute::Stub& stub, const std::string& token, const std::string& server,
                  std::function<void(const std::string&)> output, std::function<void(const grpc::Status&)> ended) {
    context_.AddMetadata("authorization", "Bearer " + token);
    stream_ = stub.OpenConsole(&context_);
    cv1::ConsoleInput first;
    first.set_server(server);
    stream_->Write(first);
    reader_ = std::thread([this, output = std::move(output), ended = std::move(ended)] {
      cv1::ConsoleData data;
      while (stream_->Read(&data)) output(data.data());
      grpc::Status status;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        finished_ = true;
        status = stream_->Finish();
      }
      ended(status);
    });
  }
  ~GrpcConsoleCall() override {
    hang_up();
    reader_.join();
  }
  void type(const std::string& bytes) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finished_) return;
    cv1::ConsoleInput input;
    input.set_data(bytes);
    stream_->Write(input);
  }
  void hang_up() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!finished_) context_.TryCancel();
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<cv1::ConsoleInput, cv1::ConsoleData>> stream_;
  std::mutex mutex_;  // Write and Finish never at once; no cancel after the end (it would hide the status)
  bool finished_ = false;
  std::thread reader_;
};

}  // namespace

std::unique_ptr<ConsoleCall> GrpcConsoleBackend::open(const std::string& token, const std::string& server,
                                                      std::function<void(const std::string&)> output,
                                                      std::function<void(const grpc::Status&)> ended) {
  auto stub = cv1::Compute::NewStub(compute_channel_());
  // The stub only makes the call; the stream lives on in the call object.
  return std::make_unique<GrpcConsoleCall>(*stub, token, server, std::move(output), std::move(ended));
}

}  // namespace stratus::dashboard
