#pragma once
// Running a host command from an agent (ovs-ofctl, ethtool, ip, qemu-img, virsh).
// The command goes through /bin/sh: callers quote or validate what they put into it.
#include <string>

namespace stratus::process {

struct CommandResult {
  int status = -1;     // exit status; -1 if it could not run or was killed by a signal
  std::string output;  // stdout and stderr, interleaved
};

// Runs `command` and waits for it; never throws for a failing command (look at status).
CommandResult run_command(const std::string& command);

}  // namespace stratus::process
