#include "services/ec2-api/domain/authorization.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace stratus::ec2 {
namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return parts;
    start = at + 1;
  }
}

}  // namespace

std::optional<AuthorizationHeader> parse_authorization(const std::string& header, std::string* problem) {
  auto fail = [&](const std::string& why) -> std::optional<AuthorizationHeader> {
    if (problem) *problem = why;
    return std::nullopt;
  };
  const std::string algorithm = "AWS4-HMAC-SHA256 ";
  if (header.compare(0, algorithm.size(), algorithm) != 0)
    return fail("only AWS4-HMAC-SHA256 (Signature Version 4) is supported");
  std::map<std::string, std::string> fields;
  for (const auto& part : split(header.substr(algorithm.size()), ',')) {
    auto item = trim(part);
    auto eq = item.find('=');
    if (eq == std::string::npos) return fail("malformed Authorization header");
    if (!fields.emplace(item.substr(0, eq), item.substr(eq + 1)).second)
      return fail("the Authorization header repeats " + item.substr(0, eq));
  }
  for (const char* needed : {"Credential", "SignedHeaders", "Signature"})
    if (!fields.count(needed)) return fail(std::string("the Authorization header lacks ") + needed + "=");
  AuthorizationHeader a;
  const auto& credential = fields["Credential"];
  auto slash = credential.find('/');
  if (slash == std::string::npos || slash == 0) return fail("Credential must be <access key id>/<scope>");
  a.access_key_id = credential.substr(0, slash);
  a.credential_scope = credential.substr(slash + 1);
  auto scope = split(a.credential_scope, '/');
  if (scope.size() != 4 || scope[3] != "aws4_request")
    return fail("the credential scope must be <date>/<region>/<service>/aws4_request");
  a.region = scope[1];
  a.service = scope[2];
  a.signed_headers = split(fields["SignedHeaders"], ';');
  if (a.signed_headers.size() > 64) return fail("too many signed headers");
  for (const auto& h : a.signed_headers)
    if (h.empty()) return fail("SignedHeaders has an empty name");
  a.signature = fields["Signature"];
  if (a.signature.size() != 64 ||
      !std::all_of(a.signature.begin(), a.signature.end(), [](unsigned char c) { return std::isxdigit(c); }))
    return fail("Signature must be 64 hex digits");
  return a;
}

}  // namespace stratus::ec2
