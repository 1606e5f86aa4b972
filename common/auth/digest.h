#pragma once
// SHA-256 in hex, as image checksums, SigV4 and the tests spell it (libsodium underneath).
#include <string>
#include <string_view>

namespace stratus::auth {

std::string hex(std::string_view bytes);  // lower case, two digits a byte
std::string sha256_hex(std::string_view data);

}  // namespace stratus::auth
