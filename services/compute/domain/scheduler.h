#pragma once
// Placement of instances on hypervisor hosts, pure and deterministic, in Nova's shape: filters
// drop the hosts that cannot take the instance (hard constraints), weighers order the rest
// (preferences), and the name breaks ties. The caller (compute's use case) loads the host states
// with their current claims, asks here, and records the claim in the same transaction; nothing
// here touches the database.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace stratus::compute::scheduling {

struct HostState {
  std::string name;
  std::string availability_zone;
  bool enabled = true;  // an operator may disable a host: it keeps its instances but takes no new ones
  bool up = true;       // heartbeat recent enough
  int vcpus = 0;        // physical totals
  int64_t ram_mib = 0;
  int64_t disk_gib = 0;
  int vcpus_used = 0;   // sum of the claims of the instances placed on the host
  int64_t ram_mib_used = 0;
  int64_t disk_gib_used = 0;
  std::string hypervisor_type;  // e.g. "qemu"
  std::string architecture;     // e.g. "x86_64"
  int instances = 0;
};

// Allocation ratios: how far a resource may be overcommitted (Nova's defaults).
struct Ratios {
  double cpu = 16.0;
  double ram = 1.5;
  double disk = 1.0;
};

enum class GroupPolicy { None, Affinity, AntiAffinity, SoftAffinity, SoftAntiAffinity };
enum class Spread { Spread, Pack };

struct Request {
  int vcpus = 0;
  int64_t ram_mib = 0;
  int64_t disk_gib = 0;
  std::string availability_zone;  // empty: any zone
  std::string architecture;       // from image property hw_architecture; empty: any. Aliases match
                                  // (amd64/x86-64 = x86_64, arm64 = aarch64, i386..i586 = i686).
  GroupPolicy group_policy = GroupPolicy::None;
  std::set<std::string> group_hosts;     // hosts already used by the group's members
  std::set<std::string> excluded_hosts;  // e.g. hosts a failed build already tried
};

struct Settings {
  Ratios ratios;
  Spread spread = Spread::Spread;  // Spread: most free RAM first; Pack: least free RAM first
};

struct Decision {
  std::optional<std::string> host;
  std::string reason;  // set when !host, in words a user can act on (RESOURCE_EXHAUSTED message)
};

// Filters, in this order (the reason names the first one that leaves no host): enabled and up,
// availability zone, architecture, excluded hosts, hard affinity/anti-affinity, then RAM, vCPUs
// and disk under the ratios. Weighers: soft affinity (prefer group_hosts) / soft anti-affinity
// (avoid them), then free RAM (spread or pack), then the name. A request with negative sizes:
// Error(InvalidArgument).
Decision choose_host(const Request& request, const std::vector<HostState>& hosts, const Settings& settings);

// Claims several instances at once (count N): returns N hosts (one per instance, updating the
// copies of the host states between picks so N instances never overcommit, and respecting the group
// policy among themselves), or no host and the reason when not all fit (all or nothing): then the
// result is empty and *reason (when reason != nullptr) says why, e.g. "only 2 of 3 instances fit: ...".
// count < 1: Error(InvalidArgument).
std::vector<std::string> choose_hosts(const Request& request, int count, std::vector<HostState> hosts,
                                      const Settings& settings, std::string* reason);

// Adds one instance of `request`'s size to the host's usage (what choose_hosts does between picks).
void claim(HostState& host, const Request& request);

// Free capacity under the ratios (total * ratio - used, never below 0); used by the API to answer
// RESOURCE_EXHAUSTED early.
int64_t free_ram_mib(const HostState& host, const Ratios& ratios);
int free_vcpus(const HostState& host, const Ratios& ratios);
int64_t free_disk_gib(const HostState& host, const Ratios& ratios);

}  // namespace stratus::compute::scheduling
