#include "tools/cloudctl/output.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <stdexcept>

namespace stratus::cloudctl {

namespace pb = google::protobuf;

namespace {

size_t display_width(const std::string& text) {
  // Count UTF-8 lead bytes only, so names with accents still line up.
  return static_cast<size_t>(std::count_if(text.begin(), text.end(),
                                           [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool is_timestamp(const pb::Descriptor* descriptor) {
  return descriptor->full_name() == pb::Timestamp::descriptor()->full_name();
}

std::string timestamp_text(const pb::Message& message) {
  pb::Timestamp timestamp;
  timestamp.CopyFrom(message);
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "";
  timestamp.set_nanos(0);  // whole seconds read better in a table; --json keeps full precision
  return pb::util::TimeUtil::ToString(timestamp);
}

std::string scalar_text(const pb::Message& message, const pb::FieldDescriptor* field, int index) {
  const pb::Reflection* r = message.GetReflection();
  bool repeated = field->is_repeated();
  using F = pb::FieldDescriptor;
  switch (field->cpp_type()) {
    case F::CPPTYPE_STRING: return repeated ? r->GetRepeatedString(message, field, index) : r->GetString(message, field);
    case F::CPPTYPE_BOOL:
      return (repeated ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field)) ? "true" : "false";
    case F::CPPTYPE_INT32: return std::to_string(repeated ? r->GetRepeatedInt32(message, field, index) : r->GetInt32(message, field));
    case F::CPPTYPE_INT64: return std::to_string(repeated ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field));
    case F::CPPTYPE_UINT32: return std::to_string(repeated ? r->GetRepeatedUInt32(message, field, index) : r->GetUInt32(message, field));
    case F::CPPTYPE_UINT64: return std::to_string(repeated ? r->GetRepeatedUInt64(message, field, index) : r->GetUInt64(message, field));
    case F::CPPTYPE_DOUBLE: return std::to_string(repeated ? r->GetRepeatedDouble(message, field, index) : r->GetDouble(message, field));
    case F::CPPTYPE_FLOAT: return std::to_string(repeated ? r->GetRepeatedFloat(message, field, index) : r->GetFloat(message, field));
    case F::CPPTYPE_ENUM: return (repeated ? r->GetRepeatedEnum(message, field, index) : r->GetEnum(message, field))->name();
    case F::CPPTYPE_MESSAGE: {
      const pb::Message& inner = repeated ? r->GetRepeatedMessage(message, field, index) : r->GetMessage(message, field);
      if (is_timestamp(field->message_type())) return timestamp_text(inner);
      return inner.ShortDebugString();
    }
  }
  return "";
}

std::string value_text(const pb::Message& message, const pb::FieldDescriptor* field) {
  bool optional_scalar = field->has_presence() && field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE;
  if (!field->is_repeated() && optional_scalar && !message.GetReflection()->HasField(message, field)) return "";
  if (!field->is_repeated()) return scalar_text(message, field, -1);
  std::string joined;
  int count = message.GetReflection()->FieldSize(message, field);
  for (int i = 0; i < count; ++i) joined += (i ? "," : "") + scalar_text(message, field, i);
  return joined;
}

void flatten_into(const pb::Message& message, const std::string& prefix,
                  std::vector<std::pair<std::string, std::string>>& rows) {
  const pb::Descriptor* descriptor = message.GetDescriptor();
  const pb::Reflection* reflection = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const pb::FieldDescriptor* field = descriptor->field(i);
    if (field->containing_oneof() && !reflection->HasField(message, field)) continue;
    std::string path = prefix + field->name();
    bool nested = field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE && !field->is_repeated() &&
                  !is_timestamp(field->message_type());
    if (nested)
      flatten_into(reflection->GetMessage(message, field), path + ".", rows);
    else
      rows.emplace_back(path, value_text(message, field));
  }
}

std::string formatted(const CellFormats& formats, const pb::Message& message, const std::string& path,
                      std::string text) {
  auto format = formats.find(path);
  return format == formats.end() ? text : format->second(message, text);
}

}  // namespace

std::string human_size(uint64_t bytes) {
  static const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  int unit = -1;
  while (value >= 1024 && unit < 5) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, value < 10 ? "%.2f %s" : "%.1f %s", value, kUnits[unit]);
  return text;
}

std::string size_cell(const pb::Message&, const std::string& text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
    return text;
  try {
    return human_size(std::stoull(text));
  } catch (const std::exception&) {
    return text;
  }
}

std::string render_table(const TableRow& header, const std::vector<TableRow>& rows) {
  size_t column_count = header.size();
  for (const auto& row : rows) column_count = std::max(column_count, row.size());
  std::vector<size_t> widths(column_count, 0);
  auto widen = [&](const TableRow& row) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
  };
  widen(header);
  for (const auto& row : rows) widen(row);
  std::string text;
  auto append = [&](const TableRow& row) {
    std::string line;
    for (size_t c = 0; c < column_count; ++c) {
      const std::string cell = c < row.size() ? row[c] : "";
      line += cell;
      if (c + 1 < column_count) line += std::string(widths[c] - display_width(cell) + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);  // an empty last cell would leave blanks
    text += line + "\n";
  };
  if (!header.empty()) append(header);
  for (const auto& row : rows) append(row);
  return text;
}

std::string field_text(const pb::Message& message, const std::string& path) {
  auto dot = path.find('.');
  std::string name = path.substr(0, dot);
  const pb::FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(name);
  if (!field) throw std::logic_error(message.GetDescriptor()->full_name() + " has no field " + name);
  if (dot == std::string::npos) return value_text(message, field);
  if (field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE || field->is_repeated())
    throw std::logic_error(path + " does not name a field inside a message");
  return field_text(message.GetReflection()->GetMessage(message, field), path.substr(dot + 1));
}

std::vector<std::pair<std::string, std::string>> flatten_fields(const pb::Message& message) {
  std::vector<std::pair<std::string, std::string>> rows;
  flatten_into(message, "", rows);
  return rows;
}

std::string column_header(const std::string& path) {
  std::string last = path.substr(path.rfind('.') == std::string::npos ? 0 : path.rfind('.') + 1);
  // "flavor.name" -> "FLAVOR": a nested object's name stands for the object (two NAME columns
  // in one table would say nothing).
  if (last == "name" && path.find('.') != std::string::npos) {
    std::string parent = path.substr(0, path.rfind('.'));
    last = parent.substr(parent.rfind('.') == std::string::npos ? 0 : parent.rfind('.') + 1);
  }
  std::transform(last.begin(), last.end(), last.begin(), [](unsigned char c) { return std::toupper(c); });
  return last;
}

std::string to_json(const pb::Message& message) {
  pb::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  auto status = pb::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) throw std::runtime_error("cannot print as JSON: " + status.ToString());
  while (!json.empty() && json.back() == '\n') json.pop_back();
  return json;
}

