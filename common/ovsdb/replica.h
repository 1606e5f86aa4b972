#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/ovsdb/value.h"

namespace stratus::ovsdb {

class Client;

// A row as OVSDB sends it: a JSON object of column name -> value in wire notation.
using Row = json;

// One change seen by the replica: an insert has no old_row, a delete has no new_row.
struct RowChange {
  std::string table;
  std::string uuid;
  std::optional<Row> old_row;
  std::optional<Row> new_row;
};

// An in-memory copy of some tables of one database, kept current with "monitor" (the
// ovsdb-idl idea, without its weight). The agent reads rows from here instead of polling and
// gets a RowChange for every insert, modify and delete.
//
// Use: after every (re)connect of the Client call start(client); it monitors again and
// reports the difference between what the replica held and what the server now has, so
// rows that vanished while disconnected come out as deletes.
//
// Threading: one mutex guards the rows; readers (get, rows) may run on any thread. The
// listener runs on the thread that applied the change (the Client's reader thread for
// updates, the caller of start() for the initial contents), one change at a time and in
// order. It may read the replica but must not call start() or block on the Client;
// level-triggered agents should only queue "look at this row again" work there.
class Replica {
 public:
  using Listener = std::function<void(const RowChange&)>;
  // table -> columns to monitor (empty: all columns).
  using Tables = std::map<std::string, std::vector<std::string>>;

  Replica(std::string db, Tables tables, Listener listener);

  // Monitors the tables on the client's current session and applies the initial contents.
  void start(Client& client);

  // The JSON shapes of RFC 7047 section 4.1.6, applied directly; start() uses these, tests
  // feed them by hand. apply_initial replaces everything and reports the difference.
  void apply_initial(const json& table_updates);
  void apply_update(const json& table_updates);

  std::optional<Row> get(const std::string& table, const std::string& uuid) const;
  std::map<std::string, Row> rows(const std::string& table) const;  // uuid -> row
  const std::string& monitor_id() const { return monitor_id_; }

 private:
  using TableRows = std::map<std::string, Row>;

  json monitor_requests() const;
  void on_update(const json& table_updates);
  std::vector<RowChange> diff_and_replace(const json& initial);
  std::vector<RowChange> merge_update(const json& table_updates);
  void emit(const std::vector<RowChange>& changes) const;

  std::string db_;
  Tables tables_;
  Listener listener_;
  std::string monitor_id_;
  std::mutex emit_mutex_;  // keeps the listener's calls serial and in order; taken first
  mutable std::mutex mutex_;
  std::map<std::string, TableRows> data_;
  bool awaiting_initial_ = false;
  std::vector<json> early_updates_;  // updates that overtook the monitor reply
};

}  // namespace stratus::ovsdb
