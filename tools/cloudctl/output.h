#pragma once
// What commands print: with --json the API messages themselves (snake_case field names, every
// field present), otherwise aligned tables for people.
#include <google/protobuf/message.h>
#include <google/protobuf/repeated_field.h>

#include <functional>
#include <map>
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
// repeated fields joined by ",", enums by name, unset or empty as "" (an unset `optional`
// number too: a rule without a port range has no port 0).
std::string field_text(const google::protobuf::Message& message, const std::string& path);
// Every field as (path, text), nested messages flattened; unset oneof members left out.
std::vector<std::pair<std::string, std::string>> flatten_fields(const google::protobuf::Message& message);
// Column header for a field path: "created_at" -> "CREATED_AT", "info.user_name" -> "USER_NAME".
std::string column_header(const std::string& path);

// How a table shows a field instead of its raw text (--json always has the raw value):
// called with the message and the field's text. Keyed by field path.
using CellFormat = std::function<std::string(const google::protobuf::Message& message, const std::string& text)>;
using CellFormats = std::map<std::string, CellFormat>;

// Bytes as a person reads them: "512 B", "1.5 KiB", "20.0 MiB", "2.25 GiB" (binary units).
std::string human_size(uint64_t bytes);
// A CellFormat for byte counts: human_size of the number, the text itself when not a number.
std::string size_cell(const google::protobuf::Message& message, const std::string& text);

std::string to_json(const google::protobuf::Message& message);
std::string to_json_array(const std::vector<const google::protobuf::Message*>& messages);

class Output {
 public:
  // Results go to `out`; notes for people (never secrets) go to `notes`.
  Output(std::ostream& out, std::ostream& notes, bool json) : out_(out), notes_(notes), json_(json) {}
  bool json() const { return json_; }

  // One object: JSON, or a FIELD/VALUE table of every field.
  void object(const google::protobuf::Message& message, const CellFormats& formats = {});
  // One object: JSON in full, or a FIELD/VALUE table of just `fields` (paths).
  void object(const google::protobuf::Message& message, const std::vector<std::string>& fields,
              const CellFormats& formats = {});
  // Several objects: a JSON array, or a table with `columns` (field paths) as its columns.
  void list(const std::vector<const google::protobuf::Message*>& items, const std::vector<std::string>& columns,
            const CellFormats& formats = {});
  template <typename T>
  void list(const google::protobuf::RepeatedPtrField<T>& items, const std::vector<std::string>& columns,
            const CellFormats& formats = {}) {
    std::vector<const google::protobuf::Message*> messages;
    for (const T& item : items) messages.push_back(&item);
    list(messages, columns, formats);
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
