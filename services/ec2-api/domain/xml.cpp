#include "services/ec2-api/domain/xml.h"

#include <ctime>
#include <sstream>

namespace stratus::ec2 {
namespace {

std::string render_document(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw, pugi::encoding_utf8);
  return out.str();
}

void add_declaration(pugi::xml_document& doc) {
  auto decl = doc.prepend_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
}

}  // namespace

XmlResponse::XmlResponse(const std::string& action, const std::string& request_id) {
  add_declaration(doc_);
  root_ = doc_.append_child((action + "Response").c_str());
  root_.append_attribute("xmlns") = kEc2Namespace;
  add_text(root_, "requestId", request_id);
}

std::string XmlResponse::render() const { return render_document(doc_); }

std::string error_xml(const std::string& code, const std::string& message, const std::string& request_id) {
  pugi::xml_document doc;
  add_declaration(doc);
  auto response = doc.append_child("Response");
  auto error = response.append_child("Errors").append_child("Error");
  add_text(error, "Code", code);
  add_text(error, "Message", message);
  add_text(response, "RequestID", request_id);
  return render_document(doc);
}

pugi::xml_node add_text(pugi::xml_node parent, const char* name, const std::string& value) {
  auto node = parent.append_child(name);
  node.text().set(value.c_str());
  return node;
}

pugi::xml_node add_bool(pugi::xml_node parent, const char* name, bool value) {
  return add_text(parent, name, value ? "true" : "false");
}

pugi::xml_node add_int(pugi::xml_node parent, const char* name, int64_t value) {
  return add_text(parent, name, std::to_string(value));
}

std::string iso8601(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buffer;
}

}  // namespace stratus::ec2
