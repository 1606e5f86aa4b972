#pragma once
// The person (or script) at the other end of stdin: lines for --password-stdin, and password
// prompts without echo when stdin is a terminal. An interface so sessions can be tested.
#include <optional>
#include <string>

namespace stratus::cloudctl {

class Console {
 public:
  virtual ~Console() = default;
  virtual bool interactive() const = 0;
  // One line of stdin without its newline; nullopt at end of input.
  virtual std::optional<std::string> read_line() = 0;
  // Asks on the terminal without echo; nullopt when stdin is not a terminal.
  virtual std::optional<std::string> ask_secret(const std::string& prompt) = 0;
};

class TerminalConsole : public Console {
 public:
  bool interactive() const override;
  std::optional<std::string> read_line() override;
  std::optional<std::string> ask_secret(const std::string& prompt) override;
};

}  // namespace stratus::cloudctl
