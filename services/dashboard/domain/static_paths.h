#pragma once
// Which file of the built app a request path names, pure: the SPA's routes (/instances,
// /volumes/...) all get index.html, so a reload or a shared link opens the same page.
#include <optional>
#include <string>
#include <string_view>

namespace stratus::dashboard {

// "/assets/index-3f2a.js?v=1" -> "assets/index-3f2a.js"; "/" -> "index.html". nullopt for a
// path that tries to leave the app (".." segments, backslashes, NUL, percent escapes).
std::optional<std::string> static_file_for(std::string_view target);

// "text/javascript; charset=utf-8" for ".js", and so on; application/octet-stream otherwise.
std::string content_type_for(std::string_view path);

// Hashed build output (assets/...) never changes under its name: cache it for a year;
// index.html must be revalidated so a new build is picked up at once.
std::string cache_control_for(std::string_view path);

}  // namespace stratus::dashboard