std::string to_json_array(const std::vector<const pb::Message*>& messages) {
  if (messages.empty()) return "[]";
  std::string json = "[\n";
  for (size_t i = 0; i < messages.size(); ++i) json += (i ? ",\n" : "") + to_json(*messages[i]);
  return json + "\n]";
}

void Output::object(const pb::Message& message, const CellFormats& formats) {
  if (json_) {
    out_ << to_json(message) << "\n";
    return;
  }
  std::vector<TableRow> rows;
  for (auto& [path, text] : flatten_fields(message)) rows.push_back({path, formatted(formats, message, path, text)});
  out_ << render_table({"FIELD", "VALUE"}, rows);
}

void Output::object(const pb::Message& message, const std::vector<std::string>& fields, const CellFormats& formats) {
  if (json_) {
    out_ << to_json(message) << "\n";
    return;
  }
  std::vector<TableRow> rows;
  for (const auto& path : fields) rows.push_back({path, formatted(formats, message, path, field_text(message, path))});
  out_ << render_table({"FIELD", "VALUE"}, rows);
}

void Output::list(const std::vector<const pb::Message*>& items, const std::vector<std::string>& columns,
                  const CellFormats& formats) {
  if (json_) {
    out_ << to_json_array(items) << "\n";
    return;
  }
  TableRow header;
  for (const auto& column : columns) header.push_back(column_header(column));
  std::vector<TableRow> rows;
  for (const pb::Message* item : items) {
    TableRow row;
    for (const auto& column : columns) row.push_back(formatted(formats, *item, column, field_text(*item, column)));
    rows.push_back(std::move(row));
  }
  out_ << render_table(header, rows);
}

void Output::text(const std::string& line) {
  if (!json_) out_ << line << "\n";
}

void Output::note(const std::string& line) { notes_ << line << "\n"; }

}  // namespace stratus::cloudctl
