#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/ovsdb/value.h"

namespace stratus::ovsdb::op {

// Builders for the operations of a "transact" (RFC 7047 section 5.2). Each returns the JSON
// object the server expects; Client::transact sends a list of them as one atomic transaction.

// A condition for a "where" clause, e.g. condition("name", "==", "br-int").
json condition(const std::string& column, const std::string& function, const json& value);
// A mutation, e.g. mutation("bridges", "insert", set_of({named_uuid("br")})).
json mutation(const std::string& column, const std::string& mutator, const json& value);

// uuid_name lets later operations of the same transaction refer to the new row
// with named_uuid(uuid_name).
json insert(const std::string& table, const json& row, const std::string& uuid_name = {});
json select(const std::string& table, const json& where,
            const std::vector<std::string>& columns = {});
json update(const std::string& table, const json& where, const json& row);
json mutate(const std::string& table, const json& where, const json& mutations);
json delete_rows(const std::string& table, const json& where);
// Fails the transaction unless the rows matching `where`, projected on `columns`, compare
// to `rows` as `until` ("==" or "!="). timeout_ms 0 means check once, never block: that is
// how a writer asserts preconditions so concurrent writers do not trample each other.
json wait(const std::string& table, const json& where, const std::vector<std::string>& columns,
          const std::string& until, const json& rows, int timeout_ms = 0);

}  // namespace stratus::ovsdb::op
