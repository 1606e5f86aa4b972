// The handler with a fake identity: authentication outcomes and protocol errors as EC2
// answers them. (Actions against real services: tests/ec2-api.)
#include "services/ec2-api/api/ec2_handler.h"

#include <catch2/catch.hpp>

#include <sstream>

using namespace stratus;
using namespace stratus::ec2;
namespace idv1 = cloud::identity::v1;

namespace {

class FakeVerifier : public SignatureVerifier {
 public:
  idv1::VerifySignatureResponse answer;
  idv1::VerifySignatureRequest last;
  idv1::VerifySignatureResponse verify(const idv1::VerifySignatureRequest& request) override {
    last = request;
    return answer;
  }
};

log::Logger quiet() {
  static std::ostringstream out;
  return log::Logger("test", log::Level::Error, log::Format::Text, std::make_shared<log::Sink>(out));
}

http::Request signed_post(const std::string& body, const std::string& region = "RegionOne") {
  http::Request r(boost::beast::http::verb::post, "/", 11);
  r.set(boost::beast::http::field::host, "127.0.0.1:8788");
  r.set(boost::beast::http::field::content_type, "application/x-www-form-urlencoded; charset=utf-8");
  r.set("X-Amz-Date", "20150830T123600Z");
  r.set(boost::beast::http::field::authorization,
        "AWS4-HMAC-SHA256 Credential=STKAAAAAAAAAAAAAAAAA/20150830/" + region +
            "/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=" + std::string(64, 'a'));
  r.body() = body;
  r.prepare_payload();
  return r;
}

struct Fixture {
  Backends backends;
  Actions actions{backends, Ec2Settings{}};
  FakeVerifier verifier;
  Ec2Handler handler{actions, verifier, "RegionOne", quiet()};

  // The <Code> of the answer to a signed POST of `form`, "(none)" when it succeeded.
  std::string error_code(const std::string& form) {
    auto body = handler.handle(signed_post(form)).body();
    auto begin = body.find("<Code>");
    return begin == std::string::npos ? std::string("(none)") : body.substr(begin + 6, body.find("</Code>") - begin - 6);
  }
};

}  // namespace

TEST_CASE("the front sends identity what was signed, with the body's hash, and never a secret") {
  Fixture f;
  f.verifier.answer.set_refusal(idv1::VerifySignatureResponse::REFUSAL_NONE);
  f.verifier.answer.mutable_token()->mutable_info()->set_project_id("p1");
  auto response = f.handler.handle(signed_post("Action=DescribeRegions&Version=2016-11-15"));
  CHECK(response.result() == http::Status::ok);
  CHECK(response.body().find("<regionName>RegionOne</regionName>") != std::string::npos);
  CHECK(f.verifier.last.access_key_id() == "STKAAAAAAAAAAAAAAAAA");
  CHECK(f.verifier.last.method() == "POST");
  CHECK(f.verifier.last.path() == "/");
  CHECK(f.verifier.last.credential_scope() == "20150830/RegionOne/ec2/aws4_request");
  REQUIRE(f.verifier.last.headers_size() == 3);
  CHECK(f.verifier.last.headers(1).name() == "host");
  CHECK(f.verifier.last.headers(1).value() == "127.0.0.1:8788");
  // sha256("Action=DescribeRegions&Version=2016-11-15")
  CHECK(f.verifier.last.payload_sha256().size() == 64);
}

TEST_CASE("identity's refusals become AuthFailure, SignatureDoesNotMatch and RequestExpired") {
  Fixture f;
  struct Case {
    idv1::VerifySignatureResponse::Refusal refusal;
    const char* code;
    http::Status status;
  };
  for (auto c : {Case{idv1::VerifySignatureResponse::REFUSAL_UNKNOWN_KEY, "AuthFailure", http::Status::unauthorized},
                 Case{idv1::VerifySignatureResponse::REFUSAL_SIGNATURE_MISMATCH, "SignatureDoesNotMatch", http::Status::forbidden},
                 Case{idv1::VerifySignatureResponse::REFUSAL_EXPIRED, "RequestExpired", http::Status::bad_request}}) {
    f.verifier.answer.set_refusal(c.refusal);
    auto response = f.handler.handle(signed_post("Action=DescribeRegions"));
    CHECK(response.result() == c.status);
    CHECK(response.body().find(std::string("<Code>") + c.code + "</Code>") != std::string::npos);
    CHECK(response.body().find("<RequestID>") != std::string::npos);
  }
}

