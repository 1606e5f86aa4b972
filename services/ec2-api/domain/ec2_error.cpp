#include "services/ec2-api/domain/ec2_error.h"

namespace stratus::ec2 {

Ec2Error missing_parameter(const std::string& name) {
  return Ec2Error("MissingParameter", "The request must contain the parameter " + name);
}

Ec2Error invalid_parameter_value(const std::string& message) { return Ec2Error("InvalidParameterValue", message); }

Ec2Error invalid_parameter_combination(const std::string& message) {
  return Ec2Error("InvalidParameterCombination", message);
}

Ec2Error from_service_error(const Error& error, const ResourceKind& kind) {
  std::string message = error.what();
  if (kind.code_prefix.empty() && (error.code() == ErrorCode::NotFound || error.code() == ErrorCode::AlreadyExists))
    return Ec2Error("InvalidParameterValue", message);
  switch (error.code()) {
    case ErrorCode::NotFound: return Ec2Error(kind.code_prefix + ".NotFound", message);
    case ErrorCode::AlreadyExists: return Ec2Error(kind.code_prefix + ".Duplicate", message);
    case ErrorCode::InvalidArgument: return Ec2Error("InvalidParameterValue", message);
    case ErrorCode::FailedPrecondition: return Ec2Error("IncorrectState", message);
    case ErrorCode::ResourceExhausted: return Ec2Error("ResourceLimitExceeded", message);
    case ErrorCode::PermissionDenied: return Ec2Error("UnauthorizedOperation", message, 403);
    case ErrorCode::Unauthenticated: return Ec2Error("AuthFailure", message, 401);
    case ErrorCode::Unavailable: return Ec2Error("Unavailable", "a service of the cloud is unavailable; retry", 503);
    case ErrorCode::Internal: break;
  }
  return Ec2Error("InternalError", "an internal error occurred", 500);
}

}  // namespace stratus::ec2
