#include "services/compute/domain/scheduler.h"

#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "common/error/error.h"

using namespace stratus;
using namespace stratus::compute::scheduling;

namespace {

HostState host(const std::string& name, int vcpus = 8, int64_t ram_mib = 16384, int64_t disk_gib = 100) {
  HostState h;
  h.name = name;
  h.availability_zone = "nova";
  h.vcpus = vcpus;
  h.ram_mib = ram_mib;
  h.disk_gib = disk_gib;
  h.hypervisor_type = "qemu";
  h.architecture = "x86_64";
  return h;
}

Request small() {
  Request r;
  r.vcpus = 1;
  r.ram_mib = 512;
  r.disk_gib = 1;
  return r;
}

// Ratios 1.0 make the arithmetic of the tests obvious.
Settings exact(Spread spread = Spread::Spread) {
  Settings s;
  s.ratios = {1.0, 1.0, 1.0};
  s.spread = spread;
  return s;
}

std::string chosen(const Request& r, const std::vector<HostState>& hosts, const Settings& s = exact()) {
  Decision d = choose_host(r, hosts, s);
  return d.host ? *d.host : "(none: " + d.reason + ")";
}

std::string reason(const Request& r, const std::vector<HostState>& hosts, const Settings& s = exact()) {
  Decision d = choose_host(r, hosts, s);
  CHECK_FALSE(d.host);
  return d.reason;
}

}  // namespace

TEST_CASE("free capacity under the allocation ratios", "[scheduler]") {
  HostState h = host("h1", 8, 16384, 100);
  h.vcpus_used = 10;
  h.ram_mib_used = 4096;
  h.disk_gib_used = 40;
  Ratios nova;  // 16, 1.5, 1.0
  CHECK(free_vcpus(h, nova) == 8 * 16 - 10);
  CHECK(free_ram_mib(h, nova) == 16384 * 3 / 2 - 4096);
  CHECK(free_disk_gib(h, nova) == 60);
  h.ram_mib_used = 30000;  // overcommitted beyond a lowered ratio: never negative
  CHECK(free_ram_mib(h, {1.0, 1.0, 1.0}) == 0);
  Ratios tight{1.0, 1.0, 1.0};
  CHECK(free_vcpus(h, tight) == 0);
}

TEST_CASE("disabled and down hosts are filtered out", "[scheduler]") {
  auto a = host("a"), b = host("b");
  a.enabled = false;
  CHECK(chosen(small(), {a, b}) == "b");
  b.up = false;
  CHECK(reason(small(), {a, b}) == "no host is both enabled and up (1 disabled, 1 down)");
  a.enabled = true;
  a.up = false;
  CHECK(reason(small(), {a, b}) == "no host is up");
  a.up = b.up = true;
  a.enabled = b.enabled = false;
  CHECK(reason(small(), {a, b}) == "no host is enabled");
  CHECK(reason(small(), {}) == "no compute host is registered");
}

TEST_CASE("the availability zone filter", "[scheduler]") {
  auto a = host("a"), b = host("b");
  b.availability_zone = "az1";
  Request r = small();
  r.availability_zone = "az1";
  CHECK(chosen(r, {a, b}) == "b");
  r.availability_zone = "az2";
  CHECK(reason(r, {a, b}) == "no enabled host in availability zone 'az2'");
  r.availability_zone = std::string(300, 'z');
  CHECK(reason(r, {a, b}).find(std::string(65, 'z')) == std::string::npos);
  r.availability_zone = "";
  CHECK(chosen(r, {a, b}) == "a");  // any zone; equal free RAM: by name
}

TEST_CASE("the architecture filter", "[scheduler]") {
  auto a = host("a"), b = host("b");
  b.architecture = "aarch64";
  Request r = small();
  r.architecture = "aarch64";
  CHECK(chosen(r, {a, b}) == "b");
  r.architecture = "arm64";  // Debian's name for it
  CHECK(chosen(r, {a, b}) == "b");
  r.architecture = "amd64";
  CHECK(chosen(r, {a, b}) == "a");
  r.architecture = "s390x";
  CHECK(reason(r, {a, b}) == "no enabled host has architecture 's390x' (the image's hw_architecture)");
  r.availability_zone = "nova";
  CHECK(reason(r, {a, b}) == "no enabled host in availability zone 'nova' has architecture 's390x' (the image's hw_architecture)");
}

TEST_CASE("excluded hosts", "[scheduler]") {
  Request r = small();
  r.excluded_hosts = {"a"};
  CHECK(chosen(r, {host("a"), host("b")}) == "b");
  r.excluded_hosts = {"a", "b"};
  CHECK(reason(r, {host("a"), host("b")}) == "no enabled host is left after excluding 2 hosts that were already tried");
}

