// cloudctl as a person reads it, the real binary on the real network service: a rule without
// a port range or ICMP type shows "any" (never "0"), floating-ip associate has a readable
// usage line, and a mistyped command answers with one line naming the likely command.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <vector>

#include "common/process/run.h"
#include "tests/network/network_test_support.h"

using namespace stratus::network_test;
namespace fs = std::filesystem;

namespace {

struct Run {
  int status = -1;
  std::string out;
};

// cloudctl acting as `t` (through the CLOUD_* environment, a home of its own), stderr included.
Run cloudctl(const Tenant& t, const std::string& args) {
  static const fs::path home = fs::temp_directory_path() / unique("cloudctl-home");
  fs::create_directories(home);
  std::string command = "env -u CLOUD_PROFILE HOME=" + home.string() +
                        " CLOUD_ENDPOINT=" + Cloud::instance().identity_address() + " CLOUD_USERNAME=" + t.user_name +
                        " CLOUD_PROJECT=" + t.project_name + " CLOUD_PASSWORD=" +
                        stratus::test_support::kMemberPassword + " " STRATUS_CLOUDCTL_BIN " " + args + " </dev/null 2>&1";
  auto result = stratus::process::run_command(command);
  return Run{result.status, result.output};
}

// The rows of a table as whitespace-separated words (empty cells vanish).
std::vector<std::vector<std::string>> rows_of(const std::string& table) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(table);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> row;
    for (std::string word; words >> word;) row.push_back(word);
    if (!row.empty()) rows.push_back(row);
  }
  return rows;
}

}  // namespace

TEST_CASE("cloudctl shows unset port ranges and ICMP types as any, never 0") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("cli-rules");
  auto tcp = cloudctl(t, "--json security-group rule create default --protocol tcp");
  INFO(tcp.out);
  REQUIRE(tcp.status == 0);
  auto icmp = cloudctl(t, "--json security-group rule create default --protocol icmp");
  REQUIRE(icmp.status == 0);
  REQUIRE(cloudctl(t, "security-group rule create default --protocol tcp --port 22").status == 0);
  auto list = cloudctl(t, "security-group rule list default");
  INFO(list.out);
  REQUIRE(list.status == 0);
  // ID DIRECTION ETHERTYPE PROTOCOL PORT_RANGE_MIN PORT_RANGE_MAX ICMP_TYPE ICMP_CODE REMOTE...
  int tcp_any = 0, icmp_any = 0, ssh = 0;
  for (const auto& row : rows_of(list.out)) {
    for (const auto& word : row) CHECK(word != "0");
    if (row.size() == 6 && row[3] == "tcp" && row[4] == "any" && row[5] == "any") ++tcp_any;
    if (row.size() == 6 && row[3] == "icmp" && row[4] == "any" && row[5] == "any") ++icmp_any;
    if (row.size() == 6 && row[3] == "tcp" && row[4] == "22" && row[5] == "22") ++ssh;
  }
  CHECK(tcp_any == 1);
  CHECK(icmp_any == 1);
  CHECK(ssh == 1);
}

TEST_CASE("cloudctl answers a mistyped command with one line and the closest command") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("cli-typo");
  auto typo = cloudctl(t, "netwrk list");
  CHECK(typo.status == 2);
  CHECK(std::count(typo.out.begin(), typo.out.end(), '\n') == 1);
  CHECK_THAT(typo.out, Catch::Contains("did you mean 'network list'") && Catch::Contains("cloudctl help"));
  auto verb = cloudctl(t, "network lsit");
  CHECK(verb.status == 2);
  CHECK(std::count(verb.out.begin(), verb.out.end(), '\n') == 1);
  CHECK_THAT(verb.out, Catch::Contains("did you mean 'network list'"));
}

TEST_CASE("cloudctl floating-ip associate has a readable usage line") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("cli-usage");
  auto help = cloudctl(t, "floating-ip associate --help");
  CHECK(help.status == 0);
  CHECK_THAT(help.out, Catch::Contains("cloudctl floating-ip associate FIP (SERVER | --port PORT) [--fixed-ip IP]"));
  CHECK(help.out.find("[SERVER") == std::string::npos);
}
