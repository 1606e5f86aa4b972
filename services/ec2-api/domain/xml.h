#pragma once
// EC2's XML answers, written with pugixml: <ActionResponse xmlns="...2016-11-15/"> with its
// <requestId>, list members as <item>, and the error document
// <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>.
#include <cstdint>
#include <string>

#include <pugixml.hpp>

namespace stratus::ec2 {

inline constexpr const char* kEc2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

class XmlResponse {
 public:
  // <{action}Response xmlns=...><requestId>{request_id}</requestId>...
  XmlResponse(const std::string& action, const std::string& request_id);
  XmlResponse(const XmlResponse&) = delete;
  XmlResponse& operator=(const XmlResponse&) = delete;
  pugi::xml_node root() const { return root_; }
  std::string render() const;

 private:
  pugi::xml_document doc_;
  pugi::xml_node root_;
};

std::string error_xml(const std::string& code, const std::string& message, const std::string& request_id);

pugi::xml_node add_text(pugi::xml_node parent, const char* name, const std::string& value);
pugi::xml_node add_bool(pugi::xml_node parent, const char* name, bool value);
pugi::xml_node add_int(pugi::xml_node parent, const char* name, int64_t value);
// "2015-08-30T12:36:00.000Z", as EC2 prints times.
std::string iso8601(int64_t unix_seconds);

}  // namespace stratus::ec2