TEST_CASE("the RAM, vCPU and disk filters, and their reasons", "[scheduler]") {
  auto a = host("a", 4, 1024, 10);
  Request r = small();
  r.ram_mib = 4096;
  CHECK(reason(r, {a}) == "no host has 4096 MiB RAM free; largest free is 1024 MiB on 1 enabled host");
  r.ram_mib = 1024;
  CHECK(chosen(r, {a}) == "a");  // exactly full is fine
  r.vcpus = 5;
  CHECK(reason(r, {a, host("b", 2, 512, 10)}) == "no host has 5 vCPUs free; largest free is 4 vCPUs on 2 enabled hosts");
  r.vcpus = 1;
  r.disk_gib = 11;
  CHECK(reason(r, {a}) == "no host has 11 GiB disk free; largest free is 10 GiB on 1 enabled host");
  // each resource fits somewhere, but no single host has all of them
  auto ram_rich = host("ram-rich", 1, 8192, 1), cpu_rich = host("cpu-rich", 8, 512, 100);
  Request both = small();
  both.vcpus = 4;
  both.ram_mib = 4096;
  CHECK(reason(both, {ram_rich, cpu_rich}) ==
        "no host has 4096 MiB RAM, 4 vCPUs and 1 GiB disk free at once (checked 2 enabled hosts)");
}

TEST_CASE("claims count against capacity", "[scheduler]") {
  auto a = host("a", 4, 4096, 100);
  a.ram_mib_used = 3584;
  Request r = small();
  CHECK(chosen(r, {a}) == "a");
  a.ram_mib_used = 3585;
  CHECK_THAT(reason(r, {a}), Catch::Contains("largest free is 511 MiB"));
  claim(a, r);
  CHECK(a.ram_mib_used == 3585 + 512);
  CHECK(a.vcpus_used == 1);
  CHECK(a.disk_gib_used == 1);
  CHECK(a.instances == 1);
}

TEST_CASE("the RAM weigher spreads or packs, the name breaks ties", "[scheduler]") {
  auto big = host("big", 8, 32768), medium = host("medium", 8, 16384), small_host = host("small", 8, 2048);
  CHECK(chosen(small(), {small_host, medium, big}, exact(Spread::Spread)) == "big");
  CHECK(chosen(small(), {big, medium, small_host}, exact(Spread::Pack)) == "small");
  CHECK(chosen(small(), {host("b"), host("c"), host("a")}, exact(Spread::Spread)) == "a");
  CHECK(chosen(small(), {host("b"), host("c"), host("a")}, exact(Spread::Pack)) == "a");
}

TEST_CASE("hard anti-affinity keeps group members apart", "[scheduler]") {
  Request r = small();
  r.group_policy = GroupPolicy::AntiAffinity;
  r.group_hosts = {"a"};
  CHECK(chosen(r, {host("a", 8, 65536), host("b")}) == "b");
  r.group_hosts = {"a", "b"};
  CHECK(reason(r, {host("a"), host("b")}) == "anti-affinity: every enabled host already runs a member of the server group");
  std::string why;
  r.group_hosts = {};
  CHECK(choose_hosts(r, 3, {host("a"), host("b")}, exact(), &why).empty());
  CHECK(why == "only 2 of 3 instances fit: anti-affinity: every enabled host already runs a member of the server group");
  auto picks = choose_hosts(r, 3, {host("a"), host("b"), host("c")}, exact(), &why);
  CHECK(std::set<std::string>(picks.begin(), picks.end()) == std::set<std::string>{"a", "b", "c"});
}

TEST_CASE("hard affinity keeps group members together", "[scheduler]") {
  Request r = small();
  r.group_policy = GroupPolicy::Affinity;
  r.group_hosts = {"b"};
  CHECK(chosen(r, {host("a", 8, 65536), host("b")}) == "b");
  auto b = host("b");
  b.enabled = false;
  CHECK_THAT(reason(r, {host("a"), b}), Catch::StartsWith("affinity: the server group's members run on a host"));
  // a new group: the first pick decides, the others follow even when another host has more room
  r.group_hosts = {};
  std::string why;
  auto picks = choose_hosts(r, 3, {host("a", 8, 4096), host("b", 8, 8192)}, exact(), &why);
  CHECK(picks == std::vector<std::string>{"b", "b", "b"});
  // when the chosen host fills up, affinity refuses rather than splitting the group
  CHECK(choose_hosts(r, 3, {host("a", 8, 4096), host("b", 2, 8192)}, exact(), &why).empty());
  CHECK(why == "only 2 of 3 instances fit: no host has 1 vCPU free; largest free is 0 vCPUs on 1 enabled host");
}

TEST_CASE("soft affinity and soft anti-affinity weigh before free RAM", "[scheduler]") {
  Request r = small();
  r.group_hosts = {"a"};
  r.group_policy = GroupPolicy::SoftAffinity;
  CHECK(chosen(r, {host("a", 8, 1024), host("b", 8, 65536)}) == "a");
  r.group_policy = GroupPolicy::SoftAntiAffinity;
  CHECK(chosen(r, {host("a", 8, 65536), host("b", 8, 1024)}) == "b");
  r.group_hosts = {"a", "b"};
  CHECK(chosen(r, {host("a", 8, 65536), host("b", 8, 1024)}) == "a");  // all used: soft, so still placed
  r.group_hosts = {};
  std::string why;
  auto picks = choose_hosts(r, 4, {host("a", 8, 65536), host("b", 8, 1024), host("c", 8, 2048)}, exact(), &why);
  REQUIRE(picks.size() == 4);
  CHECK(std::set<std::string>(picks.begin(), picks.begin() + 3) == std::set<std::string>{"a", "b", "c"});
  CHECK(picks[3] == "a");
}

