#pragma once
// A fuzzer of a whole gRPC API by reflection, so that no field is forgotten and new ones are
// covered as they come: for every unary method of a service, a request with one field (at any
// depth, in repeated fields and maps too) set to a hostile value, sent with a caller's token.
// Each answer goes to `check`; the tests say what a sane answer is.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>

namespace stratus::api_fuzz {

struct Probe {
  std::string method;  // "CreateNetwork"
  std::string field;   // "allocation_pools.start"
  std::string value;   // a label: "100 KB", "-1", ...
};

using Check = std::function<void(const Probe&, const grpc::Status&)>;

// Numbers every numeric field gets (cast to the field's type) and strings every string field gets.
const std::vector<int64_t>& extreme_numbers();
const std::vector<std::pair<std::string, std::string>>& hostile_strings();

// Sends every probe of `service` (methods named in `skip` are left out); returns how many.
int fuzz_service(const google::protobuf::ServiceDescriptor& service, const std::shared_ptr<grpc::Channel>& channel,
                 const std::string& token, const Check& check, const std::vector<std::string>& skip = {});

// The answer of a sane service: no INTERNAL or UNKNOWN, no RESOURCE_EXHAUSTED about metadata,
// a message of at most 600 bytes without ESC or NUL.
void check_sane(const Probe& probe, const grpc::Status& status);

}  // namespace stratus::api_fuzz
