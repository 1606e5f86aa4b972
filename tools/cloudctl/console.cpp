#include "tools/cloudctl/console.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace stratus::cloudctl {

bool TerminalConsole::interactive() const { return isatty(STDIN_FILENO) == 1; }

std::optional<std::string> TerminalConsole::read_line() {
  std::string line;
  if (!std::getline(std::cin, line)) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::optional<std::string> TerminalConsole::ask_secret(const std::string& prompt) {
  if (!interactive()) return std::nullopt;
  std::cerr << prompt << std::flush;
  termios saved{};
  bool echo_off = tcgetattr(STDIN_FILENO, &saved) == 0;
  if (echo_off) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  auto line = read_line();
  if (echo_off) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  std::cerr << "\n";
  return line;
}

}  // namespace stratus::cloudctl
