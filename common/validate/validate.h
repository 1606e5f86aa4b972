#pragma once
// Input checks shared by every API. Each throws stratus::Error(InvalidArgument) with a
// message naming the field and what is wrong, so a person can fix the request.
#include <string>

namespace stratus::validate {

// 1..64 characters, printable, no leading/trailing spaces, not a UUID (names and ids must not
// be confusable, since commands accept either).
void name(const std::string& field, const std::string& value);
void optional_text(const std::string& field, const std::string& value, size_t max_length);
void email(const std::string& field, const std::string& value);  // empty allowed
bool is_uuid(const std::string& value);
// "host:port" as gRPC dials it: a host name, IPv4 or [IPv6] address, and a port 1..65535.
void host_port(const std::string& field, const std::string& value);
void uuid(const std::string& field, const std::string& value);

}  // namespace stratus::validate