TEST_CASE("unsigned requests, another region and unknown actions are refused as EC2 refuses them") {
  Fixture f;
  http::Request unsigned_request(boost::beast::http::verb::get, "/?Action=DescribeRegions", 11);
  auto response = f.handler.handle(unsigned_request);
  CHECK(response.result() == http::Status::unauthorized);
  CHECK(response.body().find("<Code>MissingAuthenticationToken</Code>") != std::string::npos);

  response = f.handler.handle(signed_post("Action=DescribeRegions", "us-east-1"));
  CHECK(response.body().find("<Code>AuthFailure</Code>") != std::string::npos);

  f.verifier.answer.set_refusal(idv1::VerifySignatureResponse::REFUSAL_NONE);
  response = f.handler.handle(signed_post("Action=LaunchRockets"));
  CHECK(response.result() == http::Status::bad_request);
  CHECK(response.body().find("<Code>InvalidAction</Code>") != std::string::npos);
  response = f.handler.handle(signed_post("Version=2016-11-15"));
  CHECK(response.body().find("<Code>MissingParameter</Code>") != std::string::npos);
  response = f.handler.handle(signed_post("Action=DescribeRegions&Filter.1.Name=colour&Filter.1.Value.1=x"));
  CHECK(response.body().find("<Code>InvalidParameterValue</Code>") != std::string::npos);
}

TEST_CASE("the health probe answers without a signature") {
  Fixture f;
  http::Request probe(boost::beast::http::verb::get, "/healthz", 11);
  CHECK(f.handler.handle(probe).result() == http::Status::ok);
}

TEST_CASE("instance and address requests that are wrong on their face are refused before any service is called") {
  Fixture f;  // no backends at all: a call to one would crash the test
  f.verifier.answer.set_refusal(idv1::VerifySignatureResponse::REFUSAL_NONE);
  auto code = [&](const std::string& form) { return f.error_code(form); };
  CHECK(code("Action=RunInstances&MinCount=1&MaxCount=1") == "MissingParameter");
  CHECK(code("Action=RunInstances&ImageId=ami-1&MinCount=1&MaxCount=1") == "InvalidAMIID.Malformed");
  CHECK(code("Action=RunInstances&ImageId=ami-0f1e2d3c4b5a69788796a5b4c3d2e1f0&MaxCount=1") == "MissingParameter");
  CHECK(code("Action=RunInstances&ImageId=ami-0f1e2d3c4b5a69788796a5b4c3d2e1f0&MinCount=2&MaxCount=1") ==
        "InvalidParameterValue");
  CHECK(code("Action=RunInstances&ImageId=ami-0f1e2d3c4b5a69788796a5b4c3d2e1f0&MinCount=1&MaxCount=1"
             "&SecurityGroupId.1=web") == "InvalidGroupId.Malformed");
  CHECK(code("Action=RunInstances&ImageId=ami-0f1e2d3c4b5a69788796a5b4c3d2e1f0&MinCount=1&MaxCount=1"
             "&Placement.AvailabilityZone=mars") == "InvalidParameterValue");
  CHECK(code("Action=DescribeInstances&InstanceId.1=i-123") == "InvalidInstanceID.Malformed");
  CHECK(code("Action=DescribeInstances&InstanceId.1=i-0f1e2d3c4b5a69788796a5b4c3d2e1f0&MaxResults=5") ==
        "InvalidParameterCombination");
  CHECK(code("Action=DescribeInstances&Filter.1.Name=tag:Name&Filter.1.Value.1=x") == "InvalidParameterValue");
  CHECK(code("Action=StopInstances") == "MissingParameter");
  CHECK(code("Action=TerminateInstances&InstanceId.1=vol-0f1e2d3c4b5a69788796a5b4c3d2e1f0") ==
        "InvalidInstanceID.Malformed");
  CHECK(code("Action=GetConsoleOutput") == "MissingParameter");
  CHECK(code("Action=AssociateAddress&AllocationId=eipalloc-1&InstanceId=i-1") == "InvalidAllocationID.Malformed");
  CHECK(code("Action=DisassociateAddress&AssociationId=eipassoc-1") == "InvalidAssociationID.Malformed");
  CHECK(code("Action=ReleaseAddress") == "MissingParameter");
  CHECK(code("Action=AllocateAddress&Domain=mars") == "InvalidParameterValue");
  CHECK(code("Action=DescribeAddresses&AllocationId.1=eipalloc-x") == "InvalidAllocationID.Malformed");
}

