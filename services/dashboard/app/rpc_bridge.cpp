#include "services/dashboard/app/rpc_bridge.h"

#include <future>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include "block_storage/v1/block_storage.pb.h"
#include "common/rpc/authenticator.h"
#include "compute/v1/compute.pb.h"
#include "identity/v1/identity.pb.h"
#include "image/v1/image.pb.h"
#include "network/v1/network.pb.h"

namespace stratus::dashboard {

namespace pb = google::protobuf;

GrpcJsonBridge::GrpcJsonBridge(std::function<std::shared_ptr<grpc::Channel>(const std::string&)> channel_for,
                               std::chrono::milliseconds deadline)
    : channel_for_(std::move(channel_for)), deadline_(deadline) {
  // A static library's proto object file is linked only when something refers to it, and its
  // descriptors are what call() looks methods up in: refer to one message of each file.
  (void)cloud::compute::v1::Server::descriptor();
  (void)cloud::network::v1::NetworkInfo::descriptor();
  (void)cloud::image::v1::Image::descriptor();
  (void)cloud::block_storage::v1::Volume::descriptor();
  (void)cloud::identity::v1::Token::descriptor();
}

grpc::GenericStub& GrpcJsonBridge::stub_for(const std::string& service) {
  std::lock_guard lock(mutex_);
  auto& stub = stubs_[service];
  if (!stub) stub = std::make_unique<grpc::GenericStub>(channel_for_(service));
  return *stub;
}

RpcReply GrpcJsonBridge::call(const RpcRoute& route, const std::string& token, const std::string& json_request) {
  const pb::MethodDescriptor* method =
      pb::DescriptorPool::generated_pool()->FindMethodByName(route.grpc_service + "." + route.method);
  if (!method || method->client_streaming() || method->server_streaming())
    return {grpc::Status(grpc::StatusCode::UNIMPLEMENTED, route.service + "/" + route.method + " is not callable here"),
            ""};

  pb::MessageFactory* factory = pb::MessageFactory::generated_factory();
  std::unique_ptr<pb::Message> request(factory->GetPrototype(method->input_type())->New());
  pb::util::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = false;  // a misspelt field is an error, not silently dropped
  auto parsed = pb::util::JsonStringToMessage(json_request.empty() ? "{}" : json_request, request.get(), parse_options);
  if (!parsed.ok())
    return {grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the request body is not a valid " +
                                                                 method->input_type()->name() + ": " +
                                                                 std::string(parsed.message())),
            ""};

  std::string wire = request->SerializeAsString();
  grpc::Slice slice(wire);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline_);
  rpc::attach_token(context, token);

  std::promise<grpc::Status> done;
  stub_for(route.service)
      .UnaryCall(&context, route.grpc_path(), grpc::StubOptions(), &request_buffer, &response_buffer,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) return {status, ""};

  std::vector<grpc::Slice> slices;
  if (!response_buffer.Dump(&slices).ok())
    return {grpc::Status(grpc::StatusCode::INTERNAL, "the service's answer could not be read"), ""};
  std::string response_wire;
  for (const auto& s : slices) response_wire.append(reinterpret_cast<const char*>(s.begin()), s.size());
  std::unique_ptr<pb::Message> response(factory->GetPrototype(method->output_type())->New());
  if (!response->ParseFromString(response_wire))
    return {grpc::Status(grpc::StatusCode::INTERNAL, "the service's answer could not be parsed"), ""};

  pb::util::JsonPrintOptions print_options;
  print_options.preserve_proto_field_names = true;
  print_options.always_print_primitive_fields = true;
  std::string json;
  auto printed = pb::util::MessageToJsonString(*response, &json, print_options);
  if (!printed.ok()) return {grpc::Status(grpc::StatusCode::INTERNAL, "the answer could not be written as JSON"), ""};
  return {grpc::Status::OK, json};
}

}  // namespace stratus::dashboard
