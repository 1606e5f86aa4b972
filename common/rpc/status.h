#pragma once
// The one mapping from our errors to gRPC status codes, and the wrapper every handler runs
// its body in: stratus::Error keeps its code and message; database or broker outages become
// UNAVAILABLE; anything else is a bug, logged in full and answered as INTERNAL without details.
#include <string>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "common/error/error.h"
#include "common/log/log.h"

namespace stratus::rpc {

grpc::StatusCode to_grpc_code(ErrorCode code);
ErrorCode from_grpc_code(grpc::StatusCode code);
const char* grpc_code_name(grpc::StatusCode code);

// Every status message leaves through here: at most kMaxStatusMessage characters, with
// control characters, NUL and invalid UTF-8 escaped (common/error echo()), so no request can
// make its answer overflow the metadata limit or carry terminal escapes. The values a message
// quotes are already cut to 64 characters by the Error helpers and echo() at the call sites;
// this is the bound for the whole.
inline constexpr size_t kMaxStatusMessage = 512;
std::string bounded_message(const std::string& message);

// Converts the exception in flight (call from a catch block).
grpc::Status current_exception_status(const log::Logger& logger, std::string_view method);

template <typename Body>
grpc::Status serve(const log::Logger& logger, std::string_view method, Body&& body) {
  try {
    body();
    return grpc::Status::OK;
  } catch (...) {
    return current_exception_status(logger, method);
  }
}

// Client side: throws stratus::Error carrying the status's code and message when not OK.
void check(const grpc::Status& status, std::string_view what);

}  // namespace stratus::rpc
