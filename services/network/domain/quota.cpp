#include "services/network/domain/quota.h"

#include "common/error/error.h"

namespace stratus::network {

void check_quota(const std::string& resource, int limit, int in_use, int adding) {
  if (limit < 0 || in_use + adding <= limit) return;
  throw resource_exhausted("quota exceeded: the project has " + std::to_string(in_use) + " of " +
                           std::to_string(limit) + " " + resource + "; ask an admin to raise the quota");
}

}  // namespace stratus::network
