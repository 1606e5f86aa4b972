#include "common/bus/url.h"

#include <cctype>

#include "common/error/error.h"
#include "common/validate/percent.h"

namespace stratus::bus {
namespace {

std::string percent_decode(const std::string& text, const char* what) {
  auto decoded = validate::percent_decode(text);
  if (!decoded) throw invalid_argument(std::string("AMQP URL: bad percent escape in ") + what);
  return *decoded;
}

int parse_port(const std::string& text) {
  if (text.empty() || text.size() > 5) throw invalid_argument("AMQP URL: bad port '" + text + "'");
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c))) throw invalid_argument("AMQP URL: bad port '" + text + "'");
  int port = std::stoi(text);
  if (port < 1 || port > 65535) throw invalid_argument("AMQP URL: port out of range: " + text);
  return port;
}

}  // namespace

BusUrl BusUrl::parse(const std::string& url) {
  const std::string scheme = "amqp://";
  if (url.compare(0, scheme.size(), scheme) != 0)
    throw invalid_argument("AMQP URL must start with amqp:// (amqps is not supported)");
  std::string rest = url.substr(scheme.size());

  BusUrl result;
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos && slash + 1 < rest.size())
    result.vhost = percent_decode(rest.substr(slash + 1), "vhost");

  // The password may contain '@' only percent-encoded, so the last '@' ends the credentials.
  size_t at = authority.rfind('@');
  if (at != std::string::npos) {
    std::string credentials = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = credentials.find(':');
    result.user = percent_decode(credentials.substr(0, colon), "user");
    result.password = colon == std::string::npos ? "" : percent_decode(credentials.substr(colon + 1), "password");
    if (result.user.empty()) throw invalid_argument("AMQP URL: empty user");
  }

  // A port follows the last ':' unless that ':' is inside an IPv6 literal "[::1]".
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    result.port = parse_port(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
  }
  if (authority.size() > 2 && authority.front() == '[' && authority.back() == ']')
    authority = authority.substr(1, authority.size() - 2);
  if (authority.empty()) throw invalid_argument("AMQP URL: missing host");
  result.host = authority;
  return result;
}

std::string BusUrl::redacted() const {
  std::string encoded_vhost;
  for (char c : vhost) encoded_vhost += c == '/' ? std::string("%2F") : std::string(1, c);
  return "amqp://" + user + ":***@" + host + ":" + std::to_string(port) + "/" + encoded_vhost;
}

}  // namespace stratus::bus
