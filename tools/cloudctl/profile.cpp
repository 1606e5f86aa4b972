#include "tools/cloudctl/profile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/config/config.h"
#include "tools/cloudctl/args.h"

extern char** environ;

namespace stratus::cloudctl {

Environment Environment::from_process() {
  std::map<std::string, std::string> variables;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) variables[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return Environment(std::move(variables));
}

std::optional<std::string> Environment::find(const std::string& name) const {
  auto it = variables_.find(name);
  if (it == variables_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

ConfigPaths config_paths(const Environment& env) {
  std::string home = env.find("HOME").value_or(".");
  std::string config_home = env.find("XDG_CONFIG_HOME").value_or(home + "/.config");
  std::string cache_home = env.find("XDG_CACHE_HOME").value_or(home + "/.cache");
  return {config_home + "/cloudctl/config", config_home + "/cloudctl/credentials", cache_home + "/cloudctl"};
}

std::string select_profile_name(const std::optional<std::string>& from_flag, const Environment& env) {
  std::string name = from_flag ? *from_flag : env.find("CLOUD_PROFILE").value_or("default");
  // The name becomes a file name in the cache directory, so keep it to a safe alphabet.
  bool safe = !name.empty() && name[0] != '.' && name.find_first_not_of(
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == std::string::npos;
  if (!safe) throw UsageError("profile name '" + name + "' may only use letters, digits, '.', '_' and '-'");
  return name;
}

std::string read_file_if_exists(const std::string& path) {
  std::ifstream file(path);
  if (!file) return "";
  std::stringstream buffer;
  buffer << file.rdbuf();
  return buffer.str();
}

Profile load_profile(const std::string& name, const ConfigPaths& paths, const Environment& env) {
  // The INI text is parsed by the project's one config loader; its environment overrides are
  // for services (STRATUS_*), ours are the CLOUD_* variables applied below.
  Config config = Config::parse(read_file_if_exists(paths.config_file), paths.config_file);
  Config credentials = Config::parse(read_file_if_exists(paths.credentials_file), paths.credentials_file);
  auto setting = [&](const Config& file, const std::string& key, const std::string& variable) {
    if (auto from_env = env.find(variable)) return from_env;
    return file.find(name + "." + key);
  };
  Profile profile;
  profile.name = name;
  profile.endpoint = setting(config, "endpoint", "CLOUD_ENDPOINT").value_or("");
  profile.username = setting(config, "username", "CLOUD_USERNAME").value_or("");
  profile.project = setting(config, "project", "CLOUD_PROJECT").value_or("");
  profile.password = setting(credentials, "password", "CLOUD_PASSWORD");
  profile.ca_file = setting(config, "ca_file", "CLOUD_CA_FILE").value_or("");
  return profile;
}

bool CachedToken::usable(std::chrono::system_clock::time_point now, const std::string& for_endpoint) const {
  return !bearer.empty() && endpoint == for_endpoint && now + kTokenExpiryMargin < expires_at;
}

std::string token_cache_path(const ConfigPaths& paths, const std::string& profile_name) {
  return paths.cache_dir + "/" + profile_name + ".token";
}

namespace {
// A file-name-safe rendering of a user or project name: letters, digits, '-' and '_' kept,
// anything else as %XX.
std::string file_safe(const std::string& text) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}
}  // namespace

std::string token_cache_path(const ConfigPaths& paths, const std::string& profile_name, const std::string& username,
                             const std::string& project) {
  return paths.cache_dir + "/" + profile_name + "@" + file_safe(username) + "@" + file_safe(project) + ".token";
}

bool CachedToken::belongs_to(const Profile& profile) const {
  if (endpoint != profile.endpoint) return false;
  if (!profile.username.empty() && profile.username != username) return false;
  if (!profile.project.empty() && profile.project != project && profile.project != project_id) return false;
  return true;
}

std::optional<CachedToken> load_token_cache(const std::string& path) {
  std::string text = read_file_if_exists(path);
  if (text.empty()) return std::nullopt;
  try {
    Config file = Config::parse(text, path);
    CachedToken token;
    token.bearer = file.get("token.bearer", "");
    token.expires_at = std::chrono::system_clock::time_point(std::chrono::seconds(file.get_int("token.expires_at", 0)));
    token.endpoint = file.get("token.endpoint", "");
    token.username = file.get("token.username", "");
    token.project = file.get("token.project", "");
    token.project_id = file.get("token.project_id", "");
    const std::string catalog_prefix = "catalog.";
    for (const auto& [key, value] : file.values())
      if (key.compare(0, catalog_prefix.size(), catalog_prefix) == 0)
        token.catalog[key.substr(catalog_prefix.size())] = value;
    if (token.bearer.empty()) return std::nullopt;
    return token;
  } catch (const std::invalid_argument&) {
    return std::nullopt;  // a damaged cache is as good as none
  }
}

namespace {

void make_private_directory(const std::string& dir) {
  // Create each missing component; only the last (ours) needs to be private.
  for (size_t slash = dir.find('/', 1); slash != std::string::npos; slash = dir.find('/', slash + 1))
    mkdir(dir.substr(0, slash).c_str(), 0755);
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw std::runtime_error("cannot create " + dir + ": " + std::strerror(errno));
}

std::string serialize(const CachedToken& token) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(token.expires_at.time_since_epoch()).count();
  std::ostringstream out;
  out << "# cloudctl token cache: a secret; remove with `cloudctl logout`\n"
      << "[token]\n"
      << "bearer = " << token.bearer << "\n"
      << "expires_at = " << seconds << "\n"
      << "endpoint = " << token.endpoint << "\n"
      << "username = " << token.username << "\n"
      << "project = " << token.project << "\n"
      << "project_id = " << token.project_id << "\n";
  if (!token.catalog.empty()) {
    out << "[catalog]\n";
    for (const auto& [service, url] : token.catalog) out << service << " = " << url << "\n";
  }
  return out.str();
}

}  // namespace

void save_token_cache(const std::string& path, const CachedToken& token) {
  make_private_directory(path.substr(0, path.rfind('/')));
  std::string temporary = path + ".tmp." + std::to_string(getpid());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + temporary + ": " + std::strerror(errno));
  std::string text = serialize(token);
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  bool closed = ::close(fd) == 0;
  if (!written || !closed || std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  }
}

void remove_token_cache(const std::string& path) { std::remove(path.c_str()); }

}  // namespace stratus::cloudctl
