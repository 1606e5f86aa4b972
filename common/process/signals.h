#pragma once
// SIGTERM/SIGINT as an orderly stop: block them in every thread (call first thing in main,
// before any thread starts, so that every thread inherits the mask), then wait for one on
// the main thread and shut down in order.
namespace stratus::process {

void block_termination_signals();
// Blocks until SIGTERM or SIGINT arrives; returns its number.
int wait_for_termination_signal();
// "SIGTERM", "SIGINT", or "signal N".
const char* termination_signal_name(int signal_number);

}  // namespace stratus::process
