#pragma once
// Percent-encoding (RFC 3986) read back, one way for every parser of URLs and form bodies
// (the AMQP URL, the EC2 Query protocol, SigV4's canonical query).
#include <optional>
#include <string>

namespace stratus::validate {

// 0..15 for a hex digit (either case), -1 for anything else.
int hex_digit(char c);

// %XX decoded, and '+' read as a space when `plus_is_space` (HTML form bodies). nullopt when a
// '%' is not followed by two hex digits: the caller says what was malformed.
std::optional<std::string> percent_decode(const std::string& text, bool plus_is_space = false);

}  // namespace stratus::validate
