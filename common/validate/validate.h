#pragma once
// Input checks shared by every API. Each throws stratus::Error(InvalidArgument) with a
// message naming the field and what is wrong, so a person can fix the request.
#include <string>

namespace stratus::validate {

// 1..64 characters (code points) of UTF-8 in Unicode NFC, no control characters (Cc), no
// invisible format characters (Cf: zero-width spaces and joiners U+200B-U+200F, U+2060-U+2064,
// U+FEFF, bidi embeddings and overrides U+202A-U+202E, U+2066-U+2069, ...), no line or
// paragraph separators, no leading/trailing spaces, not a UUID (names and ids must not be
// confusable, since commands accept either). Input that is not NFC is refused here; services
// that normalise call normalized_name() first.
void name(const std::string& field, const std::string& value);
// `value` in NFC (composed: "e" + U+0301 becomes "\u00e9"), checked by name(): what a service
// stores and looks names up by, so two spellings of one name are one name.
std::string normalized_name(const std::string& field, const std::string& value);
// NFC of any UTF-8 text (INVALID_ARGUMENT naming `field` when it is not UTF-8).
std::string nfc(const std::string& field, const std::string& value);

// A name-or-id a request uses to look something up: not empty, and no longer than any name
// or id can be (so a 100 KB value is refused before it reaches a query). Returns it in the
// form lookups compare: a UUID lower-cased, a name in NFC.
inline constexpr size_t kMaxReferenceBytes = 256;
std::string reference(const std::string& field, const std::string& value);
// A UUID as stored: checked, lower-cased (ids are case-insensitive; an upper-case id must not
// name a different row or none).
std::string normalized_uuid(const std::string& field, const std::string& value);
void optional_text(const std::string& field, const std::string& value, size_t max_length);
void email(const std::string& field, const std::string& value);  // empty allowed
bool is_uuid(const std::string& value);
// "host:port" as gRPC dials it: a host name, IPv4 or [IPv6] address, and a port 1..65535.
void host_port(const std::string& field, const std::string& value);
void uuid(const std::string& field, const std::string& value);

}  // namespace stratus::validate
