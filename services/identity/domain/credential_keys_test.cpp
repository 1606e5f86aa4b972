#include "services/identity/domain/credential_keys.h"

#include <catch2/catch.hpp>

using stratus::identity::CredentialKeys;

TEST_CASE("a sealed secret opens with its ring and for its own access key only") {
  auto ring = CredentialKeys::parse(CredentialKeys::generate_line("k1") + "\n");
  auto sealed = ring.seal("STKAAAAAAAAAAAAAAAAA", "the-secret");
  CHECK(sealed.key_id == "k1");
  CHECK(sealed.ciphertext.find("the-secret") == std::string::npos);
  CHECK(ring.open("STKAAAAAAAAAAAAAAAAA", sealed) == std::optional<std::string>("the-secret"));
  CHECK_FALSE(ring.open("STKBBBBBBBBBBBBBBBBB", sealed));
  auto tampered = sealed;
  tampered.ciphertext[tampered.ciphertext.size() - 1] ^= 1;
  CHECK_FALSE(ring.open("STKAAAAAAAAAAAAAAAAA", tampered));
}

TEST_CASE("the last key of the ring seals; older keys still open what they sealed (rotation)") {
  auto old_line = CredentialKeys::generate_line("2026-01");
  auto old_ring = CredentialKeys::parse(old_line);
  auto sealed_before = old_ring.seal("STKAAAAAAAAAAAAAAAAA", "old");
  auto ring = CredentialKeys::parse("# rotated\n" + old_line + "\n" + CredentialKeys::generate_line("2026-02") + "\n");
  CHECK(ring.active_key_id() == "2026-02");
  CHECK(ring.open("STKAAAAAAAAAAAAAAAAA", sealed_before) == std::optional<std::string>("old"));
  CHECK(ring.seal("STKAAAAAAAAAAAAAAAAA", "new").key_id == "2026-02");
  auto other = CredentialKeys::parse(CredentialKeys::generate_line("2026-01"));
  CHECK_FALSE(other.open("STKAAAAAAAAAAAAAAAAA", sealed_before));  // same id, another key
}

TEST_CASE("a malformed ring is refused with the line") {
  CHECK_THROWS_WITH(CredentialKeys::parse("k1\n", "ring"), Catch::Contains("ring:1"));
  CHECK_THROWS_WITH(CredentialKeys::parse("k1 c2hvcnQ=\n"), Catch::Contains("32 bytes"));
  auto line = CredentialKeys::generate_line("k1");
  CHECK_THROWS_WITH(CredentialKeys::parse(line + "\n" + line + "\n"), Catch::Contains("duplicate"));
  CHECK_THROWS_WITH(CredentialKeys::parse("k/1 " + line.substr(3)), Catch::Contains("key id"));
  CHECK(CredentialKeys::parse("# nothing\n\n").empty());
}