TEST_CASE("volume and snapshot requests that are wrong on their face are refused before any service is called") {
  Fixture f;  // no backends at all: a call to one would crash the test
  f.verifier.answer.set_refusal(idv1::VerifySignatureResponse::REFUSAL_NONE);
  auto code = [&](const std::string& form) { return f.error_code(form); };
  const std::string vol = "vol-0f1e2d3c4b5a69788796a5b4c3d2e1f0", instance = "i-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
  CHECK(code("Action=CreateVolume&Size=1") == "MissingParameter");
  CHECK(code("Action=CreateVolume&AvailabilityZone=nova") == "MissingParameter");
  CHECK(code("Action=CreateVolume&AvailabilityZone=mars&Size=1") == "InvalidParameterValue");
  CHECK(code("Action=CreateVolume&AvailabilityZone=nova&Size=0") == "InvalidParameterValue");
  CHECK(code("Action=CreateVolume&AvailabilityZone=nova&SnapshotId=snap-1") == "InvalidSnapshotID.Malformed");
  CHECK(code("Action=CreateVolume&AvailabilityZone=nova&Size=1&VolumeType=io1") == "InvalidParameterValue");
  CHECK(code("Action=CreateVolume&AvailabilityZone=nova&Size=1&Iops=3000") == "InvalidParameterValue");
  CHECK(code("Action=CreateVolume&AvailabilityZone=nova&Size=1&Encrypted=true") == "InvalidParameterValue");
  CHECK(code("Action=CreateVolume&AvailabilityZone=nova&Size=1&TagSpecification.1.ResourceType=volume"
             "&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=x") == "InvalidParameterValue");
  CHECK(code("Action=DescribeVolumes&VolumeId.1=vol-12") == "InvalidVolumeID.Malformed");
  CHECK(code("Action=DescribeVolumes&VolumeId.1=" + vol + "&MaxResults=5") == "InvalidParameterCombination");
  CHECK(code("Action=DescribeVolumes&Filter.1.Name=tag:Name&Filter.1.Value.1=x") == "InvalidParameterValue");
  CHECK(code("Action=DescribeVolumes&MaxResults=4") == "InvalidParameterValue");
  CHECK(code("Action=DeleteVolume") == "MissingParameter");
  CHECK(code("Action=DeleteVolume&VolumeId=" + instance) == "InvalidVolumeID.Malformed");
  CHECK(code("Action=AttachVolume&VolumeId=" + vol + "&InstanceId=" + instance) == "MissingParameter");
  CHECK(code("Action=AttachVolume&VolumeId=vol-1&InstanceId=" + instance + "&Device=/dev/sdf") ==
        "InvalidVolumeID.Malformed");
  CHECK(code("Action=AttachVolume&VolumeId=" + vol + "&InstanceId=i-1&Device=/dev/sdf") == "InvalidInstanceID.Malformed");
  CHECK(code("Action=AttachVolume&VolumeId=" + vol + "&InstanceId=" + instance + "&Device=/dev/sda") ==
        "InvalidParameterValue");
  CHECK(code("Action=DetachVolume") == "MissingParameter");
  CHECK(code("Action=DetachVolume&VolumeId=" + vol + "&Force=true") == "InvalidParameterValue");
  CHECK(code("Action=DetachVolume&VolumeId=" + vol + "&InstanceId=i-1") == "InvalidInstanceID.Malformed");
  CHECK(code("Action=CreateSnapshot") == "MissingParameter");
  CHECK(code("Action=CreateSnapshot&VolumeId=vol-1") == "InvalidVolumeID.Malformed");
  CHECK(code("Action=DescribeSnapshots&SnapshotId.1=snap-1") == "InvalidSnapshotID.Malformed");
  CHECK(code("Action=DescribeSnapshots&Filter.1.Name=tag-key&Filter.1.Value.1=x") == "InvalidParameterValue");
  CHECK(code("Action=DeleteSnapshot&SnapshotId=" + vol) == "InvalidSnapshotID.Malformed");
}
