#include "services/compute/domain/keypairs.h"

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "common/error/error.h"

using namespace stratus;
using namespace stratus::compute;

namespace {

// Fixtures made with ssh-keygen (OpenSSH 9.2) and the fingerprints `ssh-keygen -l -E md5|sha256 -f` printed.
struct Fixture {
  const char* line;
  const char* type;
  int bits;
  const char* md5;
  const char* sha256;
};

const Fixture kFixtures[] = {
    {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII3C/rKuWBf4GyGLlGwQVFeEu6r1J/FJAL14P8AeCPrL alice@example", "ssh-ed25519",
     256, "MD5:07:4b:33:cc:76:45:66:eb:53:b4:30:d7:a1:db:e9:78", "SHA256:QD4e+E0vFFrSkQsVjFKrFmdUoFhxPC93aLAyJcNXdE4"},
    {"ssh-rsa "
     "AAAAB3NzaC1yc2EAAAADAQABAAABAQCa+fSWBgobl5eoxMhIbBHNyoxEZTWZMob/ZWhoF93kAo2JvRaw26OnQU86UXwIQwLwT39eguSqGRUa5XWvH3HR"
     "flt1x3rkmk2A9AyEoKfVDEBTl1LTU2Nh6wchlxx27UCJStcSDonzhvGwZTgjcK/Vgg7fKiGevJ29w4SoGQ4Y1LS39icyeIC2IFgFnTmk3RSdMnhMqap9"
     "SlXPLx1sfvYEpkOjlaW29NzP3D/HJt2/WT67GtYT1BW/maxhXHonLnRVnL1/HTerksi1bwQAk6boN9MyZtsm5xi1JhCpjjSZhR4oOHOPdwfnvRsEFcH5"
     "YOmT6mq0BFNum2QRuaEC1MLH bob rsa",
     "ssh-rsa", 2048, "MD5:d2:e9:9d:9b:a1:65:56:fe:eb:e4:c1:83:20:00:ad:61",
     "SHA256:ZFLaa4dG91SskQI5OuAOA9A7tL8NMSnNpApGoflnnMI"},
    {"ssh-rsa "
     "AAAAB3NzaC1yc2EAAAADAQABAAACAQDKbdrD62VSxKkcGJ4mTrUKMkSk+FhnGRwCnTBrGoXnT7zJF6V0BapqaA1TnqO25CkS3ga903X3XENyHqMdtoI5"
     "XQ7AYYf37qEiXf2Ez/akZ/S9c8nf6VO/MZP/tv+KMmuJ1adRvWfbRcskyWNlX2yAATCbk9uz3A3Jsl9MnGo90tXG5xfBtZsbHqIPRQUCC/7w1z8lZ8P9"
     "9akUzLOXTzcGQ2lBt+oTHSOE1Ci2V6JkFF6On1i4LMunCSlzgGm6HrsGR+t315KB2gwMAJWUz7/+2tsCViMHhIcd1r/jyzCkXi+ldim1/Ev8ttCBFYa5"
     "wPcpA7PpZcLn9YZKId5wC7002HnMEWFjHMzLVB6/v9NpRU+Wo3+XIRpLMStBvM2wc9ozJaAQlBNC+rVt1mq2SuplfWPjv7x4W0//Z9Ue7zSeww2vFzfx"
     "7/WsF8+ozFfUne6jCJ0K984BzE5VwAiGR8grNq+oAuqmqkcTlFE2kPfc4dxC6VfWe63H0cDjITGoXc2/qpsPgzTw319c2bbJPh2er5eTK9zMylnM+6Sb"
     "tTRFSyPY9twFyJUjXlMk8u8lPHUSar8cxq4ZTipukAvB1BgOxuo82eH79eRSbbt6/Xan7PKVWT3KyWUMvOpxLvXRZ86bRDCA9ETQro29HQ9wbj14Sr//"
     "GyQqyHippF9sPqI0dw== big",
     "ssh-rsa", 4096, "MD5:b1:29:61:78:43:02:b0:9f:52:bf:6f:b5:be:ca:a8:38",
     "SHA256:uem8H5vuHYTGrt9BdmQdSJX3kddoqwHXAkU2BCChluE"},
    {"ecdsa-sha2-nistp256 "
     "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBPZL4lpHkRPkPYJ55orhBWClQOrDABJ0YXdrbAjm9P5Iym17F9ppe2jgp5u+DvZz"
     "xzppASXCdFj4Fp99lbZXHQc= e256",
     "ecdsa-sha2-nistp256", 256, "MD5:b4:bf:08:0e:96:10:b6:f6:33:e1:49:e9:d2:69:34:d7",
     "SHA256:Umt1iEJzUYWl4uBwWHaR9fnJqrrZGVOeoqPAvBx6Ay8"},
    {"ecdsa-sha2-nistp384 "
     "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBD+f2DQoV4/fYo9T1p/gouWAPinSM7IT0BaGsHfwW0mE5ITJtFPgQ8PppiU3K6+4"
     "arcLBIxgKdgKwaGQ6XwrVZzAb8B6UmPvu/XDZKGML8XvKzWQptk/epjLaLnj/bGoow== e384",
     "ecdsa-sha2-nistp384", 384, "MD5:a7:b4:3d:a8:1d:8d:ac:5e:c1:d8:78:46:0d:99:bf:29",
     "SHA256:KUer55zNDiSK5RZg+fQ5o1G2Mtw+qJUf3lTS92+kLQI"},
    {"ecdsa-sha2-nistp521 "
     "AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBACIpIZPqjJNKEfZ6C1SIsHXfxCQmXq0zAAFJ1LsKKGjD0mYaW/skas+oiWvGyn3"
     "M012VU8BTT/atm9jhmmxgyz9dQERjqV60aUNGBSpE/ox5lhuhkMBWIhL2gHkNZ4CwSqVcmZFvV6GZnQddno0Yz5z3Et2Bf51POac2A+1f6LNCr7+YQ== "
     "e521",
     "ecdsa-sha2-nistp521", 521, "MD5:69:82:53:29:67:8c:67:a1:90:60:61:fd:6b:44:3f:2e",
     "SHA256:kJdhk3cGSk3AjYTa1jhjVS39ipJU9iakVOgKsNFiFME"},
};

const char* kRsa1024 =
    "ssh-rsa "
    "AAAAB3NzaC1yc2EAAAADAQABAAAAgQDPvAjA+yf60ERS+cDuxRrleIpHqhWS/E1bfHIpplwUqj4ecC3Y7Uo3JdieDkY+uWhbhnwxBtTCsrl0IhAkqlJ+"
    "mPiq//VVkaatqcJcFHM7TA37Ci9y9MrOpUctbfyHPXBsNHIiGEiVELCrfpl1rJP+i+GwScbckzOGIAoODE5wSQ== ";

const std::string kEd25519Data = "AAAAC3NzaC1lZDI1NTE5AAAAII3C/rKuWBf4GyGLlGwQVFeEu6r1J/FJAL14P8AeCPrL";

// The message of the InvalidArgument that `f` throws; fails the test if it throws anything else.
template <typename F>
std::string invalid_argument_message(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    return e.what();
  }
  FAIL("no error thrown");
  return "";
}

