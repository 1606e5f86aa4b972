#pragma once
// The entry point every service binary shares:
//   <binary> [--config FILE]      (or STRATUS_CONFIG; settings may also come from STRATUS_*)
// Blocks termination signals before any thread starts (rpc::Server waits for them), loads the
// configuration, runs `run`, and turns an escaping exception into a message and exit status 1.
#include <functional>

#include "common/config/config.h"

namespace stratus::rpc {

int service_main(int argc, char** argv, const char* binary_name, const std::function<int(const Config&)>& run);

}  // namespace stratus::rpc
