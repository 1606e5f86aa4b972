#pragma once
// The checks of what a request asks a volume to be, pure, each throwing
// Error(InvalidArgument) with a message naming the field and the limit.
#include <cstdint>
#include <string>

namespace stratus::block_storage {

inline constexpr size_t kMaxDescription = 255;
inline constexpr int64_t kMaxVolumeSizeGib = 16384;  // the hard upper bound of the setting

// 1 <= size_gib <= max_size_gib: "size_gib must be at least 1 (a volume of 0 GiB holds nothing)".
void check_size(int64_t size_gib, int64_t max_size_gib);
// The stored form of a volume name (NFC; 1..64 characters, no control characters, not a UUID).
std::string volume_name(const std::string& value);
// At most kMaxDescription characters of UTF-8 without control characters (empty is fine).
void check_description(const std::string& value);
// An availability zone: empty (the default), else a name by the same rules as volume names.
void check_availability_zone(const std::string& value);

}  // namespace stratus::block_storage