std::string rejection(const std::string& line) {
  return invalid_argument_message([&] { parse_public_key(line); });
}

std::string blob_of(const std::string& data) { return *base64_decode_strict(data); }

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  int status = pclose(pipe);
  REQUIRE(status == 0);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

bool have_ssh_keygen() { return std::system("command -v ssh-keygen >/dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("known public keys parse with ssh-keygen's fingerprints", "[keypairs]") {
  for (const Fixture& f : kFixtures) {
    INFO(f.type << " " << f.bits);
    PublicKey key = parse_public_key(f.line);
    CHECK(key.type == f.type);
    CHECK(key.bits == f.bits);
    CHECK(key.openssh_line == f.line);
    CHECK(key.fingerprint_md5 == f.md5);
    CHECK(key.fingerprint_sha256 == f.sha256);
  }
}

TEST_CASE("a public key line is normalised: outer blanks, newline and blank runs", "[keypairs]") {
  PublicKey key = parse_public_key("  ssh-ed25519\t" + kEd25519Data + "   alice  at\thome \r\n");
  CHECK(key.openssh_line == "ssh-ed25519 " + kEd25519Data + " alice at home");
  CHECK(parse_public_key("ssh-ed25519 " + kEd25519Data).openssh_line == "ssh-ed25519 " + kEd25519Data);
}

TEST_CASE("malformed public keys are refused with a reason", "[keypairs]") {
  CHECK_THAT(rejection(""), Catch::Contains("empty"));
  CHECK_THAT(rejection(" \n"), Catch::Contains("empty"));
  CHECK_THAT(rejection("ssh-dss AAAAB3NzaC1kc3MAAACBAP"), Catch::Contains("unknown key type 'ssh-dss'"));
  CHECK_THAT(rejection("AAAAC3NzaC1lZDI1NTE5AAAAII3C"), Catch::Contains("unknown key type"));
  CHECK_THAT(rejection("ssh-ed25519"), Catch::Contains("no key data"));
  CHECK_THAT(rejection("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII3C/rKuWBf4GyGLlGwQVFeEu6r1J/FJAL14P8AeCPr!"),
             Catch::Contains("not valid base64"));
  CHECK_THAT(rejection("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII3C/rKuWBf4GyGLlGwQVFeEu6r1J/FJAL14P8AeCPr"),
             Catch::Contains("not valid base64"));
  CHECK_THAT(rejection("-----BEGIN OPENSSH PRIVATE KEY-----"), Catch::Contains("public key line"));
  CHECK_THAT(rejection("ssh-ed25519 " + kEd25519Data + " evil\x01" "comment"), Catch::Contains("control characters"));
  CHECK_THAT(rejection("ssh-ed25519 " + kEd25519Data + "\nssh-ed25519 " + kEd25519Data),
             Catch::Contains("single line"));
  CHECK_THAT(rejection("ssh-ed25519 " + kEd25519Data + " " + std::string(17000, 'x')), Catch::Contains("16384"));
}

TEST_CASE("an error message never echoes more than 64 characters of the input", "[keypairs]") {
  std::string message = rejection(std::string(500, 'k') + " AAAA");
  CHECK(message.find(std::string(65, 'k')) == std::string::npos);
}

TEST_CASE("the type inside the key data must equal the line's type", "[keypairs]") {
  CHECK_THAT(rejection("ssh-rsa " + kEd25519Data), Catch::Contains("holds a 'ssh-ed25519' key but the line says 'ssh-rsa'"));
  CHECK_THAT(rejection("ecdsa-sha2-nistp384 " + std::string(kFixtures[3].line).substr(20, 140)),
             Catch::Contains("the line says 'ecdsa-sha2-nistp384'"));
}

TEST_CASE("truncated key data and trailing bytes are refused", "[keypairs]") {
  for (const Fixture& f : kFixtures) {
    INFO(f.type);
    std::string line = f.line;
    std::string data = line.substr(line.find(' ') + 1);
    data = data.substr(0, data.find(' '));
    std::string blob = blob_of(data);
    CHECK_THAT(rejection(std::string(f.type) + " " + base64_encode(blob.substr(0, blob.size() - 1))),
               Catch::Contains("truncated") || Catch::Contains("32 bytes") || Catch::Contains("uncompressed point"));
    CHECK_THAT(rejection(std::string(f.type) + " " + base64_encode(blob.substr(0, 3))), Catch::Contains("truncated"));
    CHECK_THAT(rejection(std::string(f.type) + " " + base64_encode(blob + "xy")),
               Catch::Contains("2 unexpected trailing bytes"));
  }
}

TEST_CASE("an ed25519 key must be 32 bytes", "[keypairs]") {
  std::string blob = blob_of(kEd25519Data);
  std::string shorter = blob.substr(0, 15);  // the type string only
  shorter += std::string("\x00\x00\x00\x1f", 4) + std::string(31, 'a');
  CHECK_THAT(rejection("ssh-ed25519 " + base64_encode(shorter)), Catch::Contains("must be 32 bytes, got 31"));
}

TEST_CASE("RSA keys under 2048 bits are refused", "[keypairs]") {
  CHECK_THAT(rejection(kRsa1024), Catch::Contains("1024 bits; at least 2048"));
}

TEST_CASE("an RSA key with an even exponent is refused", "[keypairs]") {
  std::string line = kFixtures[1].line;
  std::string data = line.substr(8, line.find(' ', 8) - 8);
  std::string blob = blob_of(data);
  // "ssh-rsa" string (4+7), then e = 0x010001 as mpint (4+3): make it 0x010002.
  REQUIRE(blob.substr(11, 7) == std::string("\x00\x00\x00\x03\x01\x00\x01", 7));
  blob[17] = 0x02;
  CHECK_THAT(rejection("ssh-rsa " + base64_encode(blob)), Catch::Contains("not a valid RSA public key"));
}

TEST_CASE("an ECDSA point off the curve or on another curve is refused", "[keypairs]") {
  std::string line = kFixtures[3].line;
  std::string data = line.substr(20, line.find(' ', 20) - 20);
  std::string blob = blob_of(data);
  std::string off = blob;
  off[off.size() - 1] ^= 0x01;  // the last byte of Y
  CHECK_THAT(rejection("ecdsa-sha2-nistp256 " + base64_encode(off)), Catch::Contains("not a valid point on P-256"));
  std::string compressed = blob;
  compressed[39] = 0x02;  // the point's format byte (after type 4+19, curve 4+8, length 4)
  CHECK_THAT(rejection("ecdsa-sha2-nistp256 " + base64_encode(compressed)), Catch::Contains("uncompressed point"));
  std::string other_curve = blob;
  other_curve.replace(27, 8, "nistp384");
  CHECK_THAT(rejection("ecdsa-sha2-nistp256 " + base64_encode(other_curve)), Catch::Contains("expected 'nistp256'"));
}

TEST_CASE("strict base64", "[keypairs]") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_decode_strict("Zm9vYmE=") == std::optional<std::string>("fooba"));
  CHECK(base64_decode_strict("Zg==") == std::optional<std::string>("f"));
  CHECK(base64_decode_strict("") == std::optional<std::string>(""));
  CHECK_FALSE(base64_decode_strict("Zg="));        // not a multiple of 4
  CHECK_FALSE(base64_decode_strict("Zh=="));       // unused bits set
  CHECK_FALSE(base64_decode_strict("Z==="));       // three padding characters
  CHECK_FALSE(base64_decode_strict("Zg==Zg=="));   // padding in the middle
  CHECK_FALSE(base64_decode_strict("Zm9v YmFy"));  // whitespace
  CHECK_FALSE(base64_decode_strict("Zm9-"));       // URL alphabet
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  CHECK(base64_decode_strict(base64_encode(all)) == std::optional<std::string>(all));
}

