#include "common/process/run.h"

#include <sys/wait.h>

#include <cstdio>

namespace stratus::process {

CommandResult run_command(const std::string& command) {
  CommandResult result;
  // The braces make stderr of every part of a compound command ("a; b") go to the pipe.
  FILE* pipe = popen(("{ " + command + "\n} 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buffer[65536];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace stratus::process
