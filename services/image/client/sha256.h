#pragma once
// SHA-256 fed piece by piece (OpenSSL EVP, which uses the CPU's SHA instructions where there
// are some), so an image is hashed as it streams, never held whole.
#include <cstddef>
#include <string>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace stratus::image {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const char* data, size_t size);
  // Lower-case hex digest; the object is then spent.
  std::string hex_digest();

 private:
  EVP_MD_CTX* context_;
};

// The digest of a whole file, read in chunks; throws std::system_error when unreadable.
std::string sha256_of_file(const std::string& path);

}  // namespace stratus::image
