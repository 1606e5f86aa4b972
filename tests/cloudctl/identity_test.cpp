// cloudctl acts as the identity it is told to (../shared/CLI.md), on a real stratus-identity:
// a token cached for a profile is used only when it belongs to the same endpoint, user and
// project that the profile and the CLOUD_* environment name now; otherwise cloudctl logs in
// afresh, and caches per identity, so nobody's token is replaced by another's.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <nlohmann/json.hpp>

#include "common/process/run.h"
#include "tests/support/identity_setup.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"

namespace {

using namespace stratus;
namespace fs = std::filesystem;

struct Run {
  int status = -1;
  std::string out;
};

// Runs cloudctl with HOME=home, no CLOUD_* variables but `env`, stdin empty.
Run cloudctl(const std::string& home, const std::string& args, const std::string& env = "") {
  std::string command = "env -u CLOUD_PROFILE -u CLOUD_ENDPOINT -u CLOUD_USERNAME -u CLOUD_PASSWORD -u CLOUD_PROJECT "
                        "HOME=" + home + " " + env + " " STRATUS_CLOUDCTL_BIN " " + args + " </dev/null 2>&1";
  auto result = stratus::process::run_command(command);
  return Run{result.status, result.output};
}

std::string whoami_user(const Run& run) {
  INFO(run.out);
  REQUIRE(run.status == 0);
  return nlohmann::json::parse(run.out).at("user_name").get<std::string>();
}

}  // namespace

TEST_CASE("cloudctl uses a cached token only for the identity the profile and environment name") {
  test_support::TestDatabase db;
  test_support::ServiceProcess identity(test_support::identity_service_options(STRATUS_IDENTITY_BIN, db.url()));
  test_support::IdentitySetup setup(identity.address());
  auto alice = setup.create_member(test_support::unique_name("alice"));
  auto bob = setup.create_member(test_support::unique_name("bob"));

  fs::path home = fs::temp_directory_path() / test_support::unique_name("cloudctl-home");
  fs::create_directories(home / ".config/cloudctl");
  {
    std::ofstream config(home / ".config/cloudctl/config");
    config << "[demo]\nendpoint = " << identity.address() << "\nusername = " << alice.user_name
           << "\nproject = " << alice.project_name << "\n";
    std::ofstream credentials(home / ".config/cloudctl/credentials");
    credentials << "[demo]\npassword = " << test_support::kMemberPassword << "\n";
  }
  fs::permissions(home / ".config/cloudctl/credentials", fs::perms::owner_read | fs::perms::owner_write);

  // The profile's own identity, cached by the first command.
  CHECK(whoami_user(cloudctl(home, "--profile demo --json whoami")) == alice.user_name);

  // A script naming another user through the environment acts as that user, not as the
  // profile's cached one...
  std::string as_bob = "CLOUD_USERNAME=" + bob.user_name + " CLOUD_PROJECT=" + bob.project_name +
                       " CLOUD_PASSWORD=" + test_support::kMemberPassword;
  CHECK(whoami_user(cloudctl(home, "--profile demo --json whoami", as_bob)) == bob.user_name);
  // ...again from its own cache (no password needed the second time)...
  std::string as_bob_cached = "CLOUD_USERNAME=" + bob.user_name + " CLOUD_PROJECT=" + bob.project_name;
  CHECK(whoami_user(cloudctl(home, "--profile demo --json whoami", as_bob_cached)) == bob.user_name);
  // ...and the profile's own token is still alice's.
  CHECK(whoami_user(cloudctl(home, "--profile demo --json whoami")) == alice.user_name);

  // Naming only another project of the same user does not reuse the token of the first one.
  auto wrong_project = cloudctl(home, "--profile demo --json whoami", "CLOUD_PROJECT=" + bob.project_name);
  INFO(wrong_project.out);
  CHECK(wrong_project.status == 1);  // alice has no role on bob's project: a fresh login is refused
  CHECK(wrong_project.out.find("PERMISSION_DENIED") != std::string::npos);

  fs::remove_all(home);
}

TEST_CASE("cloudctl user create warns that --password is visible to others, and steers to --password-stdin") {
  test_support::TestDatabase db;
  test_support::ServiceProcess identity(test_support::identity_service_options(STRATUS_IDENTITY_BIN, db.url()));
  fs::path home = fs::temp_directory_path() / test_support::unique_name("cloudctl-home");
  fs::create_directories(home);
  const std::string as_admin = "CLOUD_ENDPOINT=" + identity.address() + " CLOUD_USERNAME=admin CLOUD_PROJECT=admin "
                               "CLOUD_PASSWORD=" + test_support::kBootstrapAdminPassword;

  auto visible = cloudctl(home, "user create " + test_support::unique_name("carol") + " --password Carol-Pass-4471",
                          as_admin);
  INFO(visible.out);
  CHECK(visible.status == 0);  // still works, for old scripts
  CHECK(visible.out.find("--password is visible to other users") != std::string::npos);
  CHECK(visible.out.find("--password-stdin") != std::string::npos);

  // No password, no terminal to ask on: the answer names the safe ways, not --password.
  auto none = cloudctl(home, "user create " + test_support::unique_name("dave"), as_admin);
  INFO(none.out);
  CHECK(none.status == 2);
  CHECK(none.out.find("--password-stdin") != std::string::npos);
  CHECK(none.out.find("--password P") == std::string::npos);
  fs::remove_all(home);
}
