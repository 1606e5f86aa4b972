#include "services/ec2-api/api/signature_verifier.h"

#include "common/rpc/authenticator.h"
#include "common/rpc/status.h"

namespace stratus::ec2 {

cloud::identity::v1::VerifySignatureResponse IdentitySignatureVerifier::verify(
    const cloud::identity::v1::VerifySignatureRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  rpc::attach_token(context, identity_.service_token());
  cloud::identity::v1::VerifySignatureResponse response;
  rpc::check(identity_.stub().VerifySignature(&context, request, &response), "verifying a request signature");
  return response;
}

}  // namespace stratus::ec2
