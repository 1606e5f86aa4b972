#include "services/compute/domain/scheduler.h"

#include <cmath>
#include <string_view>

#include "common/error/error.h"

namespace stratus::compute::scheduling {
namespace {

constexpr size_t kMaxEcho = 64;

std::string quoted(const std::string& value) {
  return "'" + (value.size() <= kMaxEcho ? value : value.substr(0, kMaxEcho - 3) + "...") + "'";
}

std::string plural(int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

int64_t capacity(int64_t total, double ratio) {
  return static_cast<int64_t>(std::floor(static_cast<double>(total) * ratio));
}

// One name per architecture, so an image saying "amd64" (Debian's word) lands on an "x86_64" host.
std::string_view canonical_architecture(std::string_view a) {
  if (a == "amd64" || a == "x86-64" || a == "x64") return "x86_64";
  if (a == "arm64") return "aarch64";
  if (a == "i386" || a == "i486" || a == "i586") return "i686";
  return a;
}

// Why a host was dropped: the first filter that refused it.
enum class Drop { None, Disabled, Down, Zone, Architecture, Excluded, Group, Resources };

// What the filters saw across all hosts, to explain an empty result.
struct Tally {
  int disabled = 0, down = 0, off = 0;  // off: disabled or down
  int zone = 0, architecture = 0, excluded = 0, group = 0;
  int resource_candidates = 0;  // hosts that passed every filter but the resource ones
  int64_t max_free_ram = 0, max_free_disk = 0;
  int max_free_vcpus = 0;
  bool ram_fits_somewhere = false, vcpus_fit_somewhere = false, disk_fits_somewhere = false;
};

struct Free {
  int64_t ram;
  int vcpus;
  int64_t disk;
};

Free free_of(const HostState& h, const Ratios& r) { return {free_ram_mib(h, r), free_vcpus(h, r), free_disk_gib(h, r)}; }

Drop first_drop(const Request& req, const std::set<std::string>& group_hosts, const HostState& h, const Free& free,
                Tally& tally) {
  if (!h.enabled || !h.up) {
    tally.off++;
    if (!h.enabled) tally.disabled++;
    if (!h.up) tally.down++;
    return h.enabled ? Drop::Down : Drop::Disabled;
  }
  if (!req.availability_zone.empty() && h.availability_zone != req.availability_zone) return tally.zone++, Drop::Zone;
  if (!req.architecture.empty() &&
      canonical_architecture(h.architecture) != canonical_architecture(req.architecture))
    return tally.architecture++, Drop::Architecture;
  if (req.excluded_hosts.count(h.name)) return tally.excluded++, Drop::Excluded;
  if (req.group_policy == GroupPolicy::AntiAffinity && group_hosts.count(h.name)) return tally.group++, Drop::Group;
  if (req.group_policy == GroupPolicy::Affinity && !group_hosts.empty() && !group_hosts.count(h.name))
    return tally.group++, Drop::Group;
  tally.resource_candidates++;
  bool ram = free.ram >= req.ram_mib, vcpus = free.vcpus >= req.vcpus, disk = free.disk >= req.disk_gib;
  tally.ram_fits_somewhere |= ram;
  tally.vcpus_fit_somewhere |= vcpus;
  tally.disk_fits_somewhere |= disk;
  if (free.ram > tally.max_free_ram) tally.max_free_ram = free.ram;
  if (free.vcpus > tally.max_free_vcpus) tally.max_free_vcpus = free.vcpus;
  if (free.disk > tally.max_free_disk) tally.max_free_disk = free.disk;
  return ram && vcpus && disk ? Drop::None : Drop::Resources;
}

std::string explain(const Request& req, size_t host_count, const Tally& t) {
  if (host_count == 0) return "no compute host is registered";
  const int total = static_cast<int>(host_count);
  if (t.off == total) {
    if (t.down == total) return "no host is up";
    if (t.disabled == total) return "no host is enabled";
    return "no host is both enabled and up (" + plural(t.disabled, "disabled", "disabled") + ", " +
           plural(t.down, "down", "down") + ")";
  }
  const std::string zone = req.availability_zone.empty() ? "" : " in availability zone " + quoted(req.availability_zone);
  int left = total - t.off;
  if (t.zone == left) return "no enabled host" + zone;
  left -= t.zone;
  if (t.architecture == left)
    return "no enabled host" + zone + " has architecture " + quoted(req.architecture) +
           " (the image's hw_architecture)";
  left -= t.architecture;
  if (t.excluded == left)
    return "no enabled host" + zone + " is left after excluding " +
           plural(t.excluded, "host that was already tried", "hosts that were already tried");
  left -= t.excluded;
  if (t.group == left) {
    if (req.group_policy == GroupPolicy::AntiAffinity)
      return "anti-affinity: every enabled host" + zone + " already runs a member of the server group";
    return "affinity: the server group's members run on a host that cannot take another instance "
           "(disabled, down, in another zone or excluded)";
  }
  const std::string where = " on " + plural(t.resource_candidates, "enabled host", "enabled hosts") + zone;
  if (!t.ram_fits_somewhere)
    return "no host has " + std::to_string(req.ram_mib) + " MiB RAM free; largest free is " +
           std::to_string(t.max_free_ram) + " MiB" + where;
  if (!t.vcpus_fit_somewhere)
    return "no host has " + plural(req.vcpus, "vCPU", "vCPUs") + " free; largest free is " +
           plural(t.max_free_vcpus, "vCPU", "vCPUs") + where;
  if (!t.disk_fits_somewhere)
    return "no host has " + std::to_string(req.disk_gib) + " GiB disk free; largest free is " +
           std::to_string(t.max_free_disk) + " GiB" + where;
  return "no host has " + std::to_string(req.ram_mib) + " MiB RAM, " + plural(req.vcpus, "vCPU", "vCPUs") + " and " +
         std::to_string(req.disk_gib) + " GiB disk free at once (checked " +
         plural(t.resource_candidates, "enabled host", "enabled hosts") + zone + ")";
}

// Soft group policies weigh before free RAM: 1 for a preferred host, 0 otherwise.
int group_preference(const Request& req, const std::set<std::string>& group_hosts, const HostState& h) {
  if (req.group_policy == GroupPolicy::SoftAffinity) return group_hosts.count(h.name) ? 1 : 0;
  if (req.group_policy == GroupPolicy::SoftAntiAffinity) return group_hosts.count(h.name) ? 0 : 1;
  return 0;
}

void check_request(const Request& req) {
  if (req.vcpus < 0 || req.ram_mib < 0 || req.disk_gib < 0)
    throw invalid_argument("a placement request needs non-negative vCPUs, RAM and disk, got " +
                           std::to_string(req.vcpus) + " vCPUs, " + std::to_string(req.ram_mib) + " MiB, " +
                           std::to_string(req.disk_gib) + " GiB");
}

// One pass over the hosts: the index of the best host that passes every filter, or nullopt and
// the reason. No allocation unless it fails.
std::optional<size_t> pick(const Request& req, const std::set<std::string>& group_hosts,
                           const std::vector<HostState>& hosts, const Settings& settings, std::string* reason) {
  Tally tally;
  std::optional<size_t> best;
  int best_preference = 0;
  int64_t best_ram = 0;
  for (size_t i = 0; i < hosts.size(); ++i) {
    const HostState& h = hosts[i];
    const Free free = free_of(h, settings.ratios);
    if (first_drop(req, group_hosts, h, free, tally) != Drop::None) continue;
    const int preference = group_preference(req, group_hosts, h);
    bool better;
    if (!best)
      better = true;
    else if (preference != best_preference)
      better = preference > best_preference;
    else if (free.ram != best_ram)
      better = settings.spread == Spread::Spread ? free.ram > best_ram : free.ram < best_ram;
    else
      better = h.name < hosts[*best].name;
    if (better) best = i, best_preference = preference, best_ram = free.ram;
  }
  if (!best && reason) *reason = explain(req, hosts.size(), tally);
  return best;
}

}  // namespace

int64_t free_ram_mib(const HostState& host, const Ratios& ratios) {
  int64_t free = capacity(host.ram_mib, ratios.ram) - host.ram_mib_used;
  return free > 0 ? free : 0;
}

int free_vcpus(const HostState& host, const Ratios& ratios) {
  int64_t free = capacity(host.vcpus, ratios.cpu) - host.vcpus_used;
  return free > 0 ? static_cast<int>(free) : 0;
}

int64_t free_disk_gib(const HostState& host, const Ratios& ratios) {
  int64_t free = capacity(host.disk_gib, ratios.disk) - host.disk_gib_used;
  return free > 0 ? free : 0;
}

void claim(HostState& host, const Request& request) {
  host.vcpus_used += request.vcpus;
  host.ram_mib_used += request.ram_mib;
  host.disk_gib_used += request.disk_gib;
  host.instances += 1;
}

Decision choose_host(const Request& request, const std::vector<HostState>& hosts, const Settings& settings) {
  check_request(request);
  Decision decision;
  if (auto index = pick(request, request.group_hosts, hosts, settings, &decision.reason))
    decision.host = hosts[*index].name;
  return decision;
}

std::vector<std::string> choose_hosts(const Request& request, int count, std::vector<HostState> hosts,
                                      const Settings& settings, std::string* reason) {
  check_request(request);
  if (count < 1) throw invalid_argument("instance count must be at least 1, got " + std::to_string(count));
  std::set<std::string> group_hosts = request.group_hosts;
  std::vector<std::string> chosen;
  chosen.reserve(static_cast<size_t>(count));
  for (int placed = 0; placed < count; ++placed) {
    std::string why;
    auto index = pick(request, group_hosts, hosts, settings, &why);
    if (!index) {
      if (reason)
        *reason = placed == 0 ? why
                              : "only " + std::to_string(placed) + " of " + std::to_string(count) +
                                    " instances fit: " + why;
      return {};
    }
    HostState& host = hosts[*index];
    claim(host, request);
    if (request.group_policy != GroupPolicy::None) group_hosts.insert(host.name);
    chosen.push_back(host.name);
  }
  if (reason) reason->clear();
  return chosen;
}

}  // namespace stratus::compute::scheduling