TEST_CASE("several instances at once never overcommit and are all or nothing", "[scheduler]") {
  Request r = small();
  r.ram_mib = 1024;
  std::string why = "stale";
  auto picks = choose_hosts(r, 3, {host("a", 8, 2048), host("b", 8, 1024)}, exact(), &why);
  CHECK(picks == std::vector<std::string>{"a", "a", "b"});  // a has more free until it is used up
  CHECK(why.empty());
  CHECK(choose_hosts(r, 4, {host("a", 8, 2048), host("b", 8, 1024)}, exact(), &why).empty());
  CHECK(why == "only 3 of 4 instances fit: no host has 1024 MiB RAM free; largest free is 0 MiB on 2 enabled hosts");
  CHECK(choose_hosts(r, 1, {}, exact(), &why).empty());
  CHECK(why == "no compute host is registered");
  CHECK(choose_hosts(r, 1, {host("a")}, exact(), nullptr) == std::vector<std::string>{"a"});
}

TEST_CASE("bad requests are refused", "[scheduler]") {
  Request r = small();
  r.ram_mib = -1;
  CHECK_THROWS_AS(choose_host(r, {host("a")}, exact()), Error);
  std::string why;
  CHECK_THROWS_AS(choose_hosts(small(), 0, {host("a")}, exact(), &why), Error);
}

TEST_CASE("property: random hosts and requests never overcommit a host", "[scheduler]") {
  std::mt19937 random(20261207);
  auto between = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(random); };
  const GroupPolicy policies[] = {GroupPolicy::None, GroupPolicy::Affinity, GroupPolicy::AntiAffinity,
                                  GroupPolicy::SoftAffinity, GroupPolicy::SoftAntiAffinity};
  int placed_rounds = 0, refused_rounds = 0;
  for (int round = 0; round < 500; ++round) {
    std::vector<HostState> hosts;
    const int host_count = static_cast<int>(between(0, 12));
    for (int i = 0; i < host_count; ++i) {
      HostState h = host("h" + std::to_string(i), static_cast<int>(between(1, 16)), between(512, 32768), between(10, 500));
      h.availability_zone = between(0, 3) == 0 ? "az2" : "az1";
      h.enabled = between(0, 9) != 0;
      h.up = between(0, 9) != 0;
      h.vcpus_used = static_cast<int>(between(0, h.vcpus * 2));
      h.ram_mib_used = between(0, h.ram_mib);
      h.disk_gib_used = between(0, h.disk_gib / 2);
      hosts.push_back(h);
    }
    Settings settings;
    settings.ratios = {static_cast<double>(between(1, 16)), between(10, 20) / 10.0, 1.0};
    settings.spread = between(0, 1) ? Spread::Spread : Spread::Pack;
    Request r;
    r.vcpus = static_cast<int>(between(0, 8));
    r.ram_mib = between(0, 8192);
    r.disk_gib = between(0, 80);
    r.availability_zone = between(0, 2) == 0 ? "" : "az1";
    r.group_policy = policies[between(0, 4)];
    for (int i = 0; i < host_count; ++i)
      if (between(0, 5) == 0) r.group_hosts.insert("h" + std::to_string(i));
    const int count = static_cast<int>(between(1, 10));

    std::string why;
    auto picks = choose_hosts(r, count, hosts, settings, &why);
    INFO("round " << round);
    if (picks.empty()) {
      ++refused_rounds;
      CHECK_FALSE(why.empty());
      continue;
    }
    ++placed_rounds;
    REQUIRE(picks.size() == static_cast<size_t>(count));
    std::map<std::string, int> per_host;
    for (const auto& name : picks) per_host[name]++;
    for (const HostState& h : hosts) {
      auto it = per_host.find(h.name);
      if (it == per_host.end()) continue;
      const int n = it->second;
      CHECK(h.enabled);
      CHECK(h.up);
      if (!r.availability_zone.empty()) CHECK(h.availability_zone == r.availability_zone);
      // the host's free capacity before the claims covers all of them
      CHECK(int64_t{n} * r.ram_mib <= free_ram_mib(h, settings.ratios));
      CHECK(int64_t{n} * r.vcpus <= free_vcpus(h, settings.ratios));
      CHECK(int64_t{n} * r.disk_gib <= free_disk_gib(h, settings.ratios));
      if (r.group_policy == GroupPolicy::AntiAffinity) {
        CHECK(n == 1);
        CHECK(r.group_hosts.count(h.name) == 0);
      }
    }
    if (r.group_policy == GroupPolicy::Affinity) {
      if (r.group_hosts.size() <= 1) CHECK(per_host.size() == 1);
      if (!r.group_hosts.empty())
        for (const auto& [name, n] : per_host) CHECK(r.group_hosts.count(name) == 1);
    }
  }
  CHECK(placed_rounds > 50);  // the generator exercises both outcomes
  CHECK(refused_rounds > 50);
}
