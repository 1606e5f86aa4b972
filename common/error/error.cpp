#include "common/error/error.h"

namespace stratus {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return "INVALID_ARGUMENT";
    case ErrorCode::NotFound: return "NOT_FOUND";
    case ErrorCode::AlreadyExists: return "ALREADY_EXISTS";
    case ErrorCode::FailedPrecondition: return "FAILED_PRECONDITION";
    case ErrorCode::ResourceExhausted: return "RESOURCE_EXHAUSTED";
    case ErrorCode::PermissionDenied: return "PERMISSION_DENIED";
    case ErrorCode::Unauthenticated: return "UNAUTHENTICATED";
    case ErrorCode::Unavailable: return "UNAVAILABLE";
    case ErrorCode::Internal: return "INTERNAL";
  }
  return "INTERNAL";
}

Error invalid_argument(const std::string& message) { return Error(ErrorCode::InvalidArgument, message); }
Error not_found(const std::string& kind, const std::string& name_or_id) {
  return Error(ErrorCode::NotFound, kind + " '" + name_or_id + "' not found");
}
Error already_exists(const std::string& kind, const std::string& name) {
  return Error(ErrorCode::AlreadyExists, kind + " '" + name + "' already exists");
}
Error failed_precondition(const std::string& message) { return Error(ErrorCode::FailedPrecondition, message); }
Error resource_exhausted(const std::string& message) { return Error(ErrorCode::ResourceExhausted, message); }
Error permission_denied(const std::string& message) { return Error(ErrorCode::PermissionDenied, message); }
Error unauthenticated(const std::string& message) { return Error(ErrorCode::Unauthenticated, message); }
Error unavailable(const std::string& message) { return Error(ErrorCode::Unavailable, message); }

}  // namespace stratus
