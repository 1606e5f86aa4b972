#include "services/network/domain/mac_address.h"

#include <cctype>
#include <cstdio>

#include "common/error/error.h"

namespace stratus::network {

std::optional<std::string> normalize_mac(const std::string& text) {
  if (text.size() != 17) return std::nullopt;
  char separator = text[2];
  if (separator != ':' && separator != '-') return std::nullopt;
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (i % 3 == 2) {
      if (c != separator) return std::nullopt;
      out += ':';
    } else {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

std::string require_port_mac(const std::string& text) {
  auto mac = normalize_mac(text);
  if (!mac) throw invalid_argument("mac_address must look like fa:16:3e:12:34:56, got '" + text + "'");
  int first_octet = std::stoi(mac->substr(0, 2), nullptr, 16);
  if (first_octet & 1) throw invalid_argument("mac_address " + *mac + " is a multicast address");
  if (*mac == "00:00:00:00:00:00") throw invalid_argument("mac_address may not be all zeros");
  return *mac;
}

std::string generated_mac(uint32_t random_bits) {
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, ":%02x:%02x:%02x", (random_bits >> 16) & 255, (random_bits >> 8) & 255,
                random_bits & 255);
  return std::string(kGeneratedMacPrefix) + suffix;
}

}  // namespace stratus::network
