#pragma once
// What every benchmark program here prints with: percentiles, durations, the machine's load,
// a gRPC status in one line; and how it reads a password file.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

namespace stratus::bench {

// The first line of `path` (a password file); `fail("cannot read PATH")` when it cannot be read
// (the program's usage error, which does not return).
template <typename Fail>
std::string first_line_of_file(const std::string& path, Fail fail) {
  std::ifstream in(path);
  if (!in) fail("cannot read " + path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The p-quantile (0..1) of already sorted samples, nearest rank; 0 when there are none.
inline double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t index = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

// "1.25s", "3.40ms", "850us".
inline std::string format_ms(double ms) {
  char text[32];
  if (ms >= 1000) std::snprintf(text, sizeof text, "%.2fs", ms / 1000);
  else if (ms >= 1) std::snprintf(text, sizeof text, "%.2fms", ms);
  else std::snprintf(text, sizeof text, "%.0fus", ms * 1000);
  return text;
}

// "0.52 0.61 0.70": figures mean little without the load they were taken under.
inline std::string load_average() {
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) != 3) return "unknown";
  char text[64];
  std::snprintf(text, sizeof text, "%.2f %.2f %.2f", load[0], load[1], load[2]);
  return text;
}

inline std::string describe(const grpc::Status& status) {
  return std::to_string(status.error_code()) + " " + status.error_message();
}

}  // namespace stratus::bench
