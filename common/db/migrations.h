#pragma once
// Versioned SQL migrations, applied at service start. Each component (a service, or a
// shared table set such as the outbox) has its own numbered list, compiled into the binary
// by cmake/StratusEmbed.cmake. Replicas starting together serialise on an advisory lock,
// and all pending migrations of a component apply in one transaction: all or nothing.
#include <string>
#include <vector>

#include "common/db/pool.h"
#include "common/log/log.h"

namespace stratus::db {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

// Returns the number of migrations applied (0 when the schema was already current).
int migrate(Pool& pool, const std::string& component, const std::vector<Migration>& migrations,
            const log::Logger& logger);

}  // namespace stratus::db
