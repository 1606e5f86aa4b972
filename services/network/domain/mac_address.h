#pragma once
// MAC addresses of ports, subnet gateways and floating IPs. Generated ones share the
// locally administered prefix fa:16:3e (as OpenStack's), so they never clash with vendor
// MACs and are easy to recognise in a packet capture.
#include <cstdint>
#include <optional>
#include <string>

namespace stratus::network {

inline constexpr const char* kGeneratedMacPrefix = "fa:16:3e";

// Lower-case "aa:bb:cc:dd:ee:ff" from that or "AA-BB-..."; nullopt when malformed.
std::optional<std::string> normalize_mac(const std::string& text);
// A port's MAC: well-formed, unicast, not all zeros; throws INVALID_ARGUMENT.
std::string require_port_mac(const std::string& text);
// kGeneratedMacPrefix followed by the low 24 bits of `random_bits`.
std::string generated_mac(uint32_t random_bits);

}  // namespace stratus::network
