#include "drivers/network_service_source.h"

#include <algorithm>

#include "common/rpc/status.h"
#include "common/validate/validate.h"

namespace stratus::network_agent {

namespace v1 = cloud::network::v1;

NetworkServiceSource::NetworkServiceSource(const std::string& endpoint, identity_client::IdentityConnection& identity,
                                           std::chrono::milliseconds call_timeout,
                                           const rpc::ChannelFactory& channels)
    : identity_(identity), call_timeout_(call_timeout), stub_(v1::NetworkAgent::NewStub(channels.open(endpoint))) {}

void NetworkServiceSource::prepare(grpc::ClientContext& context) {
  context.AddMetadata("authorization", "Bearer " + identity_.service_token());
  context.set_deadline(std::chrono::system_clock::now() + call_timeout_);
}

std::optional<v1::PortBinding> NetworkServiceSource::port_binding(const std::string& port_id) {
  grpc::ClientContext context;
  prepare(context);
  v1::GetPortBindingRequest request;
  request.set_port_id(port_id);
  v1::PortBinding binding;
  auto status = stub_->GetPortBinding(&context, request, &binding);
  // An iface-id that cannot name a port (not a UUID: INVALID_ARGUMENT) names no port either.
  // Throwing would fail, and retry forever, every round that includes it: one foreign or
  // mistyped iface-id on the host would stop the agent from wiring any port.
  if (status.error_code() == grpc::StatusCode::NOT_FOUND || status.error_code() == grpc::StatusCode::INVALID_ARGUMENT)
    return std::nullopt;
  rpc::check(status, "GetPortBinding " + port_id);
  return binding;
}

std::vector<v1::PortBinding> NetworkServiceSource::port_bindings(const std::vector<std::string>& port_ids) {
  std::vector<v1::PortBinding> out;
  constexpr size_t kBatch = 1000;  // the service's limit per call
  for (size_t start = 0; start < port_ids.size(); start += kBatch) {
    grpc::ClientContext context;
    prepare(context);
    v1::GetPortBindingsRequest request;
    for (size_t i = start; i < std::min(port_ids.size(), start + kBatch); ++i) {
      // An iface-id that is no UUID names no port (see port_binding): leave it out.
      if (validate::is_uuid(port_ids[i])) request.add_port_ids(port_ids[i]);
    }
    v1::GetPortBindingsResponse response;
    rpc::check(stub_->GetPortBindings(&context, request, &response), "GetPortBindings");
    for (auto& b : *response.mutable_bindings()) out.push_back(std::move(b));
  }
  return out;
}

std::vector<v1::PortBinding> NetworkServiceSource::ports_on_host(const std::string& host) {
  grpc::ClientContext context;
  prepare(context);
  v1::ListPortsOnHostRequest request;
  request.set_host(host);
  v1::ListPortsOnHostResponse response;
  rpc::check(stub_->ListPortsOnHost(&context, request, &response), "ListPortsOnHost " + host);
  return {response.bindings().begin(), response.bindings().end()};
}

void NetworkServiceSource::report_status(const std::string& port_id, const std::string& host,
                                         const std::string& status) {
  grpc::ClientContext context;
  prepare(context);
  v1::UpdatePortStatusRequest request;
  request.set_port_id(port_id);
  request.set_host(host);
  request.set_status(status);
  v1::Port port;
  rpc::check(stub_->UpdatePortStatus(&context, request, &port), "UpdatePortStatus " + port_id);
}

}  // namespace stratus::network_agent
