#include "common/log/log.h"

#include <chrono>
#include <ctime>
#include <iostream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "common/config/config.h"

namespace stratus::log {
namespace {

const char* level_name(Level level) {
  switch (level) {
    case Level::Debug: return "DEBUG";
    case Level::Info: return "INFO";
    case Level::Warn: return "WARN";
    case Level::Error: return "ERROR";
  }
  return "INFO";
}

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(millis));
  return out;
}

// Values with spaces or quotes are quoted so that lines stay machine-splittable.
std::string text_value(const std::string& v) {
  if (!v.empty() && v.find_first_of(" \"=\t\n") == std::string::npos) return v;
  return nlohmann::json(v).dump();
}

}  // namespace

void Sink::write(const std::string& line) {
  std::lock_guard<std::mutex> lock(mutex_);
  out_ << line << '\n';
  out_.flush();
}

Level parse_level(const std::string& name) {
  if (name == "debug") return Level::Debug;
  if (name == "info") return Level::Info;
  if (name == "warn" || name == "warning") return Level::Warn;
  if (name == "error") return Level::Error;
  throw std::invalid_argument("log level must be debug, info, warn or error, got '" + name + "'");
}

Logger::Logger(std::string component, Level min_level, Format format, std::shared_ptr<Sink> sink)
    : component_(std::move(component)), min_level_(min_level), format_(format), sink_(std::move(sink)) {}

Logger Logger::from_config(const Config& config, const std::string& component) {
  std::string format = config.get("log.format", "text");
  if (format != "text" && format != "json")
    throw std::invalid_argument("log.format must be text or json, got '" + format + "'");
  return Logger(component, parse_level(config.get("log.level", "info")),
                format == "json" ? Format::Json : Format::Text, std::make_shared<Sink>(std::cerr));
}

Logger Logger::child(const std::string& sub_component) const {
  return Logger(component_ + "." + sub_component, min_level_, format_, sink_);
}

void Logger::emit(Level level, std::string_view message, Fields fields) const {
  if (!enabled(level)) return;
  if (format_ == Format::Json) {
    nlohmann::json line = {{"ts", timestamp()}, {"level", level_name(level)}, {"component", component_},
                           {"msg", std::string(message)}};
    for (const auto& f : fields) line[f.key] = f.value;
    sink_->write(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  std::string line = timestamp() + " " + level_name(level) + " " + component_ + ": " + std::string(message);
  for (const auto& f : fields) line += " " + f.key + "=" + text_value(f.value);
  sink_->write(line);
}

}  // namespace stratus::log
