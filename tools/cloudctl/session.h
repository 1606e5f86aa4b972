#pragma once
// A session with the cloud for one command: the profile's identity endpoint, the token cache,
// and channels to other services found in the catalog.
//
// Every call carries `authorization: Bearer TOKEN`. A cached token is reused while valid; an
// expired one (or one the server calls expired) is renewed by password — from the credentials
// file or CLOUD_PASSWORD, else by asking on the terminal — and the call is retried once.
#include <grpcpp/grpcpp.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "common/rpc/channel.h"
#include "identity/v1/identity.grpc.pb.h"
#include "tools/cloudctl/profile.h"

namespace stratus::cloudctl {

class Console;

// The cloud refused or failed (exit status 1). Printed as "STATUS_NAME: message".
class CloudError : public std::runtime_error {
 public:
  CloudError(std::string status_name, const std::string& message)
      : std::runtime_error(message), status_name_(std::move(status_name)) {}
  const std::string& status_name() const { return status_name_; }

 private:
  std::string status_name_;
};

// "NOT_FOUND" for grpc::StatusCode::NOT_FOUND, and so on.
std::string status_code_name(grpc::StatusCode code);

class Session {
 public:
  Session(Profile profile, ConfigPaths paths, Console& console);

  const Profile& profile() const { return profile_; }

  // The channel to a service: identity is the profile's endpoint, every other service is
  // looked up in the catalog, which is cached with the token.
  std::shared_ptr<grpc::Channel> channel_for(const std::string& service);

  // Calls `method` on `stub` with the token, renewing it once if it expired; throws CloudError.
  //   auto project = session.call("identity", *stub, &Identity::Stub::GetProject, request);
  template <typename Stub, typename Request, typename Response>
  Response call(const std::string& service, Stub& stub,
                grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                const Request& request) {
    Response response;
    invoke(service, [&](grpc::ClientContext& context, const std::string&) {
      return (stub.*method)(&context, request, &response);
    });
    return response;
  }

  // The same for a request about the caller's own token (ValidateToken): it is built for the
  // bearer the call carries, so a renewal in between does not leave the old token in it.
  template <typename Stub, typename Request, typename Response>
  Response call_about_token(const std::string& service, Stub& stub,
                            grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                            const std::function<Request(const std::string& bearer)>& make_request) {
    Response response;
    invoke(service, [&](grpc::ClientContext& context, const std::string& bearer) {
      return (stub.*method)(&context, make_request(bearer), &response);
    });
    return response;
  }

  // Logs in with a password, caches the token and returns it.
  cloud::identity::v1::Token login(const std::string& username, const std::string& password,
                                   const std::string& project);
  // A new token from the current one, optionally scoped to another project; nothing is cached.
  cloud::identity::v1::Token reissue(const std::string& project);
  // The bearer string of a usable token, renewing it if needed.
  std::string bearer();
  // The cached token's record, if there is one for this profile and endpoint.
  std::optional<CachedToken> cached_token();
  // Revokes the cached token on the server and removes the cache; false if there was none.
  bool logout();

 private:
  using Attempt = std::function<grpc::Status(grpc::ClientContext&, const std::string& bearer)>;
  cloud::identity::v1::Token authenticate(const cloud::identity::v1::AuthenticateRequest& request);
  void invoke(const std::string& service, const Attempt& attempt);
  grpc::Status attempt_with(const std::string& bearer, const Attempt& attempt);
  void renew_by_password();
  void refresh_catalog();
  const std::string& identity_endpoint() const;
  std::string endpoint_of(const std::string& service);
  CloudError error_from(const grpc::Status& status, const std::string& service);
  void load_cache_once();
  void store(const CachedToken& token);

  Profile profile_;
  ConfigPaths paths_;
  std::string cache_path_;
  Console& console_;
  bool cache_loaded_ = false;
  std::optional<CachedToken> cached_;
  rpc::ChannelFactory channel_factory_;  // TLS when the profile names a CA
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;  // by endpoint
};

}  // namespace stratus::cloudctl
