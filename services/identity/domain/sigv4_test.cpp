// SigV4 against AWS's published Signature Version 4 test suite (credentials AKIDEXAMPLE /
// wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, us-east-1, service "service", 20150830T123600Z),
// https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html
#include "services/identity/domain/sigv4.h"

#include <catch2/catch.hpp>

using namespace stratus::identity::sigv4;

namespace {

const std::string kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const std::string kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const int64_t kSigningTime = 1440938160;  // 2015-08-30T12:36:00Z

SignedRequest suite_request(const std::string& method, const std::string& path, const std::string& query = "") {
  SignedRequest r;
  r.method = method;
  r.path = path;
  r.query = query;
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  r.signed_headers = {"host", "x-amz-date"};
  r.payload_sha256 = kEmptySha256;
  r.amz_date = "20150830T123600Z";
  r.scope = {"20150830", "us-east-1", "service"};
  return r;
}

}  // namespace

TEST_CASE("get-vanilla: canonical request, string to sign and signature as AWS publishes them") {
  auto r = suite_request("GET", "/");
  CHECK(canonical_request(r) ==
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + kEmptySha256);
  CHECK(string_to_sign(r) ==
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  CHECK(sign(r, kSecret) == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST_CASE("post-vanilla") {
  CHECK(sign(suite_request("POST", "/"), kSecret) == "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST_CASE("post-x-www-form-urlencoded: the body is signed through its hash") {
  auto r = suite_request("POST", "/");
  r.headers.insert(r.headers.begin(), {"Content-Type", "application/x-www-form-urlencoded"});
  r.signed_headers = {"content-type", "host", "x-amz-date"};
  r.payload_sha256 = sha256_hex("Param1=value1");
  CHECK(sign(r, kSecret) == "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST_CASE("get-vanilla-query-order-key-case: query parameters are sorted") {
  auto r = suite_request("GET", "/", "Param2=value2&Param1=value1");
  CHECK(canonical_query(r.query) == "Param1=value1&Param2=value2");
  CHECK(sign(r, kSecret) == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST_CASE("get-vanilla-query-unreserved: unreserved characters are not encoded") {
  std::string unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  CHECK(sign(suite_request("GET", "/", unreserved + "=" + unreserved), kSecret) ==
        "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197");
  CHECK(sign(suite_request("GET", "/" + unreserved), kSecret) ==
        "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f");
}

TEST_CASE("get-utf8 and get-vanilla-utf8-query: UTF-8 is percent-encoded byte by byte") {
  CHECK(canonical_uri("/\xe1\x88\xb4") == "/%E1%88%B4");
  CHECK(sign(suite_request("GET", "/\xe1\x88\xb4"), kSecret) ==
        "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");
  CHECK(sign(suite_request("GET", "/", "%E1%88%B4=bar"), kSecret) ==
        "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04");
}

TEST_CASE("get-header-value-trim: header values are trimmed and inner spaces collapsed") {
  auto r = suite_request("GET", "/");
  r.headers.push_back({"My-Header1", " value1"});
  r.headers.push_back({"My-Header2", " \"a   b   c\""});
  r.signed_headers = {"host", "my-header1", "my-header2", "x-amz-date"};
  CHECK(sign(r, kSecret) == "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
}

TEST_CASE("paths are normalised before they are encoded once more, as botocore signs them") {
  CHECK(canonical_uri("") == "/");
  CHECK(canonical_uri("//") == "/");
  CHECK(canonical_uri("/example/..") == "/");
  CHECK(canonical_uri("/./a/b/") == "/a/b/");
  CHECK(canonical_uri("/a%20b") == "/a%2520b");
}

TEST_CASE("a valid signature verifies within five minutes of its date") {
  auto r = suite_request("GET", "/");
  std::string signature = sign(r, kSecret);
  CHECK(verify(r, signature, kSecret, kSigningTime) == Verdict::Valid);
  CHECK(verify(r, signature, kSecret, kSigningTime + 300) == Verdict::Valid);
  CHECK(verify(r, signature, kSecret, kSigningTime - 300) == Verdict::Valid);
}

TEST_CASE("a request older or newer than five minutes is expired, even with a good signature (no replay)") {
  auto r = suite_request("GET", "/");
  std::string signature = sign(r, kSecret);
  CHECK(verify(r, signature, kSecret, kSigningTime + 301) == Verdict::Expired);
  CHECK(verify(r, signature, kSecret, kSigningTime - 301) == Verdict::Expired);
}

TEST_CASE("a changed request, a wrong secret or a bad signature does not verify") {
  auto r = suite_request("POST", "/");
  r.payload_sha256 = sha256_hex("Action=DescribeRegions");
  std::string signature = sign(r, kSecret);
  std::string problem;
  CHECK(verify(r, signature, kSecret + "x", kSigningTime, &problem) == Verdict::SignatureMismatch);
  CHECK_FALSE(problem.empty());
  auto tampered = r;
  tampered.payload_sha256 = sha256_hex("Action=TerminateInstances");
  CHECK(verify(tampered, signature, kSecret, kSigningTime) == Verdict::SignatureMismatch);
  CHECK(verify(r, signature.substr(1), kSecret, kSigningTime) == Verdict::SignatureMismatch);
  CHECK(verify(r, std::string(64, '0'), kSecret, kSigningTime) == Verdict::SignatureMismatch);
}

TEST_CASE("malformed signed parts are refused before any signature is computed") {
  auto r = suite_request("GET", "/");
  std::string signature = sign(r, kSecret);
  auto bad_date = r;
  bad_date.amz_date = "2015-08-30T12:36:00Z";
  CHECK(verify(bad_date, signature, kSecret, kSigningTime) == Verdict::Malformed);
  auto other_day = r;
  other_day.scope.date = "20150831";
  CHECK(verify(other_day, signature, kSecret, kSigningTime) == Verdict::Malformed);
  auto no_host = r;
  no_host.signed_headers = {"x-amz-date"};
  CHECK(verify(no_host, signature, kSecret, kSigningTime) == Verdict::Malformed);
  auto missing_header = r;
  missing_header.signed_headers = {"host", "x-amz-date", "x-amz-target"};
  CHECK(verify(missing_header, signature, kSecret, kSigningTime) == Verdict::Malformed);
  auto unsorted = r;
  unsorted.signed_headers = {"x-amz-date", "host"};
  CHECK(verify(unsorted, signature, kSecret, kSigningTime) == Verdict::Malformed);
}

TEST_CASE("credential scopes and dates are parsed strictly") {
  auto scope = parse_credential_scope("20150830/us-east-1/ec2/aws4_request");
  REQUIRE(scope);
  CHECK(scope->region == "us-east-1");
  CHECK(scope->service == "ec2");
  CHECK_FALSE(parse_credential_scope("20150830/us-east-1/ec2"));
  CHECK_FALSE(parse_credential_scope("2015083/us-east-1/ec2/aws4_request"));
  CHECK_FALSE(parse_credential_scope("20150830//ec2/aws4_request"));
  CHECK_FALSE(parse_credential_scope("20150830/r/ec2/aws4_request/x"));
  CHECK(parse_amz_date("20150830T123600Z") == kSigningTime);
  CHECK_FALSE(parse_amz_date("20151330T123600Z"));
  CHECK_FALSE(parse_amz_date("20150830T123600"));
}