TEST_CASE("key type names", "[keypairs]") {
  CHECK(parse_key_type("") == KeyType::Ed25519);
  CHECK(parse_key_type("ed25519") == KeyType::Ed25519);
  CHECK(parse_key_type("rsa") == KeyType::Rsa3072);
  CHECK_THAT(invalid_argument_message([] { parse_key_type("dsa"); }), Catch::Contains("'ed25519'"));
}

TEST_CASE("a generated key pair works with ssh-keygen", "[keypairs]") {
  for (KeyType type : {KeyType::Ed25519, KeyType::Rsa3072}) {
    const bool rsa = type == KeyType::Rsa3072;
    INFO((rsa ? "rsa" : "ed25519"));
    GeneratedKey key = generate_key(type, "web-key@stratus");
    CHECK(key.public_key.type == (rsa ? "ssh-rsa" : "ssh-ed25519"));
    CHECK(key.public_key.bits == (rsa ? 3072 : 256));
    CHECK_THAT(key.public_key.openssh_line, Catch::EndsWith(" web-key@stratus"));
    CHECK_THAT(key.private_key_openssh, Catch::StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA"));
    CHECK_THAT(key.private_key_openssh, Catch::EndsWith("\n-----END OPENSSH PRIVATE KEY-----\n"));
    CHECK(parse_public_key(key.public_key.openssh_line).fingerprint_sha256 == key.public_key.fingerprint_sha256);
    if (!have_ssh_keygen()) {
      WARN("ssh-keygen is not installed: the private key's usability by OpenSSH is not checked");
      continue;
    }
    char path[] = "/tmp/stratus-keypair-test-XXXXXX";
    int fd = mkstemp(path);  // mode 0600, as ssh insists
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, key.private_key_openssh.data(), key.private_key_openssh.size()) ==
            static_cast<ssize_t>(key.private_key_openssh.size()));
    close(fd);
    const std::string file = path;
    std::string derived = run("ssh-keygen -y -f " + file);
    std::string fingerprint = run("ssh-keygen -l -E sha256 -f " + file);
    CHECK(derived == key.public_key.openssh_line);
    CHECK_THAT(fingerprint, Catch::Contains(key.public_key.fingerprint_sha256 + " web-key@stratus"));
    // A signature made with the private key verifies against the public key: the private fields
    // (RSA's d, p, q, iqmp; ed25519's seed) are the key's, not merely well framed.
    std::ofstream(file + ".msg") << "stratus\n";
    std::ofstream(file + ".allowed") << "tester namespaces=\"stratus-test\" " << key.public_key.openssh_line << "\n";
    run("ssh-keygen -q -Y sign -f " + file + " -n stratus-test " + file + ".msg 2>&1");
    std::string verified = run("ssh-keygen -Y verify -f " + file + ".allowed -I tester -n stratus-test -s " + file +
                               ".msg.sig < " + file + ".msg 2>&1");
    CHECK_THAT(verified, Catch::Contains("Good \"stratus-test\" signature for tester"));
    for (const char* suffix : {"", ".msg", ".msg.sig", ".allowed"}) unlink((file + suffix).c_str());
  }
}

TEST_CASE("two generated keys differ", "[keypairs]") {
  CHECK(generate_key(KeyType::Ed25519, "").public_key.openssh_line !=
        generate_key(KeyType::Ed25519, "").public_key.openssh_line);
  CHECK(generate_key(KeyType::Ed25519, "").public_key.openssh_line.find(' ', 12) == std::string::npos);
}

TEST_CASE("a generated key's comment is checked", "[keypairs]") {
  CHECK_THAT(invalid_argument_message([] { generate_key(KeyType::Ed25519, "a\nb"); }),
             Catch::Contains("control characters"));
  CHECK_THAT(invalid_argument_message([] { generate_key(KeyType::Ed25519, std::string(1025, 'c')); }),
             Catch::Contains("1024"));
}
