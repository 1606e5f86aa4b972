#include "services/compute-agent/drivers/compute_client.h"

#include <fstream>

#include "common/error/error.h"
#include "common/rpc/status.h"
#include "services/image/client/sha256.h"

namespace stratus::compute_agent {

namespace v1 = cloud::compute::v1;

ComputeClient::ComputeClient(const std::string& endpoint, identity_client::IdentityConnection& identity,
                             const rpc::ChannelFactory& channels, std::chrono::milliseconds call_timeout)
    : identity_(identity), call_timeout_(call_timeout), stub_(v1::ComputeAgent::NewStub(channels.open(endpoint))) {}

void ComputeClient::prepare(grpc::ClientContext& context, std::chrono::milliseconds timeout) {
  context.AddMetadata("authorization", "Bearer " + identity_.service_token());
  context.set_deadline(std::chrono::system_clock::now() + timeout);
}

std::optional<v1::InstanceSpec> ComputeClient::instance_spec(const std::string& instance_id) {
  grpc::ClientContext context;
  prepare(context, call_timeout_);
  v1::GetInstanceSpecRequest request;
  request.set_instance_id(instance_id);
  v1::InstanceSpec spec;
  auto status = stub_->GetInstanceSpec(&context, request, &spec);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return std::nullopt;
  rpc::check(status, "GetInstanceSpec " + instance_id);
  return spec;
}

std::vector<v1::InstanceSpec> ComputeClient::instances_on_host(const std::string& host) {
  grpc::ClientContext context;
  prepare(context, call_timeout_);
  v1::ListInstancesOnHostRequest request;
  request.set_host(host);
  v1::ListInstancesOnHostResponse response;
  rpc::check(stub_->ListInstancesOnHost(&context, request, &response), "ListInstancesOnHost " + host);
  return {response.instances().begin(), response.instances().end()};
}

void ComputeClient::report(const v1::ReportInstanceRequest& report) {
  grpc::ClientContext context;
  prepare(context, call_timeout_);
  google::protobuf::Empty empty;
  rpc::check(stub_->ReportInstance(&context, report, &empty), "ReportInstance " + report.instance_id());
}

void ComputeClient::report_volume(const v1::ReportVolumeRequest& report) {
  grpc::ClientContext context;
  prepare(context, call_timeout_);
  google::protobuf::Empty empty;
  rpc::check(stub_->ReportVolume(&context, report, &empty),
             "ReportVolume " + report.instance_id() + " " + report.volume_id());
}

std::string ComputeClient::download_image(const std::string& instance_id, const std::string& image_id,
                                          const std::string& destination) {
  grpc::ClientContext context;
  prepare(context, std::chrono::hours(1));  // whole images: bounded by size, not by a call timeout
  v1::DownloadImageRequest request;
  request.set_instance_id(instance_id);
  request.set_image_id(image_id);
  auto reader = stub_->DownloadImage(&context, request);
  std::ofstream out(destination, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(ErrorCode::Internal, "cannot write " + destination);
  v1::DownloadImageChunk chunk;
  std::string sha256;
  std::uint64_t size = 0, written = 0;
  bool first = true;
  while (reader->Read(&chunk)) {
    if (first) {
      sha256 = chunk.sha256();
      size = chunk.image_size();
      first = false;
    }
    if (chunk.offset() != written) {
      context.TryCancel();
      reader->Finish();
      throw unavailable("image " + image_id + ": chunk at offset " + std::to_string(chunk.offset()) +
                        ", expected " + std::to_string(written));
    }
    out.write(chunk.data().data(), static_cast<std::streamsize>(chunk.data().size()));
    written += chunk.data().size();
  }
  rpc::check(reader->Finish(), "DownloadImage " + image_id);
  out.close();
  if (!out) throw Error(ErrorCode::Internal, "cannot write " + destination);
  if (written != size)
    throw unavailable("image " + image_id + ": got " + std::to_string(written) + " bytes of " + std::to_string(size));
  return sha256;
}

ComputeClient::ConsoleTunnel ComputeClient::open_console_tunnel(const std::string& session_id) {
  ConsoleTunnel tunnel;
  tunnel.context = std::make_unique<grpc::ClientContext>();
  prepare(*tunnel.context, std::chrono::hours(24));  // a console may stay open all day
  tunnel.stream = stub_->ConsoleTunnel(tunnel.context.get());
  v1::ConsoleTunnelMessage first;
  first.set_session_id(session_id);
  if (!tunnel.stream->Write(first)) {
    auto status = tunnel.stream->Finish();
    rpc::check(status.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "the tunnel closed at once") : status,
               "ConsoleTunnel " + session_id);
  }
  return tunnel;
}

void ComputeClient::upload_snapshot(const std::string& instance_id, const std::string& image_id,
                                    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::Internal, "cannot read " + path);
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);
  grpc::ClientContext context;
  prepare(context, std::chrono::hours(1));  // a disk of a few GiB over a slow link
  google::protobuf::Empty empty;
  auto writer = stub_->UploadSnapshot(&context, &empty);
  v1::UploadSnapshotRequest message;
  auto* start = message.mutable_start();
  start->set_instance_id(instance_id);
  start->set_image_id(image_id);
  start->set_size(size);
  start->set_sha256(image::sha256_of_file(path));  // the image service checks the bytes against it
  bool open = writer->Write(message);
  std::string buffer(1 << 20, '\0');
  while (open && in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (in.gcount() <= 0) break;
    message.set_data(buffer.data(), static_cast<std::size_t>(in.gcount()));
    open = writer->Write(message);
  }
  writer->WritesDone();
  rpc::check(writer->Finish(), "UploadSnapshot " + image_id + " of instance " + instance_id);
}

void ComputeClient::register_host(const v1::RegisterHostRequest& request) {
  grpc::ClientContext context;
  prepare(context, call_timeout_);
  v1::Host host;
  rpc::check(stub_->RegisterHost(&context, request, &host), "RegisterHost " + request.host());
}

bool ComputeClient::heartbeat(const std::string& host) {
  grpc::ClientContext context;
  prepare(context, call_timeout_);
  v1::HeartbeatRequest request;
  request.set_host(host);
  google::protobuf::Empty empty;
  auto status = stub_->Heartbeat(&context, request, &empty);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return false;
  rpc::check(status, "Heartbeat " + host);
  return true;
}

}  // namespace stratus::compute_agent
