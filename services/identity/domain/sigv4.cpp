#include "services/identity/domain/sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include <sodium.h>

#include "common/validate/percent.h"

namespace stratus::identity::sigv4 {
namespace {

std::string hmac(const std::string& key, const std::string& data) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  std::string mac(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_final(&state, reinterpret_cast<unsigned char*>(mac.data()));
  sodium_memzero(&state, sizeof state);
  return mac;
}

bool is_unreserved(unsigned char c) { return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~'; }

// %XX decoded; a '%' not followed by two hex digits stays as it is.
std::string percent_decode(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = validate::hex_digit(text[i + 1]), lo = validate::hex_digit(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// Trimmed, with each run of spaces and tabs inside made one space.
std::string canonical_header_value(const std::string& value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool all_digits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

std::optional<CredentialScope> parse_credential_scope(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = text.find('/', start);
    parts.push_back(text.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 4 || parts[3] != "aws4_request" || parts[0].size() != 8 || !all_digits(parts[0]) ||
      parts[1].empty() || parts[2].empty())
    return std::nullopt;
  return CredentialScope{parts[0], parts[1], parts[2]};
}

std::string uri_encode(const std::string& bytes, bool keep_slash) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  return out;
}

std::string canonical_uri(const std::string& wire_path) {
  // Dot segments removed and empty segments dropped (RFC 3986 5.2.4, as the AWS suite's
  // get-relative and get-slashes cases expect); each byte encoded once more, as every
  // service but S3 does.
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= wire_path.size()) {
    size_t slash = wire_path.find('/', start);
    std::string segment = wire_path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  bool trailing_slash = wire_path.size() > 1 && wire_path.back() == '/' && !segments.empty();
  std::string path;
  for (const auto& s : segments) path += "/" + s;
  if (path.empty()) return "/";
  if (trailing_slash) path += "/";
  return uri_encode(path, true);
}

std::string canonical_query(const std::string& wire_query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (start < wire_query.size()) {
    size_t amp = wire_query.find('&', start);
    std::string item = wire_query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (!item.empty()) {
      size_t eq = item.find('=');
      std::string key = item.substr(0, eq);
      std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
      pairs.emplace_back(uri_encode(percent_decode(key), false), uri_encode(percent_decode(value), false));
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += "&";
    out += k + "=" + v;
  }
  return out;
}

std::string canonical_request(const SignedRequest& r) {
  std::string headers;
  for (const auto& name : r.signed_headers) {
    std::string joined;
    bool first = true;
    for (const auto& [header, value] : r.headers) {
      if (lower(header) != name) continue;
      if (!first) joined += ",";
      joined += canonical_header_value(value);
      first = false;
    }
    headers += name + ":" + joined + "\n";
  }
  std::string signed_list;
  for (const auto& name : r.signed_headers) signed_list += (signed_list.empty() ? "" : ";") + name;
  return r.method + "\n" + canonical_uri(r.path) + "\n" + canonical_query(r.query) + "\n" + headers + "\n" +
         signed_list + "\n" + r.payload_sha256;
}

std::string string_to_sign(const SignedRequest& r) {
  return std::string(kAlgorithm) + "\n" + r.amz_date + "\n" + r.scope.text() + "\n" + sha256_hex(canonical_request(r));
}

std::string sign(const SignedRequest& r, const std::string& secret) {
  std::string key = hmac("AWS4" + secret, r.scope.date);
  key = hmac(key, r.scope.region);
  key = hmac(key, r.scope.service);
  key = hmac(key, "aws4_request");
  std::string signature = hex(hmac(key, string_to_sign(r)));
  sodium_memzero(key.data(), key.size());
  return signature;
}

std::optional<int64_t> parse_amz_date(const std::string& d) {
  if (d.size() != 16 || d[8] != 'T' || d[15] != 'Z' || !all_digits(d.substr(0, 8)) || !all_digits(d.substr(9, 6)))
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(d.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(d.substr(4, 2)) - 1;
  tm.tm_mday = std::stoi(d.substr(6, 2));
  tm.tm_hour = std::stoi(d.substr(9, 2));
  tm.tm_min = std::stoi(d.substr(11, 2));
  tm.tm_sec = std::stoi(d.substr(13, 2));
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

Verdict verify(const SignedRequest& r, const std::string& signature_hex, const std::string& secret, int64_t now,
               std::string* problem) {
  auto fail = [&](Verdict v, const std::string& why) {
    if (problem) *problem = why;
    return v;
  };
  auto when = parse_amz_date(r.amz_date);
  if (!when) return fail(Verdict::Malformed, "X-Amz-Date must look like 20150830T123600Z");
  if (r.scope.date != r.amz_date.substr(0, 8))
    return fail(Verdict::Malformed, "the credential scope's date is not the date of X-Amz-Date");
  if (std::find(r.signed_headers.begin(), r.signed_headers.end(), "host") == r.signed_headers.end())
    return fail(Verdict::Malformed, "SignedHeaders must include host");
  for (size_t i = 0; i < r.signed_headers.size(); ++i) {
    const auto& name = r.signed_headers[i];
    if (name.empty() || name != lower(name)) return fail(Verdict::Malformed, "SignedHeaders must be lower-case names");
    if (i > 0 && r.signed_headers[i - 1] >= name) return fail(Verdict::Malformed, "SignedHeaders must be sorted");
    bool present = std::any_of(r.headers.begin(), r.headers.end(), [&](const auto& h) { return lower(h.first) == name; });
    if (!present) return fail(Verdict::Malformed, "signed header " + name + " is not in the request");
  }
  if (r.payload_sha256.size() != 64) return fail(Verdict::Malformed, "the payload hash must be 64 hex digits");
  int64_t skew = now > *when ? now - *when : *when - now;
  if (skew > kMaxClockSkewSeconds)
    return fail(Verdict::Expired, "the request's X-Amz-Date is more than 5 minutes from the server's time");
  std::string expected = sign(r, secret);
  if (signature_hex.size() != expected.size() ||
      sodium_memcmp(signature_hex.data(), expected.data(), expected.size()) != 0)
    return fail(Verdict::SignatureMismatch, "the request signature we calculated does not match the signature you provided");
  return Verdict::Valid;
}

}  // namespace stratus::identity::sigv4
