#include "services/identity/domain/credential_keys.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <sodium.h>

namespace stratus::identity {
namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

bool valid_key_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (unsigned char c : id)
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

}  // namespace

CredentialKeys CredentialKeys::parse(const std::string& text, const std::string& origin) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
  CredentialKeys ring;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    auto hash = line.find('#');
    if (hash != std::string::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    auto where = origin + ":" + std::to_string(number);
    auto space = line.find_first_of(" \t");
    if (space == std::string::npos) throw std::invalid_argument(where + ": expected '<key id> <base64 key>'");
    std::string id = line.substr(0, space);
    std::string encoded = trim(line.substr(space));
    if (!valid_key_id(id)) throw std::invalid_argument(where + ": key id must be 1-64 of [A-Za-z0-9._-]");
    std::string key(crypto_secretbox_KEYBYTES, '\0');
    size_t length = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), encoded.data(), encoded.size(),
                          nullptr, &length, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        length != crypto_secretbox_KEYBYTES)
      throw std::invalid_argument(where + ": the key must be base64 of exactly 32 bytes");
    if (!ring.keys_.emplace(id, key).second) throw std::invalid_argument(where + ": duplicate key id " + id);
    ring.active_ = id;
  }
  return ring;
}

CredentialKeys CredentialKeys::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read the credential key ring " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto ring = parse(text.str(), path);
  if (ring.empty()) throw std::invalid_argument("the credential key ring " + path + " has no key");
  return ring;
}

std::string CredentialKeys::generate_line(const std::string& key_id) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
  unsigned char key[crypto_secretbox_KEYBYTES];
  crypto_secretbox_keygen(key);
  char encoded[sodium_base64_ENCODED_LEN(crypto_secretbox_KEYBYTES, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(encoded, sizeof encoded, key, sizeof key, sodium_base64_VARIANT_ORIGINAL);
  sodium_memzero(key, sizeof key);
  return key_id + " " + encoded;
}

SealedSecret CredentialKeys::seal(const std::string& access_key_id, const std::string& secret) const {
  if (empty()) throw std::logic_error("no credential key to seal with");
  const std::string& key = keys_.at(active_);
  std::string plain = access_key_id + "\n" + secret;
  SealedSecret sealed{active_, std::string(crypto_secretbox_NONCEBYTES, '\0'),
                      std::string(crypto_secretbox_MACBYTES + plain.size(), '\0')};
  randombytes_buf(sealed.nonce.data(), sealed.nonce.size());
  crypto_secretbox_easy(reinterpret_cast<unsigned char*>(sealed.ciphertext.data()),
                        reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
                        reinterpret_cast<const unsigned char*>(sealed.nonce.data()),
                        reinterpret_cast<const unsigned char*>(key.data()));
  sodium_memzero(plain.data(), plain.size());
  return sealed;
}

std::optional<std::string> CredentialKeys::open(const std::string& access_key_id, const SealedSecret& sealed) const {
  auto key = keys_.find(sealed.key_id);
  if (key == keys_.end() || sealed.nonce.size() != crypto_secretbox_NONCEBYTES ||
      sealed.ciphertext.size() < crypto_secretbox_MACBYTES)
    return std::nullopt;
  std::string plain(sealed.ciphertext.size() - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 reinterpret_cast<const unsigned char*>(sealed.ciphertext.data()),
                                 sealed.ciphertext.size(), reinterpret_cast<const unsigned char*>(sealed.nonce.data()),
                                 reinterpret_cast<const unsigned char*>(key->second.data())) != 0)
    return std::nullopt;
  std::string prefix = access_key_id + "\n";
  if (plain.compare(0, prefix.size(), prefix) != 0) {
    sodium_memzero(plain.data(), plain.size());
    return std::nullopt;
  }
  std::string secret = plain.substr(prefix.size());
  sodium_memzero(plain.data(), plain.size());
  return secret;
}

}  // namespace stratus::identity
