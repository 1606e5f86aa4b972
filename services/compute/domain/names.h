#pragma once
// Names and small user-supplied values of compute's resources, pure: hostnames derived from display
// names, resource and key pair names, multi-instance names, user data, metadata. Each check throws
// Error(InvalidArgument) naming the field and what is wrong, never echoing more than 64 characters
// of the input.
#include <map>
#include <string>
#include <vector>

namespace stratus::compute {

// OpenStack's hostname sanitisation (nova.utils.sanitize_hostname): lower-case, spaces/underscores
// -> '-', drop other chars outside [a-z0-9.-], strip leading/trailing '.-', at most 63 chars;
// empty result -> "server-<first 8 of uuid>" (lower-case).
std::string sanitize_hostname(const std::string& display_name, const std::string& instance_uuid);

// Names of resources (instances, flavors, key pairs, server groups): valid UTF-8, 1..255 characters
// (code points), no leading/trailing whitespace, no control characters (C0, DEL, C1) nor invisible
// format characters (U+00AD, U+200B..U+200F, U+2028..U+202E, U+2060..U+2064, U+2066..U+206F, U+FEFF),
// and not a UUID (names and ids must not be confusable: commands accept either, as in
// common/validate). Throws InvalidArgument naming `field` (e.g. "instance name").
void validate_name(const std::string& field, const std::string& value);
// validate_name("key pair name", ...) and additionally only [A-Za-z0-9 _.@-] (as nova).
void validate_keypair_name(const std::string& value);

// count N instance names: NAME-1..NAME-N (N==1: NAME). count < 1, or a derived name longer than
// 255 characters: InvalidArgument.
std::vector<std::string> instance_names(const std::string& base, int count);

// User data: base64 (whitespace such as line wraps is ignored, as nova does; otherwise strict),
// at most 65536 bytes after decoding; returns the decoded bytes ("" for "").
constexpr size_t kMaxUserDataBytes = 65536;
std::string decode_user_data(const std::string& base64);

// Metadata: at most 128 items, key 1..255 characters, value at most 255 characters, both valid
// UTF-8 without control characters.
constexpr size_t kMaxMetadataItems = 128;
void validate_metadata(const std::map<std::string, std::string>& metadata);

}  // namespace stratus::compute
