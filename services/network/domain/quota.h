#pragma once
// Per-project limits on what the network service hands out. A project without its own row
// gets the service defaults (network.quota_* settings); -1 means unlimited.
#include <string>

namespace stratus::network {

struct QuotaLimits {
  int networks = 10;
  int subnets = 20;
  int ports = 50;
  int security_groups = 10;
  int security_group_rules = 100;
  int floating_ips = 10;
};

// Throws RESOURCE_EXHAUSTED ("quota exceeded: the project has 10 of 10 ports") when adding
// `adding` more of `resource` would pass `limit`.
void check_quota(const std::string& resource, int limit, int in_use, int adding = 1);

}  // namespace stratus::network
