#include "services/compute/domain/keypairs.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "common/error/error.h"

namespace stratus::compute {
namespace {

constexpr size_t kMaxLineBytes = 16 * 1024;
constexpr size_t kMaxCommentBytes = 1024;
constexpr size_t kMaxEcho = 64;
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;
constexpr const char* kSupported =
    "supported: ssh-ed25519, ssh-rsa (2048 bits or more), ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, "
    "ecdsa-sha2-nistp521";

struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct PkeyCtxFree { void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); } };
struct BnFree { void operator()(BIGNUM* p) const { BN_clear_free(p); } };
struct ParamBldFree { void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); } };
struct ParamFree { void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); } };
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using Bn = std::unique_ptr<BIGNUM, BnFree>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree>;
using Params = std::unique_ptr<OSSL_PARAM, ParamFree>;

// Private key material is wiped from memory when it goes out of scope.
struct SecretBytes {
  std::string bytes;
  SecretBytes() = default;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes() {
    if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
  }
};

std::string echo(const std::string& value) {
  std::string shown = value.size() <= kMaxEcho ? value : value.substr(0, kMaxEcho - 3) + "...";
  for (char& c : shown)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  return "'" + shown + "'";
}

Error openssl_failure(const std::string& what) {
  char buffer[256] = "unknown error";
  unsigned long code = ERR_get_error();
  if (code != 0) ERR_error_string_n(code, buffer, sizeof buffer);
  ERR_clear_error();
  return Error(ErrorCode::Internal, what + " failed: " + buffer);
}

// --- SSH wire encoding (RFC 4251 section 5) ---

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

void put_string(std::string& out, std::string_view s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s.data(), s.size());
}

// mpint: big-endian two's complement, minimal, a leading zero byte when the high bit is set.
void put_mpint(std::string& out, const BIGNUM* bn) {
  SecretBytes magnitude;
  magnitude.bytes.resize(static_cast<size_t>(BN_num_bytes(bn)) + 1);
  int n = BN_bn2bin(bn, reinterpret_cast<unsigned char*>(&magnitude.bytes[1]));
  magnitude.bytes.resize(static_cast<size_t>(n) + 1);
  bool pad = n > 0 && (static_cast<unsigned char>(magnitude.bytes[1]) & 0x80);
  put_string(out, std::string_view(magnitude.bytes).substr(pad ? 0 : 1));
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool u32(uint32_t& v) {
    if (data_.size() - pos_ < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(data_[pos_ + i]);
    pos_ += 4;
    return true;
  }
  bool string(std::string_view& s) {
    uint32_t length;
    if (!u32(length) || data_.size() - pos_ < length) return false;
    s = data_.substr(pos_, length);
    pos_ += length;
    return true;
  }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// --- fingerprints as ssh-keygen -l prints them ---

std::string digest(std::string_view data, const EVP_MD* md) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out, &length, md, nullptr) != 1) throw openssl_failure("digest");
  return std::string(reinterpret_cast<char*>(out), length);
}

std::string fingerprint_md5(std::string_view blob) {
  static const char* hex = "0123456789abcdef";
  std::string out = "MD5:";
  for (unsigned char c : digest(blob, EVP_md5())) {
    if (out.size() > 4) out += ':';
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string fingerprint_sha256(std::string_view blob) {
  std::string b64 = base64_encode(digest(blob, EVP_sha256()));
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return "SHA256:" + b64;
}

// --- validation of the key inside the blob ---

Bn positive_mpint(std::string_view bytes, const std::string& what) {
  if (!bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80))
    throw invalid_argument("ssh-rsa key data is malformed: " + what + " is negative");
  Bn bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
  if (!bn) throw openssl_failure("reading " + what);
  return bn;
}

// OpenSSL checks the public key (RSA: n odd and large enough, e odd > 1; EC: the point lies on the
// curve and is not the point at infinity).
bool openssl_accepts(const char* algorithm, OSSL_PARAM_BLD* bld) {
  Params params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, algorithm, nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) throw openssl_failure("key import");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  Pkey pkey(raw);
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  bool ok = check && EVP_PKEY_public_check(check.get()) == 1;
  ERR_clear_error();
  return ok;
}

