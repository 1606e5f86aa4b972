#pragma once
// AWS Signature Version 4, as identity verifies it for the EC2 front (Keystone's ec2tokens):
// the front sends the parts of the request that were signed, identity rebuilds the canonical
// request and the string to sign, derives the signing key from the access key's secret, and
// compares signatures. Pure functions; unit-tested against AWS's published test suite.
//
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/auth/digest.h"

namespace stratus::identity::sigv4 {

inline constexpr const char* kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr int64_t kMaxClockSkewSeconds = 5 * 60;

// "20150830/us-east-1/service/aws4_request"
struct CredentialScope {
  std::string date;     // YYYYMMDD
  std::string region;
  std::string service;
  std::string text() const { return date + "/" + region + "/" + service + "/aws4_request"; }
};
// nullopt when `text` is not four parts ending in aws4_request with an 8-digit date.
std::optional<CredentialScope> parse_credential_scope(const std::string& text);

// What was signed. Path and query are as they came on the wire (still percent-encoded);
// headers are the signed ones with their values as received (a header sent several times
// appears several times, in order).
struct SignedRequest {
  std::string method;
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> signed_headers;  // lower-case names, as in SignedHeaders=
  std::string payload_sha256;               // hex
  std::string amz_date;                     // X-Amz-Date: YYYYMMDD'T'HHMMSS'Z'
  CredentialScope scope;
};

// RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ as %XX (upper
// case); '/' kept when `keep_slash`.
std::string uri_encode(const std::string& bytes, bool keep_slash);
std::string canonical_uri(const std::string& wire_path);
std::string canonical_query(const std::string& wire_query);
std::string canonical_request(const SignedRequest& request);
std::string string_to_sign(const SignedRequest& request);
// The hex signature of `request` under `secret`.
std::string sign(const SignedRequest& request, const std::string& secret);

// X-Amz-Date as unix seconds; nullopt when malformed.
std::optional<int64_t> parse_amz_date(const std::string& amz_date);

enum class Verdict { Valid, Malformed, Expired, SignatureMismatch };
// Checks the shape (scope date = the date of X-Amz-Date, SignedHeaders include host and
// every header sent), the clock (|now - X-Amz-Date| <= 5 minutes) and, last, the signature
// in constant time. `problem` says what was wrong, for the error message.
Verdict verify(const SignedRequest& request, const std::string& signature_hex, const std::string& secret,
               int64_t now, std::string* problem = nullptr);

using auth::hex;
using auth::sha256_hex;

}  // namespace stratus::identity::sigv4
