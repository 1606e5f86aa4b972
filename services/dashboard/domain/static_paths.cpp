#include "services/dashboard/domain/static_paths.h"

#include <array>
#include <utility>

namespace stratus::dashboard {

std::optional<std::string> static_file_for(std::string_view target) {
  auto query = target.find_first_of("?#");
  std::string_view path = target.substr(0, query);
  if (path.empty() || path.front() != '/') return std::nullopt;
  if (path.find_first_of(std::string_view("\\%\0", 3)) != std::string_view::npos) return std::nullopt;
  std::string relative(path.substr(1));
  // Every segment: no "." or ".." and no hidden files.
  size_t start = 0;
  while (start < relative.size()) {
    size_t end = relative.find('/', start);
    if (end == std::string::npos) end = relative.size();
    std::string_view segment(relative.data() + start, end - start);
    if (segment.empty() || segment.front() == '.') return std::nullopt;
    start = end + 1;
  }
  if (relative.empty()) return "index.html";
  return relative;
}

std::string content_type_for(std::string_view path) {
  static const std::array<std::pair<std::string_view, std::string_view>, 12> types = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
  }};
  for (const auto& [extension, type] : types)
    if (path.size() >= extension.size() && path.substr(path.size() - extension.size()) == extension)
      return std::string(type);
  return "application/octet-stream";
}

std::string cache_control_for(std::string_view path) {
  if (path.substr(0, 7) == "assets/") return "public, max-age=31536000, immutable";
  return "no-cache";
}

}  // namespace stratus::dashboard