int check_rsa(Reader& r) {
  std::string_view e_bytes, n_bytes;
  if (!r.string(e_bytes) || !r.string(n_bytes)) throw invalid_argument("ssh-rsa key data is truncated");
  Bn e = positive_mpint(e_bytes, "the exponent");
  Bn n = positive_mpint(n_bytes, "the modulus");
  int bits = BN_num_bits(n.get());
  if (bits < kMinRsaBits)
    throw invalid_argument("ssh-rsa key has " + std::to_string(bits) + " bits; at least " +
                           std::to_string(kMinRsaBits) + " are required (generate one with ssh-keygen -t ed25519)");
  if (bits > kMaxRsaBits)
    throw invalid_argument("ssh-rsa key has " + std::to_string(bits) + " bits; at most " +
                           std::to_string(kMaxRsaBits) + " are accepted");
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
    throw openssl_failure("key import");
  if (!openssl_accepts("RSA", bld.get()))
    throw invalid_argument("ssh-rsa key is not a valid RSA public key (bad modulus or exponent)");
  return bits;
}

struct Curve {
  const char* type;
  const char* identifier;  // inside the blob (RFC 5656 section 6.1)
  const char* openssl_group;
  int bits;
  size_t field_bytes;
};
constexpr Curve kCurves[] = {
    {"ecdsa-sha2-nistp256", "nistp256", "P-256", 256, 32},
    {"ecdsa-sha2-nistp384", "nistp384", "P-384", 384, 48},
    {"ecdsa-sha2-nistp521", "nistp521", "P-521", 521, 66},
};

int check_ecdsa(Reader& r, const Curve& curve) {
  std::string_view identifier, point;
  if (!r.string(identifier) || !r.string(point)) throw invalid_argument(std::string(curve.type) + " key data is truncated");
  if (identifier != curve.identifier)
    throw invalid_argument(std::string(curve.type) + " key data names curve " + echo(std::string(identifier)) +
                           ", expected '" + curve.identifier + "'");
  if (point.size() != 1 + 2 * curve.field_bytes || point[0] != 0x04)
    throw invalid_argument(std::string(curve.type) + " key data does not hold an uncompressed point of " +
                           curve.openssl_group);
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.openssl_group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
    throw openssl_failure("key import");
  if (!openssl_accepts("EC", bld.get()))
    throw invalid_argument(std::string(curve.type) + " key is not a valid point on " + curve.openssl_group);
  return curve.bits;
}

int check_ed25519(Reader& r) {
  std::string_view key;
  if (!r.string(key)) throw invalid_argument("ssh-ed25519 key data is truncated");
  if (key.size() != 32)
    throw invalid_argument("ssh-ed25519 key must be 32 bytes, got " + std::to_string(key.size()));
  return 256;
}

bool is_known_type(const std::string& type) {
  if (type == "ssh-ed25519" || type == "ssh-rsa") return true;
  for (const Curve& c : kCurves)
    if (type == c.type) return true;
  return false;
}

