#include "common/db/migrations.h"

#include <algorithm>
#include <set>

namespace stratus::db {

int migrate(Pool& pool, const std::string& component, const std::vector<Migration>& migrations,
            const log::Logger& logger) {
  return pool.transact([&](pqxx::work& tx) {
    tx.exec("SELECT pg_advisory_xact_lock(hashtext('stratus.migrations'))");
    tx.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " component text NOT NULL, version integer NOT NULL, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))");
    std::set<int> applied;
    for (const auto& row : tx.exec_params("SELECT version FROM schema_migrations WHERE component = $1", component))
      applied.insert(row[0].as<int>());

    std::vector<const Migration*> pending;
    for (const auto& m : migrations)
      if (!applied.count(m.version)) pending.push_back(&m);
    std::sort(pending.begin(), pending.end(), [](auto* a, auto* b) { return a->version < b->version; });

    for (const auto* m : pending) {
      logger.info("applying migration", {{"component", component}, {"version", m->version}, {"name", m->name}});
      tx.exec(m->sql);
      tx.exec_params("INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)", component,
                     m->version, m->name);
    }
    return static_cast<int>(pending.size());
  });
}

}  // namespace stratus::db
