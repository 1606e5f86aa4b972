#include "tests/network/api_fuzz.h"

#include <chrono>

#include <catch2/catch.hpp>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/impl/codegen/rpc_method.h>

namespace stratus::api_fuzz {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// A leaf field and the message fields leading to it.
using FieldPath = std::vector<const FieldDescriptor*>;

void collect_paths(const Descriptor& type, FieldPath prefix, int depth, std::vector<FieldPath>& out) {
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    FieldPath path = prefix;
    path.push_back(field);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (depth < 3 && field->message_type()->full_name().rfind("google.protobuf.", 0) != 0)
        collect_paths(*field->message_type(), path, depth + 1, out);
    } else {
      out.push_back(path);
    }
  }
}

std::string path_name(const FieldPath& path) {
  std::string name;
  for (const auto* f : path) name += (name.empty() ? "" : ".") + f->name();
  return name;
}

// The message that holds the leaf of `path` inside `root`, made (one element of each repeated
// message on the way) as needed.
Message* holder_of(Message* root, const FieldPath& path) {
  Message* current = root;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const auto* reflection = current->GetReflection();
    current = path[i]->is_repeated() ? reflection->AddMessage(current, path[i])
                                     : reflection->MutableMessage(current, path[i]);
  }
  return current;
}

void set_string(Message* m, const FieldDescriptor* f, const std::string& value) {
  const auto* r = m->GetReflection();
  if (f->is_repeated()) r->AddString(m, f, value);
  else r->SetString(m, f, value);
}

// False when the field takes no number (strings, bools, enums are left to their own probes).
bool set_number(Message* m, const FieldDescriptor* f, int64_t value) {
  const auto* r = m->GetReflection();
  bool repeated = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      repeated ? r->AddInt32(m, f, static_cast<int32_t>(value)) : r->SetInt32(m, f, static_cast<int32_t>(value));
      return true;
    case FieldDescriptor::CPPTYPE_INT64:
      repeated ? r->AddInt64(m, f, value) : r->SetInt64(m, f, value);
      return true;
    case FieldDescriptor::CPPTYPE_UINT32:
      repeated ? r->AddUInt32(m, f, static_cast<uint32_t>(value)) : r->SetUInt32(m, f, static_cast<uint32_t>(value));
      return true;
    case FieldDescriptor::CPPTYPE_UINT64:
      repeated ? r->AddUInt64(m, f, static_cast<uint64_t>(value)) : r->SetUInt64(m, f, static_cast<uint64_t>(value));
      return true;
    default: return false;
  }
}

grpc::Status call(const std::shared_ptr<grpc::Channel>& channel, const std::string& full_method,
                  const std::string& token, const Message& request, Message* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  context.AddMetadata("authorization", "Bearer " + token);
  grpc::internal::RpcMethod method(full_method.c_str(), grpc::internal::RpcMethod::NORMAL_RPC);
  return grpc::internal::BlockingUnaryCall<Message, Message>(channel.get(), method, &context, request, response);
}

}  // namespace

const std::vector<int64_t>& extreme_numbers() {
  static const std::vector<int64_t> numbers = {0, -1, INT64_C(1) << 31, INT64_C(1) << 32, INT64_MAX, INT64_MIN};
  return numbers;
}

// (Invalid UTF-8 is not among them: proto3 string fields must be UTF-8, and gRPC refuses such
// a request before it reaches a service.)
const std::vector<std::pair<std::string, std::string>>& hostile_strings() {
  static const std::vector<std::pair<std::string, std::string>> strings = {
      {"100 KB", std::string(100 * 1024, 'x')},
      {"NUL", std::string("a\0b", 3)},
      {"ESC", "\x1b[2J\x1b[31mred\x1b]0;title\x07"}};
  return strings;
}

int fuzz_service(const google::protobuf::ServiceDescriptor& service, const std::shared_ptr<grpc::Channel>& channel,
                 const std::string& token, const Check& check, const std::vector<std::string>& skip) {
  google::protobuf::DynamicMessageFactory factory;
  int probes = 0;
  for (int m = 0; m < service.method_count(); ++m) {
    const auto* method = service.method(m);
    if (method->client_streaming() || method->server_streaming()) continue;
    if (std::find(skip.begin(), skip.end(), method->name()) != skip.end()) continue;
    std::string full_method = "/" + service.full_name() + "/" + method->name();
    const Message* request_prototype = factory.GetPrototype(method->input_type());
    const Message* response_prototype = factory.GetPrototype(method->output_type());
    std::vector<FieldPath> paths;
    collect_paths(*method->input_type(), {}, 0, paths);
    for (const auto& path : paths) {
      const FieldDescriptor* leaf = path.back();
      auto send = [&](const std::string& label, const std::function<bool(Message*)>& set) {
        std::unique_ptr<Message> request(request_prototype->New());
        if (!set(holder_of(request.get(), path))) return;
        std::unique_ptr<Message> response(response_prototype->New());
        check(Probe{method->name(), path_name(path), label}, call(channel, full_method, token, *request, response.get()));
        ++probes;
      };
      if (leaf->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        for (const auto& [label, value] : hostile_strings())
          send(label, [&](Message* holder) {
            set_string(holder, leaf, value);
            return true;
          });
      } else {
        for (int64_t number : extreme_numbers())
          send(std::to_string(number), [&](Message* holder) { return set_number(holder, leaf, number); });
      }
    }
  }
  return probes;
}

void check_sane(const Probe& probe, const grpc::Status& status) {
  INFO(probe.method << " " << probe.field << " = " << probe.value << " -> " << status.error_code() << ": "
                    << status.error_message().substr(0, 200));
  CHECK(status.error_code() != grpc::StatusCode::INTERNAL);
  CHECK(status.error_code() != grpc::StatusCode::UNKNOWN);
  if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED)
    CHECK(status.error_message().find("metadata") == std::string::npos);
  CHECK(status.error_message().size() <= 600);
  CHECK(status.error_message().find('\x1b') == std::string::npos);
  CHECK(status.error_message().find('\0') == std::string::npos);
}

}  // namespace stratus::api_fuzz
