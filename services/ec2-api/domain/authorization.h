#pragma once
// The SigV4 Authorization header a client sends:
//   AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/<service>/aws4_request,
//   SignedHeaders=content-type;host;x-amz-date, Signature=<64 hex>
#include <optional>
#include <string>
#include <vector>

namespace stratus::ec2 {

struct AuthorizationHeader {
  std::string access_key_id;
  std::string credential_scope;  // "<date>/<region>/<service>/aws4_request"
  std::string region, service;
  std::vector<std::string> signed_headers;
  std::string signature;
};

// nullopt (and `problem` says why) when the header is not a well-formed SigV4 header.
std::optional<AuthorizationHeader> parse_authorization(const std::string& header, std::string* problem);

}  // namespace stratus::ec2
