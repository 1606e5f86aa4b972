#pragma once
// The EC2 Query API over HTTP: GET /healthz for probes; every other request is an EC2 call,
// its parameters in the POST body (application/x-www-form-urlencoded) or the GET query,
// signed with SigV4. Order: parameters parsed, signature verified by identity, action run;
// any refusal is EC2's error document with EC2's HTTP status.
#include <string>

#include "common/http/server.h"
#include "common/log/log.h"
#include "services/ec2-api/api/signature_verifier.h"
#include "services/ec2-api/app/actions.h"

namespace stratus::ec2 {

class Ec2Handler {
 public:
  // `region`: the only region a signature may be scoped to.
  Ec2Handler(const Actions& actions, SignatureVerifier& verifier, std::string region, log::Logger logger)
      : actions_(actions), verifier_(verifier), region_(std::move(region)), logger_(std::move(logger)) {}

  http::Response handle(const http::Request& request);

 private:
  Requester authenticate(const http::Request& request, const std::string& path, const std::string& query);

  const Actions& actions_;
  SignatureVerifier& verifier_;
  std::string region_;
  log::Logger logger_;
};

}  // namespace stratus::ec2
