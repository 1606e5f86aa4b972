#include "common/rpc/status.h"

#include <pqxx/pqxx>

namespace stratus::rpc {

grpc::StatusCode to_grpc_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return grpc::StatusCode::INVALID_ARGUMENT;
    case ErrorCode::NotFound: return grpc::StatusCode::NOT_FOUND;
    case ErrorCode::AlreadyExists: return grpc::StatusCode::ALREADY_EXISTS;
    case ErrorCode::FailedPrecondition: return grpc::StatusCode::FAILED_PRECONDITION;
    case ErrorCode::ResourceExhausted: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case ErrorCode::PermissionDenied: return grpc::StatusCode::PERMISSION_DENIED;
    case ErrorCode::Unauthenticated: return grpc::StatusCode::UNAUTHENTICATED;
    case ErrorCode::Unavailable: return grpc::StatusCode::UNAVAILABLE;
    case ErrorCode::Internal: return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::INTERNAL;
}

ErrorCode from_grpc_code(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE: return ErrorCode::InvalidArgument;
    case grpc::StatusCode::NOT_FOUND: return ErrorCode::NotFound;
    case grpc::StatusCode::ALREADY_EXISTS: return ErrorCode::AlreadyExists;
    case grpc::StatusCode::FAILED_PRECONDITION: return ErrorCode::FailedPrecondition;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return ErrorCode::ResourceExhausted;
    case grpc::StatusCode::PERMISSION_DENIED: return ErrorCode::PermissionDenied;
    case grpc::StatusCode::UNAUTHENTICATED: return ErrorCode::Unauthenticated;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED: return ErrorCode::Unavailable;
    default: return ErrorCode::Internal;
  }
}

const char* grpc_code_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

std::string bounded_message(const std::string& message) { return echo(message, kMaxStatusMessage); }

grpc::Status current_exception_status(const log::Logger& logger, std::string_view method) {
  try {
    throw;
  } catch (const Error& e) {
    if (e.code() == ErrorCode::Internal || e.code() == ErrorCode::Unavailable)
      logger.error("request failed", {{"method", method}, {"error", e.what()}});
    return grpc::Status(to_grpc_code(e.code()), bounded_message(e.what()));
  } catch (const pqxx::broken_connection& e) {
    logger.error("database unreachable", {{"method", method}, {"error", e.what()}});
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "database unreachable, try again");
  } catch (const std::exception& e) {
    logger.error("unexpected failure", {{"method", method}, {"error", e.what()}});
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error; the service log has the details");
  } catch (...) {
    logger.error("unexpected failure", {{"method", method}});
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error; the service log has the details");
  }
}

void check(const grpc::Status& status, std::string_view what) {
  if (status.ok()) return;
  throw Error(from_grpc_code(status.error_code()), std::string(what) + ": " + status.error_message());
}

}  // namespace stratus::rpc
