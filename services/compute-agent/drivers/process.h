#pragma once
// Runs a program with an argument vector (no shell, so no quoting of paths or names) and
// collects what it wrote to stdout and stderr.
#include <string>
#include <vector>

namespace stratus::compute_agent {

struct ProcessResult {
  int exit_status = -1;  // -1: did not start or was killed by a signal
  std::string output;    // stdout and stderr together
};

// `argv[0]` is looked up on PATH. Never throws for a failing program: check exit_status.
ProcessResult run_process(const std::vector<std::string>& argv);

// As run_process, but throws stratus::Error(Internal) naming the command and its output
// when it does not exit 0.
std::string run_process_or_throw(const std::vector<std::string>& argv);

}  // namespace stratus::compute_agent
