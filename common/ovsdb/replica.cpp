#include "common/ovsdb/replica.h"

#include "common/ovsdb/client.h"
#include "common/ovsdb/error.h"

namespace stratus::ovsdb {

Replica::Replica(std::string db, Tables tables, Listener listener)
    : db_(std::move(db)),
      tables_(std::move(tables)),
      listener_(std::move(listener)),
      monitor_id_("stratus-replica-" + db_) {
  for (const auto& [table, columns] : tables_) data_[table];
}

json Replica::monitor_requests() const {
  json requests = json::object();
  for (const auto& [table, columns] : tables_) {
    requests[table] = json::object();
    if (!columns.empty()) requests[table]["columns"] = columns;
  }
  return requests;
}

void Replica::start(Client& client) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    awaiting_initial_ = true;
    early_updates_.clear();  // any left over belong to a dead session
  }
  const json initial = client.monitor(db_, monitor_id_, monitor_requests(),
                                      [this](const json& updates) { on_update(updates); });
  std::lock_guard<std::mutex> emit_lock(emit_mutex_);
  std::vector<RowChange> changes;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    changes = diff_and_replace(initial);
    for (const json& update : early_updates_) {
      std::vector<RowChange> more = merge_update(update);
      changes.insert(changes.end(), more.begin(), more.end());
    }
    early_updates_.clear();
    awaiting_initial_ = false;
  }
  emit(changes);
}

// The reader thread may deliver an update before start() has the initial contents: the
// server sends its reply first, but start()'s thread may not have run yet. Such updates
// wait in early_updates_ so they are applied on top of the initial contents, not under.
void Replica::on_update(const json& table_updates) {
  std::lock_guard<std::mutex> emit_lock(emit_mutex_);
  std::vector<RowChange> changes;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (awaiting_initial_) {
      early_updates_.push_back(table_updates);
      return;
    }
    changes = merge_update(table_updates);
  }
  emit(changes);
}

void Replica::apply_initial(const json& table_updates) {
  std::lock_guard<std::mutex> emit_lock(emit_mutex_);
  std::vector<RowChange> changes;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    changes = diff_and_replace(table_updates);
  }
  emit(changes);
}

void Replica::apply_update(const json& table_updates) {
  std::lock_guard<std::mutex> emit_lock(emit_mutex_);
  std::vector<RowChange> changes;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    changes = merge_update(table_updates);
  }
  emit(changes);
}

std::vector<RowChange> Replica::diff_and_replace(const json& initial) {
  if (!initial.is_object()) throw OvsdbError("monitor " + db_, "malformed initial contents");
  std::vector<RowChange> changes;
  for (auto& [table, old_rows] : data_) {
    TableRows new_rows;
    if (initial.contains(table)) {
      for (const auto& [uuid, update] : initial[table].items()) {
        if (update.contains("new") && !update["new"].is_null()) new_rows[uuid] = update["new"];
      }
    }
    for (const auto& [uuid, row] : old_rows) {
      if (new_rows.count(uuid) == 0) changes.push_back({table, uuid, row, std::nullopt});
    }
    for (const auto& [uuid, row] : new_rows) {
      auto old = old_rows.find(uuid);
      if (old == old_rows.end()) {
        changes.push_back({table, uuid, std::nullopt, row});
      } else if (old->second != row) {
        changes.push_back({table, uuid, old->second, row});
      }
    }
    old_rows = std::move(new_rows);
  }
  return changes;
}

// A modify's "new" carries the monitored columns' new values; merging it over the row we
// hold (rather than replacing) keeps us right even if a server sends only changed columns.
std::vector<RowChange> Replica::merge_update(const json& table_updates) {
  if (!table_updates.is_object()) throw OvsdbError("update " + db_, "malformed table-updates");
  std::vector<RowChange> changes;
  for (const auto& [table, row_updates] : table_updates.items()) {
    auto table_it = data_.find(table);
    if (table_it == data_.end()) continue;  // not a table we asked for
    TableRows& rows = table_it->second;
    for (const auto& [uuid, update] : row_updates.items()) {
      const bool has_new = update.contains("new") && !update["new"].is_null();
      auto existing = rows.find(uuid);
      if (!has_new) {
        if (existing == rows.end()) continue;
        changes.push_back({table, uuid, existing->second, std::nullopt});
        rows.erase(existing);
      } else if (existing == rows.end()) {
        rows[uuid] = update["new"];
        changes.push_back({table, uuid, std::nullopt, update["new"]});
      } else {
        Row merged = existing->second;
        for (const auto& [column, value] : update["new"].items()) merged[column] = value;
        if (merged == existing->second) continue;
        changes.push_back({table, uuid, existing->second, merged});
        existing->second = std::move(merged);
      }
    }
  }
  return changes;
}

void Replica::emit(const std::vector<RowChange>& changes) const {
  if (!listener_) return;
  for (const RowChange& change : changes) listener_(change);
}

std::optional<Row> Replica::get(const std::string& table, const std::string& uuid) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto table_it = data_.find(table);
  if (table_it == data_.end()) return std::nullopt;
  auto row = table_it->second.find(uuid);
  if (row == table_it->second.end()) return std::nullopt;
  return row->second;
}

std::map<std::string, Row> Replica::rows(const std::string& table) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto table_it = data_.find(table);
  if (table_it == data_.end()) return {};
  return table_it->second;
}

}  // namespace stratus::ovsdb