// Checks the blob against the outer type; returns the key's bits.
int check_blob(const std::string& type, std::string_view blob) {
  Reader r(blob);
  std::string_view inner;
  if (!r.string(inner)) throw invalid_argument(type + " key data is truncated");
  if (inner != type)
    throw invalid_argument("the key data holds a " + echo(std::string(inner)) + " key but the line says '" + type + "'");
  int bits = 0;
  if (type == "ssh-ed25519") {
    bits = check_ed25519(r);
  } else if (type == "ssh-rsa") {
    bits = check_rsa(r);
  } else {
    for (const Curve& c : kCurves)
      if (type == c.type) bits = check_ecdsa(r, c);
  }
  if (r.remaining() != 0)
    throw invalid_argument(type + " key data has " + std::to_string(r.remaining()) + " unexpected trailing bytes");
  return bits;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool has_control_characters(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

// --- generation ---

Bn bn_param(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) throw openssl_failure(std::string("reading RSA ") + name);
  return Bn(bn);
}

// The public blob and the private fields (after the key type) of a new key.
void ed25519_key(std::string& public_blob, SecretBytes& private_fields) {
  Pkey pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!pkey) throw openssl_failure("ed25519 key generation");
  unsigned char pub[32];
  size_t pub_len = sizeof pub;
  SecretBytes seed;
  seed.bytes.resize(32);
  size_t seed_len = seed.bytes.size();
  if (EVP_PKEY_get_raw_public_key(pkey.get(), pub, &pub_len) != 1 || pub_len != 32 ||
      EVP_PKEY_get_raw_private_key(pkey.get(), reinterpret_cast<unsigned char*>(seed.bytes.data()), &seed_len) != 1 ||
      seed_len != 32)
    throw openssl_failure("reading the ed25519 key");
  std::string_view pub_view(reinterpret_cast<char*>(pub), pub_len);
  put_string(public_blob, "ssh-ed25519");
  put_string(public_blob, pub_view);
  // OpenSSH keeps the 32-byte seed followed by the public key (RFC 8709 private key + public key).
  SecretBytes secret;
  secret.bytes = seed.bytes;
  secret.bytes.append(pub_view.data(), pub_view.size());
  put_string(private_fields.bytes, "ssh-ed25519");
  put_string(private_fields.bytes, pub_view);
  put_string(private_fields.bytes, secret.bytes);
}

void rsa_key(std::string& public_blob, SecretBytes& private_fields) {
  Pkey pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(3072)));
  if (!pkey) throw openssl_failure("RSA key generation");
  Bn n = bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_N), e = bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_E),
     d = bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_D), p = bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_FACTOR1),
     q = bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_FACTOR2),
     iqmp = bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1);  // q^-1 mod p, as OpenSSH wants
  put_string(public_blob, "ssh-rsa");
  put_mpint(public_blob, e.get());
  put_mpint(public_blob, n.get());
  std::string& out = private_fields.bytes;
  put_string(out, "ssh-rsa");
  for (const Bn* bn : {&n, &e, &d, &iqmp, &p, &q}) put_mpint(out, bn->get());
}

std::string pem_wrap(const std::string& der, const char* label) {
  std::string b64 = base64_encode(der);
  std::string out = std::string("-----BEGIN ") + label + "-----\n";
  for (size_t i = 0; i < b64.size(); i += 70) out += b64.substr(i, 70) + "\n";
  out += std::string("-----END ") + label + "-----\n";
  return out;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8 |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += alphabet[(v >> shift) & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode_strict(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int padding = 0;
    if (last && text[i + 3] == '=') padding = text[i + 2] == '=' ? 2 : 1;
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      int d = k >= 4 - padding ? 0 : value(text[i + k]);
      if (d < 0) return std::nullopt;
      v = v << 6 | static_cast<uint32_t>(d);
    }
    if ((padding == 1 && (v & 0xff)) || (padding == 2 && (v & 0xffff))) return std::nullopt;  // non-zero unused bits
    out += static_cast<char>(v >> 16);
    if (padding < 2) out += static_cast<char>((v >> 8) & 0xff);
    if (padding < 1) out += static_cast<char>(v & 0xff);
  }
  return out;
}

