#include "common/auth/token.h"

#include <chrono>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <sodium.h>

#include "common/error/error.h"

namespace stratus::auth {
namespace {

constexpr std::string_view kPrefix = "stv1";

void ensure_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string claims_json(const TokenClaims& c) {
  nlohmann::json j = {{"tid", c.token_id},   {"uid", c.user_id},   {"un", c.user_name},
                      {"pid", c.project_id}, {"pn", c.project_name}, {"roles", c.roles},
                      {"iat", c.issued_at_ms},  {"exp", c.expires_at}};
  if (!c.host.empty()) j["host"] = c.host;
  return j.dump();
}

TokenClaims parse_claims(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) throw unauthenticated("malformed token");
  try {
    TokenClaims c;
    c.token_id = j.at("tid").get<std::string>();
    c.user_id = j.at("uid").get<std::string>();
    c.user_name = j.at("un").get<std::string>();
    c.project_id = j.at("pid").get<std::string>();
    c.project_name = j.at("pn").get<std::string>();
    c.roles = j.at("roles").get<std::vector<std::string>>();
    c.issued_at_ms = j.at("iat").get<int64_t>();
    c.expires_at = j.at("exp").get<int64_t>();
    if (j.contains("host")) c.host = j.at("host").get<std::string>();
    return c;
  } catch (const nlohmann::json::exception&) {
    throw unauthenticated("malformed token");
  }
}

}  // namespace

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string base64url_encode(std::string_view bytes) {
  ensure_sodium();
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    variant);
  out.resize(out.size() - 1);  // drop the terminating NUL
  return out;
}

bool base64url_decode(std::string_view text, std::string& bytes) {
  ensure_sodium();
  bytes.assign(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(), text.size(),
                        nullptr, &len, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return false;
  bytes.resize(len);
  return true;
}

std::string random_uuid() {
  ensure_sodium();
  unsigned char b[16];
  randombytes_buf(b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

std::string random_secret(size_t n) {
  ensure_sodium();
  std::string raw(n, '\0');
  randombytes_buf(raw.data(), raw.size());
  return base64url_encode(raw);
}

SigningKey generate_signing_key() {
  ensure_sodium();
  SigningKey key;
  key.public_key.assign(crypto_sign_PUBLICKEYBYTES, '\0');
  key.secret_key.assign(crypto_sign_SECRETKEYBYTES, '\0');
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(key.public_key.data()),
                      reinterpret_cast<unsigned char*>(key.secret_key.data()));
  // Short and unique enough to name a key among the handful alive at a time.
  key.key_id = random_uuid().substr(0, 8);
  return key;
}

std::string sign_token(const TokenClaims& claims, const SigningKey& key) {
  ensure_sodium();
  if (key.secret_key.size() != crypto_sign_SECRETKEYBYTES) throw std::invalid_argument("signing key has no secret part");
  std::string body = std::string(kPrefix) + "." + key.key_id + "." + base64url_encode(claims_json(claims));
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(body.data()), body.size(),
                       reinterpret_cast<const unsigned char*>(key.secret_key.data()));
  return body + "." + base64url_encode(std::string_view(reinterpret_cast<char*>(sig), sizeof sig));
}

TokenVerifier::TokenVerifier(KeyRefresher refresh_keys, int64_t min_refresh_interval_s)
    : refresh_keys_(std::move(refresh_keys)), min_refresh_interval_s_(min_refresh_interval_s) {
  ensure_sodium();
}

void TokenVerifier::set_public_keys(std::map<std::string, std::string> keys) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (public_keys_ == keys) return;
    public_keys_ = std::move(keys);
  }
  std::lock_guard<std::mutex> lock(verified_mutex_);
  verified_.clear();  // a key may have been withdrawn
}

bool TokenVerifier::lookup_key(const std::string& key_id, std::string& public_key) const {
  std::unique_lock<std::mutex> lock(mutex_);
  auto it = public_keys_.find(key_id);
  if (it != public_keys_.end()) {
    public_key = it->second;
    return true;
  }
  int64_t now = unix_now();
  if (!refresh_keys_ || now - last_refresh_ < min_refresh_interval_s_) return false;
  last_refresh_ = now;
  lock.unlock();
  auto fresh = refresh_keys_();  // may call identity: not under the lock
  lock.lock();
  public_keys_ = std::move(fresh);
  it = public_keys_.find(key_id);
  if (it == public_keys_.end()) return false;
  public_key = it->second;
  return true;
}

TokenClaims TokenVerifier::verify(std::string_view token, int64_t now) const {
  TokenClaims claims = verify_signature(token);
  if (claims.expires_at <= now) throw unauthenticated("token expired; log in again");
  return claims;
}

TokenClaims TokenVerifier::verify_signature(std::string_view token) const {
  std::string key(token);
  {
    std::lock_guard<std::mutex> lock(verified_mutex_);
    auto it = verified_.find(key);
    if (it != verified_.end()) return it->second;
  }
  TokenClaims claims = check_signature(token);
  std::lock_guard<std::mutex> lock(verified_mutex_);
  if (verified_.size() >= kVerifiedCacheSize) verified_.clear();
  verified_.emplace(std::move(key), claims);
  return claims;
}

TokenClaims TokenVerifier::check_signature(std::string_view token) const {
  // stv1.<kid>.<claims>.<sig>
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  auto dot3 = dot2 == std::string_view::npos ? dot2 : token.find('.', dot2 + 1);
  if (dot3 == std::string_view::npos || token.substr(0, dot1) != kPrefix || token.find('.', dot3 + 1) != token.npos)
    throw unauthenticated("malformed token");
  std::string key_id(token.substr(dot1 + 1, dot2 - dot1 - 1));
  std::string claims_text, signature;
  if (!base64url_decode(token.substr(dot2 + 1, dot3 - dot2 - 1), claims_text) ||
      !base64url_decode(token.substr(dot3 + 1), signature) || signature.size() != crypto_sign_BYTES)
    throw unauthenticated("malformed token");

  std::string public_key;
  if (!lookup_key(key_id, public_key)) throw unauthenticated("token signed by an unknown key; log in again");
  if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                  reinterpret_cast<const unsigned char*>(token.data()), dot3,
                                  reinterpret_cast<const unsigned char*>(public_key.data())) != 0)
    throw unauthenticated("token signature is invalid");

  return parse_claims(claims_text);
}

}  // namespace stratus::auth
