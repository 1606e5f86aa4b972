#include "services/ec2-api/domain/xml.h"

#include <catch2/catch.hpp>

using namespace stratus::ec2;

TEST_CASE("a response is <ActionResponse> in the EC2 namespace with its requestId") {
  XmlResponse r("DescribeRegions", "req-1");
  auto item = r.root().append_child("regionInfo").append_child("item");
  add_text(item, "regionName", "RegionOne");
  add_bool(item, "public", true);
  add_int(item, "count", 3);
  CHECK(r.render() ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DescribeRegionsResponse "
        "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>req-1</requestId><regionInfo><item>"
        "<regionName>RegionOne</regionName><public>true</public><count>3</count></item></regionInfo>"
        "</DescribeRegionsResponse>");
}

TEST_CASE("an error is EC2's <Response><Errors><Error> document, values escaped") {
  CHECK(error_xml("InvalidKeyPair.NotFound", "The key pair '<a&b>' does not exist", "req-2") ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>InvalidKeyPair.NotFound</Code>"
        "<Message>The key pair '&lt;a&amp;b&gt;' does not exist</Message></Error></Errors>"
        "<RequestID>req-2</RequestID></Response>");
}

TEST_CASE("times are printed as EC2 prints them") { CHECK(iso8601(1440938160) == "2015-08-30T12:36:00.000Z"); }