PublicKey parse_public_key(const std::string& line) {
  if (line.size() > kMaxLineBytes)
    throw invalid_argument("public key must be at most " + std::to_string(kMaxLineBytes) + " bytes, got " +
                           std::to_string(line.size()));
  size_t begin = line.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) throw invalid_argument("public key is empty");
  size_t end = line.find_last_not_of(" \t\r\n") + 1;
  const std::string text = line.substr(begin, end - begin);
  if (text.rfind("-----BEGIN", 0) == 0)
    throw invalid_argument("this is a PEM block (a private key?); give the public key line, e.g. the content of "
                           "~/.ssh/id_ed25519.pub");
  for (unsigned char c : text)
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      throw invalid_argument("public key must be a single line without control characters");

  size_t type_end = 0;
  while (type_end < text.size() && !is_blank(text[type_end])) ++type_end;
  const std::string type = text.substr(0, type_end);
  if (!is_known_type(type)) throw invalid_argument("unknown key type " + echo(type) + "; " + kSupported);
  size_t data_begin = type_end;
  while (data_begin < text.size() && is_blank(text[data_begin])) ++data_begin;
  size_t data_end = data_begin;
  while (data_end < text.size() && !is_blank(text[data_end])) ++data_end;
  const std::string data = text.substr(data_begin, data_end - data_begin);
  if (data.empty()) throw invalid_argument("public key has the type '" + type + "' but no key data after it");
  // The comment: the rest of the line, its runs of blanks made single spaces.
  std::string comment;
  for (size_t i = data_end; i < text.size(); ++i) {
    if (is_blank(text[i])) {
      if (!comment.empty() && comment.back() != ' ') comment += ' ';
    } else {
      comment += text[i];
    }
  }

  auto blob = base64_decode_strict(data);
  if (!blob) throw invalid_argument("public key data (after '" + type + "') is not valid base64");
  PublicKey key;
  key.type = type;
  key.bits = check_blob(type, *blob);
  key.openssh_line = type + " " + data + (comment.empty() ? "" : " " + comment);
  key.fingerprint_md5 = fingerprint_md5(*blob);
  key.fingerprint_sha256 = fingerprint_sha256(*blob);
  return key;
}

KeyType parse_key_type(const std::string& name) {
  if (name.empty() || name == "ed25519" || name == "ssh-ed25519") return KeyType::Ed25519;
  if (name == "rsa" || name == "rsa3072" || name == "ssh-rsa") return KeyType::Rsa3072;
  throw invalid_argument("key type must be 'ed25519' (the default) or 'rsa' (3072 bits), got " + echo(name));
}

GeneratedKey generate_key(KeyType type, const std::string& comment) {
  if (comment.size() > kMaxCommentBytes)
    throw invalid_argument("key comment must be at most " + std::to_string(kMaxCommentBytes) + " bytes");
  if (has_control_characters(comment)) throw invalid_argument("key comment must not contain control characters");

  std::string public_blob;
  SecretBytes key_fields;
  if (type == KeyType::Ed25519)
    ed25519_key(public_blob, key_fields);
  else
    rsa_key(public_blob, key_fields);

  // openssh-key-v1 (OpenSSH PROTOCOL.key), unencrypted: the private section is two equal check
  // ints, the key, its comment, and padding 1, 2, 3... to the cipher block size (8 for "none").
  uint32_t check = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&check), sizeof check) != 1) throw openssl_failure("RAND_bytes");
  SecretBytes private_section;
  put_u32(private_section.bytes, check);
  put_u32(private_section.bytes, check);
  private_section.bytes += key_fields.bytes;
  put_string(private_section.bytes, comment);
  for (char pad = 1; private_section.bytes.size() % 8 != 0; ++pad) private_section.bytes += pad;

  SecretBytes file;
  file.bytes.append("openssh-key-v1", 15);  // with its terminating NUL
  put_string(file.bytes, "none");            // ciphername
  put_string(file.bytes, "none");            // kdfname
  put_string(file.bytes, "");                // kdfoptions
  put_u32(file.bytes, 1);                    // number of keys
  put_string(file.bytes, public_blob);
  put_string(file.bytes, private_section.bytes);

  std::string type_name = type == KeyType::Ed25519 ? "ssh-ed25519" : "ssh-rsa";
  GeneratedKey generated;
  generated.public_key =
      parse_public_key(type_name + " " + base64_encode(public_blob) + (comment.empty() ? "" : " " + comment));
  generated.private_key_openssh = pem_wrap(file.bytes, "OPENSSH PRIVATE KEY");
  return generated;
}

}  // namespace stratus::compute
