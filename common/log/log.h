#pragma once
// Structured logging: one line per event, "message key=value ...", as text or JSON lines.
// A Logger is a small value passed to whoever logs (no global logger); `child` names a
// sub-component. Log resource ids as fields; never log secrets (passwords, tokens, keys).
#include <initializer_list>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace stratus {
class Config;

namespace log {

enum class Level { Debug = 0, Info = 1, Warn = 2, Error = 3 };
enum class Format { Text, Json };

struct Field {
  Field(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  Field(std::string k, const char* v) : key(std::move(k)), value(v ? v : "") {}
  Field(std::string k, std::string_view v) : key(std::move(k)), value(v) {}
  template <typename N, typename = std::enable_if_t<std::is_arithmetic_v<N>>>
  Field(std::string k, N v) : key(std::move(k)), value(std::to_string(v)) {}
  std::string key;
  std::string value;
};
using Fields = std::initializer_list<Field>;

// Where lines go; shared by a logger and its children, serialised by one mutex.
class Sink {
 public:
  explicit Sink(std::ostream& out) : out_(out) {}
  void write(const std::string& line);

 private:
  std::mutex mutex_;
  std::ostream& out_;
};

class Logger {
 public:
  Logger(std::string component, Level min_level, Format format, std::shared_ptr<Sink> sink);
  // From [log] level = debug|info|warn|error and format = text|json; writes to stderr.
  static Logger from_config(const Config& config, const std::string& component);

  Logger child(const std::string& sub_component) const;

  void debug(std::string_view message, Fields fields = {}) const { emit(Level::Debug, message, fields); }
  void info(std::string_view message, Fields fields = {}) const { emit(Level::Info, message, fields); }
  void warn(std::string_view message, Fields fields = {}) const { emit(Level::Warn, message, fields); }
  void error(std::string_view message, Fields fields = {}) const { emit(Level::Error, message, fields); }
  bool enabled(Level level) const { return level >= min_level_; }

 private:
  void emit(Level level, std::string_view message, Fields fields) const;
  std::string component_;
  Level min_level_;
  Format format_;
  std::shared_ptr<Sink> sink_;
};

Level parse_level(const std::string& name);

}  // namespace log
}  // namespace stratus
