#include <catch2/catch.hpp>

#include <unistd.h>

#include <csignal>

#include "common/process/run.h"
#include "common/process/signals.h"

using namespace stratus::process;

TEST_CASE("run_command returns the exit status and both output streams", "[unit][process]") {
  auto ok = run_command("echo out; echo err >&2");
  CHECK(ok.status == 0);
  CHECK(ok.output.find("out") != std::string::npos);
  CHECK(ok.output.find("err") != std::string::npos);
  CHECK(run_command("exit 3").status == 3);
  CHECK(run_command("kill -9 $$").status == -1);
}

TEST_CASE("a termination signal sent to the process is waited for and named", "[unit][process]") {
  block_termination_signals();
  REQUIRE(kill(getpid(), SIGTERM) == 0);  // stays pending: blocked
  int got = wait_for_termination_signal();
  CHECK(got == SIGTERM);
  CHECK(std::string(termination_signal_name(got)) == "SIGTERM");
}
