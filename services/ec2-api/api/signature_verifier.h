#pragma once
// The seam to identity for SigV4: the front sends what was signed and gets a token or a
// refusal (identity holds the secrets; this process never sees one). A fake stands in
// for it in the handler's unit tests.
#include "common/identity_client/identity_client.h"
#include "identity/v1/identity.grpc.pb.h"

namespace stratus::ec2 {

class SignatureVerifier {
 public:
  virtual ~SignatureVerifier() = default;
  // Throws stratus::Error when identity cannot be asked.
  virtual cloud::identity::v1::VerifySignatureResponse verify(const cloud::identity::v1::VerifySignatureRequest& request) = 0;
};

// Identity's VerifySignature, called with this service's own token on the one identity channel.
class IdentitySignatureVerifier final : public SignatureVerifier {
 public:
  explicit IdentitySignatureVerifier(identity_client::IdentityConnection& identity) : identity_(identity) {}
  cloud::identity::v1::VerifySignatureResponse verify(const cloud::identity::v1::VerifySignatureRequest& request) override;

 private:
  identity_client::IdentityConnection& identity_;
};

}  // namespace stratus::ec2
