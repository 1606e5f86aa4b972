#include "common/auth/password.h"

#include <cctype>
#include <stdexcept>

#include <sodium.h>

#include "common/error/error.h"

namespace stratus::auth {

std::string hash_password(const std::string& password, PasswordCost cost) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost.ops, cost.memory_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("password hashing ran out of memory");
  return out;
}

bool verify_password(const std::string& hash, const std::string& password) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool needs_rehash(const std::string& hash, PasswordCost cost) {
  return crypto_pwhash_str_needs_rehash(hash.c_str(), cost.ops, cost.memory_bytes) != 0;
}

void burn_password_verification(const std::string& password) {
  // A fixed hash of a random string at the current cost; computed once per process.
  static const std::string dummy = hash_password("stratus-dummy-password-for-timing");
  (void)verify_password(dummy, password);
}

void check_password_strength(const std::string& password, const std::string& user_name) {
  if (password.size() < 8) throw invalid_argument("password must be at least 8 characters long");
  if (password.size() > 128) throw invalid_argument("password must be at most 128 characters long");
  int classes = 0;
  bool lower = false, upper = false, digit = false, other = false;
  for (unsigned char c : password) {
    if (std::islower(c)) lower = true;
    else if (std::isupper(c)) upper = true;
    else if (std::isdigit(c)) digit = true;
    else other = true;
  }
  classes = lower + upper + digit + other;
  if (classes < 2)
    throw invalid_argument("password must mix at least two of: lower case, upper case, digits, symbols");
  if (!user_name.empty() && password.find(user_name) != std::string::npos)
    throw invalid_argument("password must not contain the user name");
}

}  // namespace stratus::auth
