#include "tests/support/reply.h"

#include "common/rpc/status.h"

namespace stratus::test_support {

std::string describe(const grpc::Status& status) {
  return std::string(rpc::grpc_code_name(status.error_code())) + ": " + status.error_message();
}

}  // namespace stratus::test_support
