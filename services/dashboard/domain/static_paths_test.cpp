#include "services/dashboard/domain/static_paths.h"

#include <catch2/catch.hpp>

using namespace stratus::dashboard;

TEST_CASE("request paths name files of the app, never outside it") {
  CHECK(static_file_for("/") == "index.html");
  CHECK(static_file_for("/?next=/volumes") == "index.html");
  CHECK(static_file_for("/assets/index-3f2a.js?v=1") == "assets/index-3f2a.js");
  CHECK(static_file_for("/instances/abc") == "instances/abc");
  CHECK_FALSE(static_file_for("/../etc/passwd"));
  CHECK_FALSE(static_file_for("/assets/../../x"));
  CHECK_FALSE(static_file_for("/%2e%2e/x"));
  CHECK_FALSE(static_file_for("/a\\b"));
  CHECK_FALSE(static_file_for("/.env"));
  CHECK_FALSE(static_file_for("//x"));
  CHECK_FALSE(static_file_for("relative"));
}

TEST_CASE("content types and caching follow the file") {
  CHECK(content_type_for("assets/app.js") == "text/javascript; charset=utf-8");
  CHECK(content_type_for("index.html") == "text/html; charset=utf-8");
  CHECK(content_type_for("assets/app.css") == "text/css; charset=utf-8");
  CHECK(content_type_for("blob") == "application/octet-stream");
  CHECK(cache_control_for("assets/app-1234.js") == "public, max-age=31536000, immutable");
  CHECK(cache_control_for("index.html") == "no-cache");
}
