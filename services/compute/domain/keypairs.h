#pragma once
// SSH key pairs, pure: validation of an OpenSSH public key line (as a user imports it), its
// fingerprints exactly as `ssh-keygen -l` prints them, and the generation of a fresh key pair
// whose private half is an unencrypted openssh-key-v1 file that `ssh -i` reads as is.
// All key math is OpenSSL 3's; only the OpenSSH framing (RFC 4253 6.6, RFC 5656, RFC 8709,
// OpenSSH PROTOCOL.key) is written here.
#include <optional>
#include <string>
#include <string_view>

namespace stratus::compute {

struct PublicKey {
  std::string type;                // "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256|384|521"
  int bits = 0;                    // 256 for ed25519, modulus bits for RSA, curve bits for ECDSA
  std::string openssh_line;        // normalised "TYPE BASE64 [COMMENT]" (single spaces, no newline)
  std::string fingerprint_md5;     // "MD5:aa:bb:..." exactly as `ssh-keygen -l -E md5 -f` prints it
  std::string fingerprint_sha256;  // "SHA256:..." (base64, no padding) exactly as `ssh-keygen -l -E sha256`
};

// Validates an OpenSSH public key line: known type, valid base64, the type string inside the blob
// equals the outer type, the blob's structure parses completely (no trailing bytes), ssh-rsa >= 2048
// bits (and <= 16384), ECDSA point valid on the named curve, ed25519 key 32 bytes; line length
// <= 16 KiB; optional comment without control characters. Leading/trailing whitespace (a trailing
// newline from a .pub file) is ignored; runs of spaces/tabs become one space in openssh_line.
// Throws Error(InvalidArgument) saying what is wrong.
PublicKey parse_public_key(const std::string& line);

enum class KeyType { Ed25519, Rsa3072 };
// "ed25519" (default when empty), "rsa" -> Rsa3072 (also "rsa3072", "ssh-ed25519", "ssh-rsa");
// anything else: InvalidArgument.
KeyType parse_key_type(const std::string& name);

struct GeneratedKey {
  PublicKey public_key;
  std::string private_key_openssh;
};
// A fresh key pair; private_key_openssh is "-----BEGIN OPENSSH PRIVATE KEY-----\n...-----END OPENSSH
// PRIVATE KEY-----\n" (openssh-key-v1, unencrypted, cipher "none"), usable by `ssh -i` and
// `ssh-keygen -y -f` as is, with `comment` in it (and at the end of public_key.openssh_line when
// not empty). A comment with control characters or longer than 1024 bytes: InvalidArgument.
GeneratedKey generate_key(KeyType type, const std::string& comment);

// Base64 (RFC 4648, standard alphabet, with padding). The decoder is strict: no whitespace, length
// a multiple of 4, '=' only as final padding, unused bits zero; std::nullopt otherwise.
// (Shared by key blobs and user data; a candidate for common/ if another service needs it.)
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode_strict(std::string_view text);

}  // namespace stratus::compute
