#pragma once
// Profiles (~/.config/cloudctl/config and credentials) and the per-profile token cache
// (~/.cache/cloudctl/<profile>.token). See /work/shared/CLI.md and README.md here.
//
// Precedence, highest first: --profile over CLOUD_PROFILE over "default" for the profile name;
// CLOUD_ENDPOINT / CLOUD_USERNAME / CLOUD_PROJECT / CLOUD_PASSWORD over the files.
#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace stratus::cloudctl {

// The process environment as a value, so profile resolution is testable without setenv.
class Environment {
 public:
  Environment() = default;
  explicit Environment(std::map<std::string, std::string> variables) : variables_(std::move(variables)) {}
  static Environment from_process();
  std::optional<std::string> find(const std::string& name) const;

 private:
  std::map<std::string, std::string> variables_;
};

struct ConfigPaths {
  std::string config_file;       // $XDG_CONFIG_HOME/cloudctl/config or ~/.config/cloudctl/config
  std::string credentials_file;  // beside config_file
  std::string cache_dir;         // $XDG_CACHE_HOME/cloudctl or ~/.cache/cloudctl
};
ConfigPaths config_paths(const Environment& env);

struct Profile {
  std::string name;
  std::string endpoint;  // host:port of identity; other services come from the catalog
  std::string username;
  std::string project;
  std::optional<std::string> password;  // only from the credentials file or CLOUD_PASSWORD
  std::string ca_file;  // PEM CA of a cloud that serves TLS (ca_file / CLOUD_CA_FILE); empty: plaintext
};

// Throws UsageError for a name unfit to be a file name.
std::string select_profile_name(const std::optional<std::string>& from_flag, const Environment& env);
// Missing files are fine (everything may come from the environment); malformed ones throw
// std::invalid_argument naming the file and line.
Profile load_profile(const std::string& name, const ConfigPaths& paths, const Environment& env);

// A token as cached after login, with what is needed to reuse or renew it.
struct CachedToken {
  std::string bearer;  // the secret
  std::chrono::system_clock::time_point expires_at;
  std::string endpoint;  // the identity endpoint it came from; another endpoint needs another token
  std::string username;  // who logged in (may differ from the profile's username)
  std::string project;   // the project name it is scoped to
  std::string project_id;
  std::map<std::string, std::string> catalog;  // service -> host:port, filled on first use

  // Usable when it came from `endpoint` and does not expire within the safety margin,
  // so that a call started now does not reach the server with a just-expired token.
  bool usable(std::chrono::system_clock::time_point now, const std::string& for_endpoint) const;
  // Whether it is a token of the identity `profile` names now (its file and the CLOUD_*
  // environment): the same endpoint, and the same user and project where those are named.
  // A script that sets CLOUD_USERNAME/CLOUD_PROJECT must act as that user, never as whoever
  // the profile's cached token belongs to.
  bool belongs_to(const struct Profile& profile) const;
};
inline constexpr std::chrono::seconds kTokenExpiryMargin{30};

std::string token_cache_path(const ConfigPaths& paths, const std::string& profile_name);
// The cache of a login as `username` into `project` with a profile that names someone else:
// tokens are cached per identity, so logging in as another user replaces nobody's token.
std::string token_cache_path(const ConfigPaths& paths, const std::string& profile_name, const std::string& username,
                             const std::string& project);
// nullopt when there is no cache or it cannot be read (then we log in again).
std::optional<CachedToken> load_token_cache(const std::string& path);
// Writes atomically with mode 0600, creating the directory with mode 0700.
void save_token_cache(const std::string& path, const CachedToken& token);
void remove_token_cache(const std::string& path);

std::string read_file_if_exists(const std::string& path);  // "" when absent

}  // namespace stratus::cloudctl
