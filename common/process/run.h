#pragma once
// Running a host command from an agent (ovs-ofctl, ethtool, ip, qemu-img, genisoimage).
// run() takes an argument vector and no shell, so paths and names need no quoting; prefer it.
// run_command() goes through /bin/sh for the few callers that want a pipeline: they quote or
// validate what they put into it.
#include <string>
#include <vector>

namespace stratus::process {

struct CommandResult {
  int status = -1;     // exit status; -1 if it could not run or was killed by a signal
  std::string output;  // stdout and stderr, interleaved
};

// `argv[0]` is looked up on PATH; stdin is /dev/null. Never throws for a failing command.
CommandResult run(const std::vector<std::string>& argv);
// As run(), but a command that does not exit 0 throws stratus::Error(Internal) naming the
// command, its exit status and (the start of) its output. Returns the output.
std::string run_or_throw(const std::vector<std::string>& argv);

// `command` through /bin/sh -c.
CommandResult run_command(const std::string& command);

}  // namespace stratus::process
