#pragma once
// Access-key secrets encrypted at rest, as Keystone's credential keys do it: SigV4 needs the
// secret itself (a hash cannot derive the signing key), so identity keeps it sealed with
// crypto_secretbox (XSalsa20-Poly1305) under a key ring that lives outside the database.
//
// The ring is a file (identity.credential_keys_file), one key per line:
//     <key id> <base64 of 32 random bytes>
// '#' starts a comment. The LAST key seals new secrets; every key opens the secrets it
// sealed (each row names its key id). Rotation: append a new line and restart the
// replicas; a key may be removed once no row names it any more. Without a ring, access keys
// are made with only a hash of the secret: they log in, but cannot sign EC2 requests.
#include <map>
#include <optional>
#include <string>

namespace stratus::identity {

struct SealedSecret {
  std::string key_id;
  std::string nonce;       // crypto_secretbox_NONCEBYTES
  std::string ciphertext;  // MAC + sealed "<access key id>\n<secret>"
};

class CredentialKeys {
 public:
  CredentialKeys() = default;  // empty: no sealing
  // Throws std::invalid_argument naming the line for a malformed ring or a duplicate id.
  static CredentialKeys parse(const std::string& text, const std::string& origin = "<string>");
  static CredentialKeys load_file(const std::string& path);
  // A new random key, as a line of the ring file (for deploy and tests).
  static std::string generate_line(const std::string& key_id);

  bool empty() const { return keys_.empty(); }
  const std::string& active_key_id() const { return active_; }

  // Seals `secret` for the access key `access_key_id` (the id is sealed with it, so a
  // ciphertext copied onto another row does not open there). Throws std::logic_error when empty.
  SealedSecret seal(const std::string& access_key_id, const std::string& secret) const;
  // The secret, or nullopt when the key id is unknown, the ciphertext was tampered with, or
  // it was sealed for another access key.
  std::optional<std::string> open(const std::string& access_key_id, const SealedSecret& sealed) const;

 private:
  std::map<std::string, std::string> keys_;  // id -> 32 bytes
  std::string active_;
};

}  // namespace stratus::identity
