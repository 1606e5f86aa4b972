#pragma once
// What commands print: with --json the API messages themselves (snake_case field names, every
// field present), otherwise aligned tables for people.
#include <google/protobuf/message.h>
#include <google/protobuf/repeated_field.h>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace stratus::cloudctl {

using TableRow = std::vector<std::string>;

// Columns separated by two spaces and padded to the widest cell (counted in UTF-8 characters);
// the last column is not padded, so lines carry no trailing blanks. An empty header prints none.
std::string render_table(const TableRow& header, const std::vector<TableRow>& rows);

// The text of one field, addressed by a dotted path ("info.user_name"): timestamps as RFC 3339,
// repeated fields joined by ",", enums by name, unset or empty as "".
std::string field_text(const google::protobuf::Message& message, const std::string& path);
// Every field as (path, text), nested messages flattened; unset oneof members left out.
std::vector<std::pair<std::string, std::string>> flatten_fields(const google::protobuf::Message& message);
// Column header for a field path: "created_at" -> "CREATED_AT", "info.user_name" -> "USER_NAME".
std::string column_header(const std::string& path);

std::string to_json(const google::protobuf::Message& message);
std::string to_json_array(const std::vector<const google::protobuf::Message*>& messages);

class Output {
 public:
  // Results go to `out`; notes for people (never secrets) go to `notes`.
  Output(std::ostream& out, std::ostream& notes, bool json) : out_(out), notes_(notes), json_(json) {}
  bool json() const { return json_; }

  // One object: JSON, or a FIELD/VALUE table of every field.
  void object(const google::protobuf::Message& message);
  // One object: JSON in full, or a FIELD/VALUE table of just `fields` (paths).
  void object(const google::protobuf::Message& message, const std::vector<std::string>& fields);
  // Several objects: a JSON array, or a table with `columns` (field paths) as its columns.
  void list(const std::vector<const google::protobuf::Message*>& items, const std::vector<std::string>& columns);
  template <typename T>
  void list(const google::protobuf::RepeatedPtrField<T>& items, const std::vector<std::string>& columns) {
    std::vector<const google::protobuf::Message*> messages;
    for (const T& item : items) messages.push_back(&item);
    list(messages, columns);
  }
  // Free text for people; scripts use --json, where this prints nothing.
  void text(const std::string& line);
  // A remark on stderr, so it never mixes with a result a script reads.
  void note(const std::string& line);

 private:
  std::ostream& out_;
  std::ostream& notes_;
  bool json_;
};

}  // namespace stratus::cloudctl
