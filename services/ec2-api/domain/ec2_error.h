#pragma once
// An error as EC2 answers it: a code boto3 and the aws CLI know ("InvalidKeyPair.NotFound"),
// a message for a person, and the HTTP status EC2 uses for it.
#include <stdexcept>
#include <string>

#include "common/error/error.h"

namespace stratus::ec2 {

class Ec2Error : public std::runtime_error {
 public:
  Ec2Error(std::string code, const std::string& message, int http_status = 400)
      : std::runtime_error(message), code_(std::move(code)), http_status_(http_status) {}
  const std::string& code() const { return code_; }
  int http_status() const { return http_status_; }

 private:
  std::string code_;
  int http_status_;
};

Ec2Error missing_parameter(const std::string& name);
Ec2Error invalid_parameter_value(const std::string& message);
Ec2Error invalid_parameter_combination(const std::string& message);

// What a resource's errors are called, e.g. {"InvalidKeyPair", "key pair"}.
struct ResourceKind {
  std::string code_prefix;  // "InvalidKeyPair": + ".NotFound", ".Duplicate"
  std::string noun;         // for messages
};

// A stratus::Error from a service, as EC2 names it for `kind`: NotFound -> <prefix>.NotFound,
// AlreadyExists -> <prefix>.Duplicate, InvalidArgument -> InvalidParameterValue,
// FailedPrecondition -> IncorrectState, ResourceExhausted -> ResourceLimitExceeded,
// PermissionDenied -> UnauthorizedOperation, Unauthenticated -> AuthFailure,
// Unavailable -> Unavailable (503), anything else -> InternalError (500).
Ec2Error from_service_error(const Error& error, const ResourceKind& kind);

}  // namespace stratus::ec2
