#pragma once
// The one error type of the domain layers. Handlers map it to a gRPC status in one place
// (common/rpc/status.h), so every service answers the same way for the same kind of failure.
#include <stdexcept>
#include <string>

namespace stratus {

enum class ErrorCode {
  InvalidArgument,     // bad name, CIDR, port range, size, id...
  NotFound,
  AlreadyExists,
  FailedPrecondition,  // volume in use, instance not ACTIVE...
  ResourceExhausted,   // quota, empty pool, no capacity
  PermissionDenied,
  Unauthenticated,
  Unavailable,         // a dependency (database, broker, peer service) cannot be reached
  Internal,
};

const char* error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// How an error message quotes a value a caller sent: at most kMaxEchoed characters (then
// "..."), control characters, DEL, NUL and bytes that are not UTF-8 written as \xNN, so a
// hostile value can neither overflow the status metadata nor reach a terminal raw.
inline constexpr size_t kMaxEchoed = 64;
std::string echo(const std::string& value, size_t max_characters = kMaxEchoed);

// Short constructors so call sites read as sentences: throw not_found("project", name);
// They quote `name_or_id` through echo().
Error invalid_argument(const std::string& message);
Error not_found(const std::string& kind, const std::string& name_or_id);
Error already_exists(const std::string& kind, const std::string& name);
Error failed_precondition(const std::string& message);
Error resource_exhausted(const std::string& message);
Error permission_denied(const std::string& message);
Error unauthenticated(const std::string& message);
Error unavailable(const std::string& message);

}  // namespace stratus
