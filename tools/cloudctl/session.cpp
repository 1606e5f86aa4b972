#include "tools/cloudctl/session.h"

#include "common/rpc/status.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "tools/cloudctl/console.h"

namespace stratus::cloudctl {

namespace identity = cloud::identity::v1;
using Clock = std::chrono::system_clock;

namespace {

constexpr std::chrono::seconds kCallDeadline{30};

Clock::time_point to_time_point(const google::protobuf::Timestamp& timestamp) {
  return Clock::time_point(std::chrono::seconds(timestamp.seconds()));
}

void set_deadline(grpc::ClientContext& context) { context.set_deadline(Clock::now() + kCallDeadline); }

}  // namespace

std::string status_code_name(grpc::StatusCode code) { return rpc::grpc_code_name(code); }

Session::Session(Profile profile, ConfigPaths paths, Console& console)
    : profile_(std::move(profile)),
      paths_(std::move(paths)),
      cache_path_(token_cache_path(paths_, profile_.name)),
      console_(console),
      channel_factory_(rpc::TlsSettings{profile_.ca_file, "", ""}) {}

const std::string& Session::identity_endpoint() const {
  if (profile_.endpoint.empty())
    throw CloudError("FAILED_PRECONDITION", "no identity endpoint for profile '" + profile_.name + "': set `endpoint = HOST:PORT` under [" +
                                                profile_.name + "] in " + paths_.config_file + " or set CLOUD_ENDPOINT");
  return profile_.endpoint;
}

std::shared_ptr<grpc::Channel> Session::channel_for(const std::string& service) {
  std::string endpoint = endpoint_of(service);
  auto& channel = channels_[endpoint];
  if (!channel) channel = channel_factory_.open(endpoint);
  return channel;
}

std::string Session::endpoint_of(const std::string& service) {
  if (service == "identity") return identity_endpoint();
  bearer();  // the catalog lives with the token
  if (cached_->catalog.empty()) refresh_catalog();
  auto it = cached_->catalog.find(service);
  if (it == cached_->catalog.end()) {
    // A service registered since the token was cached (a newly deployed one): ask once more.
    refresh_catalog();
    it = cached_->catalog.find(service);
  }
  if (it == cached_->catalog.end())
    throw CloudError("NOT_FOUND", "the catalog of " + identity_endpoint() + " has no '" + service +
                                      "' endpoint; see `cloudctl catalog list`");
  return it->second;
}

void Session::refresh_catalog() {
  auto stub = identity::Identity::NewStub(channel_for("identity"));
  auto response = call("identity", *stub, &identity::Identity::Stub::ListEndpoints, identity::ListEndpointsRequest());
  // A region-aware profile would pick among several; until then the first entry wins.
  for (const auto& endpoint : response.endpoints()) cached_->catalog.emplace(endpoint.service(), endpoint.url());
  store(*cached_);
}

void Session::load_cache_once() {
  if (cache_loaded_) return;
  cache_loaded_ = true;
  cached_ = load_token_cache(cache_path_);
  // From another cloud, or of another user or project than the profile and environment name.
  if (cached_ && !cached_->belongs_to(profile_)) cached_.reset();
}

std::optional<CachedToken> Session::cached_token() {
  load_cache_once();
  return cached_;
}

void Session::store(const CachedToken& token) {
  cached_ = token;
  save_token_cache(cache_path_, token);
}

std::string Session::bearer() {
  load_cache_once();
  if (!cached_ || !cached_->usable(Clock::now(), identity_endpoint())) renew_by_password();
  return cached_->bearer;
}

void Session::renew_by_password() {
  // Renew as whoever logged in last, into the same project; the stored password belongs to
  // the profile's user only.
  std::string username = cached_ && !cached_->username.empty() ? cached_->username : profile_.username;
  std::string project = cached_ && !cached_->project.empty() ? cached_->project : profile_.project;
  if (username.empty())
    throw CloudError("UNAUTHENTICATED", "not logged in with profile '" + profile_.name + "'; run `cloudctl login`");
  std::optional<std::string> password;
  if (username == profile_.username) password = profile_.password;
  if (!password) password = console_.ask_secret("Password for " + username + ": ");
  if (!password)
    throw CloudError("UNAUTHENTICATED", std::string(cached_ ? "the token of profile '" + profile_.name + "' has expired"
                                                            : "no token for profile '" + profile_.name + "'") +
                                            " and no password is configured; run `cloudctl login`");
  login(username, *password, project);
}

identity::Token Session::authenticate(const identity::AuthenticateRequest& request) {
  auto stub = identity::Identity::NewStub(channel_for("identity"));
  grpc::ClientContext context;
  set_deadline(context);
  identity::Token token;
  grpc::Status status = stub->Authenticate(&context, request, &token);
  if (!status.ok()) throw error_from(status, "identity");
  return token;
}

identity::Token Session::login(const std::string& username, const std::string& password, const std::string& project) {
  identity::AuthenticateRequest request;
  request.mutable_password()->set_username(username);
  request.mutable_password()->set_password(password);
  request.set_project(project);
  identity::Token token = authenticate(request);
  CachedToken cached;
  cached.bearer = token.token();
  cached.expires_at = to_time_point(token.info().expires_at());
  cached.endpoint = identity_endpoint();
  cached.username = token.info().user_name();
  cached.project = token.info().project_name();
  cached.project_id = token.info().project_id();
  // A login as someone the profile does not name gets a cache of its own: it must neither
  // replace the profile's own token nor be used where the profile's identity is meant.
  if (!cached.belongs_to(profile_))
    cache_path_ = token_cache_path(paths_, profile_.name, cached.username, cached.project);
  store(cached);
  return token;
}

identity::Token Session::reissue(const std::string& project) {
  identity::AuthenticateRequest request;
  request.set_token(bearer());
  request.set_project(project);
  try {
    return authenticate(request);
  } catch (const CloudError& error) {
    // An expired, revoked or foreign token: renew from the credentials, as invoke() does.
    if (error.status_name() != "UNAUTHENTICATED") throw;
  }
  renew_by_password();
  request.set_token(cached_->bearer);
  return authenticate(request);
}

bool Session::logout() {
  load_cache_once();
  if (!cached_) return false;
  auto stub = identity::Identity::NewStub(channel_for("identity"));
  identity::RevokeTokenRequest request;
  request.set_token(cached_->bearer);
  identity::Empty empty;
  grpc::Status status = attempt_with(cached_->bearer, [&](grpc::ClientContext& context, const std::string&) {
    return stub->RevokeToken(&context, request, &empty);
  });
  remove_token_cache(cache_path_);
  cached_.reset();
  // UNAUTHENTICATED: the token is already expired or revoked, which is what we wanted.
  if (status.ok() || status.error_code() == grpc::StatusCode::UNAUTHENTICATED) return true;
  CloudError error = error_from(status, "identity");
  throw CloudError(error.status_name(), std::string(error.what()) +
                                            " (the cached token was removed, but it stays valid until it expires)");
}

grpc::Status Session::attempt_with(const std::string& bearer, const Attempt& attempt) {
  grpc::ClientContext context;
  set_deadline(context);
  context.AddMetadata("authorization", "Bearer " + bearer);
  return attempt(context, bearer);
}

void Session::invoke(const std::string& service, const Attempt& attempt) {
  grpc::Status status = attempt_with(bearer(), attempt);
  // The cached token may have expired by the server's clock, been revoked, or come from a
  // cloud that was rebuilt since: log in again from the profile's credentials, retry once.
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    try {
      renew_by_password();
    } catch (const CloudError&) {  // no way to log in again: the server's reason, and what to do
      throw CloudError("UNAUTHENTICATED", status.error_message() + " (run `cloudctl login`)");
    }
    status = attempt_with(cached_->bearer, attempt);
  }
  if (!status.ok()) throw error_from(status, service);
}

CloudError Session::error_from(const grpc::Status& status, const std::string& service) {
  std::string message = status.error_message();
  auto code = status.error_code();
  if (code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED) {
    bool is_identity = service == "identity";
    std::string endpoint = is_identity ? profile_.endpoint : "";
    if (!is_identity && cached_ && cached_->catalog.count(service)) endpoint = cached_->catalog.at(service);
    message += " (is the " + service + " service running at " + endpoint + "? " +
               (is_identity ? "the endpoint comes from profile '" + profile_.name + "' or CLOUD_ENDPOINT"
                            : "the endpoint comes from the catalog: `cloudctl catalog list`") +
               ")";
  }
  return CloudError(status_code_name(code), message);
}

}  // namespace stratus::cloudctl
