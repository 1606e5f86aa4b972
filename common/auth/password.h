#pragma once
// Password storage with Argon2id (libsodium), at OWASP's recommended cost: 19 MiB of memory,
// 2 passes, 1 lane. The hash string carries its own parameters, so they can be raised later
// and old hashes still verify (and are re-hashed on the next login: needs_rehash).
#include <string>

namespace stratus::auth {

struct PasswordCost {
  unsigned long long ops = 2;
  size_t memory_bytes = 19u * 1024 * 1024;
};

std::string hash_password(const std::string& password, PasswordCost cost = {});
// Constant-time with respect to the password; false for a malformed hash.
bool verify_password(const std::string& hash, const std::string& password);
bool needs_rehash(const std::string& hash, PasswordCost cost = {});
// Spends the same time as a real verification, so that an unknown user name cannot be told
// from a wrong password by timing.
void burn_password_verification(const std::string& password);

// Throws stratus::Error(InvalidArgument) saying what the password lacks.
void check_password_strength(const std::string& password, const std::string& user_name);

}  // namespace stratus::auth
