#include "services/ec2-api/domain/authorization.h"

#include <catch2/catch.hpp>

using namespace stratus::ec2;

TEST_CASE("boto3's Authorization header is read into its parts") {
  std::string problem;
  auto a = parse_authorization(
      "AWS4-HMAC-SHA256 Credential=STKAAAAAAAAAAAAAAAAA/20150830/RegionOne/ec2/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, "
      "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
      &problem);
  REQUIRE(a);
  CHECK(a->access_key_id == "STKAAAAAAAAAAAAAAAAA");
  CHECK(a->credential_scope == "20150830/RegionOne/ec2/aws4_request");
  CHECK(a->region == "RegionOne");
  CHECK(a->service == "ec2");
  CHECK(a->signed_headers == std::vector<std::string>{"content-type", "host", "x-amz-date"});
}

TEST_CASE("other schemes and malformed headers are refused with a reason") {
  std::string problem;
  CHECK_FALSE(parse_authorization("AWS AKID:signature", &problem));
  CHECK(problem.find("Signature Version 4") != std::string::npos);
  CHECK_FALSE(parse_authorization("AWS4-HMAC-SHA256 Credential=K/20150830/r/ec2/aws4_request, SignedHeaders=host", &problem));
  CHECK_FALSE(parse_authorization(
      "AWS4-HMAC-SHA256 Credential=K/20150830/r/ec2, SignedHeaders=host, Signature=" + std::string(64, 'a'), &problem));
  CHECK_FALSE(parse_authorization(
      "AWS4-HMAC-SHA256 Credential=K/20150830/r/ec2/aws4_request, SignedHeaders=host, Signature=xyz", &problem));
}
