#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tools/cloudctl/args.h"
#include "tools/cloudctl/profile.h"

using namespace stratus::cloudctl;
namespace fs = std::filesystem;
using std::chrono::seconds;

namespace {

using Variables = std::map<std::string, std::string>;

// A throwaway HOME with the given config and credentials files; removed afterwards.
struct TemporaryHome {
  TemporaryHome(const std::string& config, const std::string& credentials) {
    std::string pattern = (fs::temp_directory_path() / "cloudctl-test-XXXXXX").string();
    path = mkdtemp(pattern.data());
    fs::create_directories(path + "/.config/cloudctl");
    std::ofstream(path + "/.config/cloudctl/config") << config;
    std::ofstream(path + "/.config/cloudctl/credentials") << credentials;
  }
  ~TemporaryHome() { fs::remove_all(path); }
  std::string path;
};

const char* kConfig =
    "[default]\nendpoint = 10.0.0.1:7100\nusername = alice\nproject = web\n"
    "[demo]\nendpoint = 127.0.0.1:7100\nusername = demo\nproject = demo\n";
const char* kCredentials = "[demo]\npassword = s3cret\n";

}  // namespace

TEST_CASE("files live under HOME unless the XDG directories are set") {
  auto paths = config_paths(Environment(Variables{{"HOME", "/home/a"}}));
  CHECK(paths.config_file == "/home/a/.config/cloudctl/config");
  CHECK(paths.credentials_file == "/home/a/.config/cloudctl/credentials");
  CHECK(token_cache_path(paths, "demo") == "/home/a/.cache/cloudctl/demo.token");
  auto xdg = config_paths(Environment(Variables{{"HOME", "/home/a"}, {"XDG_CONFIG_HOME", "/c"}, {"XDG_CACHE_HOME", "/k"}}));
  CHECK(xdg.config_file == "/c/cloudctl/config");
  CHECK(xdg.cache_dir == "/k/cloudctl");
}

TEST_CASE("the profile name comes from --profile, then CLOUD_PROFILE, then 'default'") {
  Environment with_env(Variables{{"CLOUD_PROFILE", "demo"}});
  CHECK(select_profile_name(std::string("prod"), with_env) == "prod");
  CHECK(select_profile_name(std::nullopt, with_env) == "demo");
  CHECK(select_profile_name(std::nullopt, Environment()) == "default");
  CHECK_THROWS_AS(select_profile_name(std::string("../etc"), Environment()), UsageError);
}

TEST_CASE("a profile is read from its section of the config and credentials files") {
  TemporaryHome home(kConfig, kCredentials);
  Environment env(Variables{{"HOME", home.path}});
  auto demo = load_profile("demo", config_paths(env), env);
  CHECK(demo.endpoint == "127.0.0.1:7100");
  CHECK(demo.username == "demo");
  CHECK(demo.project == "demo");
  CHECK(demo.password == std::optional<std::string>("s3cret"));
  auto fallback = load_profile("default", config_paths(env), env);
  CHECK(fallback.endpoint == "10.0.0.1:7100");
  CHECK_FALSE(fallback.password);
}

TEST_CASE("CLOUD_* variables override the files") {
  TemporaryHome home(kConfig, kCredentials);
  Environment env(Variables{{"HOME", home.path},
                   {"CLOUD_ENDPOINT", "192.0.2.1:9000"},
                   {"CLOUD_USERNAME", "bob"},
                   {"CLOUD_PROJECT", "ops"},
                   {"CLOUD_PASSWORD", "from-env"}});
  auto demo = load_profile("demo", config_paths(env), env);
  CHECK(demo.endpoint == "192.0.2.1:9000");
  CHECK(demo.username == "bob");
  CHECK(demo.project == "ops");
  CHECK(demo.password == std::optional<std::string>("from-env"));
}

TEST_CASE("without files the environment alone makes a profile") {
  Environment env(Variables{{"HOME", "/nonexistent-home"}, {"CLOUD_ENDPOINT", "h:1"}, {"CLOUD_USERNAME", "u"}});
  auto profile = load_profile("default", config_paths(env), env);
  CHECK(profile.endpoint == "h:1");
  CHECK(profile.username == "u");
  CHECK(profile.project.empty());
}

TEST_CASE("a cached token is usable until shortly before it expires, and only for its endpoint") {
  auto now = std::chrono::system_clock::time_point(seconds(1'700'000'000));
  CachedToken token;
  token.bearer = "b";
  token.endpoint = "h:1";
  token.expires_at = now + seconds(3600);
  CHECK(token.usable(now, "h:1"));
  CHECK_FALSE(token.usable(now, "other:1"));
  CHECK(token.usable(token.expires_at - kTokenExpiryMargin - seconds(1), "h:1"));
  CHECK_FALSE(token.usable(token.expires_at - kTokenExpiryMargin, "h:1"));
  CHECK_FALSE(token.usable(token.expires_at + seconds(1), "h:1"));
  token.bearer.clear();
  CHECK_FALSE(token.usable(now, "h:1"));
}

TEST_CASE("the token cache round-trips with its catalog and is private to the user") {
  TemporaryHome home("", "");
  Environment env(Variables{{"HOME", home.path}});
  std::string path = token_cache_path(config_paths(env), "demo");
  CHECK_FALSE(load_token_cache(path));

  CachedToken token;
  token.bearer = "v1.abc.def";
  token.expires_at = std::chrono::system_clock::time_point(seconds(1'700'003'600));
  token.endpoint = "127.0.0.1:7100";
  token.username = "demo";
  token.project = "demo";
  token.catalog = {{"compute", "10.0.0.5:7300"}, {"block-storage", "10.0.0.6:7400"}};
  save_token_cache(path, token);

  struct stat file_status {};
  REQUIRE(stat(path.c_str(), &file_status) == 0);
  CHECK((file_status.st_mode & 0777) == 0600);
  REQUIRE(stat(config_paths(env).cache_dir.c_str(), &file_status) == 0);
  CHECK((file_status.st_mode & 0777) == 0700);

  auto loaded = load_token_cache(path);
  REQUIRE(loaded);
  CHECK(loaded->bearer == token.bearer);
  CHECK(loaded->expires_at == token.expires_at);
  CHECK(loaded->endpoint == token.endpoint);
  CHECK(loaded->username == "demo");
  CHECK(loaded->catalog == token.catalog);

  remove_token_cache(path);
  CHECK_FALSE(load_token_cache(path));
}

TEST_CASE("a damaged token cache counts as no cache") {
  TemporaryHome home("", "");
  std::string path = home.path + "/broken.token";
  std::ofstream(path) << "this is not [ini\n";
  CHECK_FALSE(load_token_cache(path));
}
