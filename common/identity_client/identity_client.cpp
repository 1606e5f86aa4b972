#include "common/identity_client/identity_client.h"

#include <fstream>
#include <stdexcept>
#include <thread>

#include "common/bus/topology.h"
#include "common/error/error.h"
#include "common/rpc/authenticator.h"
#include "common/rpc/status.h"

namespace stratus::identity_client {

namespace v1 = cloud::identity::v1;

namespace {
constexpr auto kCallTimeout = std::chrono::seconds(10);

void set_deadline(grpc::ClientContext& ctx) { ctx.set_deadline(std::chrono::system_clock::now() + kCallTimeout); }

int64_t millis_of(const google::protobuf::Timestamp& t) { return t.seconds() * 1000 + t.nanos() / 1000000; }

auth::Revocation revocation_of(const v1::Revocation& r) {
  auth::Revocation out;
  out.token_id = r.token_id();
  out.user_id = r.user_id();
  out.project_id = r.project_id();
  out.issued_before_ms = millis_of(r.issued_before());
  out.expires_at = r.expires_at().seconds();
  return out;
}
}  // namespace

ServiceCredentials ServiceCredentials::from_config(const Config& config) {
  ServiceCredentials c;
  c.username = config.require("identity.service_user");
  // A file instead of the value: a hypervisor's own agent credential, installed on the host
  // (Kubernetes: a hostPath), so no node sees another node's secret.
  if (auto file = config.find("identity.service_password_file"); file && !config.find("identity.service_password")) {
    std::ifstream in(*file);
    if (!in) throw std::invalid_argument("cannot read identity.service_password_file " + *file);
    std::getline(in, c.password);
    if (c.password.empty()) throw std::invalid_argument("identity.service_password_file " + *file + " is empty");
  } else {
    c.password = config.require("identity.service_password");
  }
  c.project = config.get("identity.service_project", "service");
  return c;
}

IdentityConnection::IdentityConnection(std::string endpoint, ServiceCredentials credentials, log::Logger logger,
                                       const rpc::ChannelFactory& channels)
    : endpoint_(std::move(endpoint)), credentials_(std::move(credentials)), logger_(std::move(logger)),
      channel_(channels.open(endpoint_)),
      stub_(v1::Identity::NewStub(channel_)) {}

void IdentityConnection::wait_until_reachable(std::chrono::seconds timeout) {
  auto give_up = std::chrono::steady_clock::now() + timeout;
  auto backoff = std::chrono::milliseconds(200);
  for (;;) {
    grpc::ClientContext ctx;
    set_deadline(ctx);
    v1::ListSigningKeysResponse resp;
    auto status = stub_->ListSigningKeys(&ctx, v1::ListSigningKeysRequest(), &resp);
    if (status.ok()) return;
    if (std::chrono::steady_clock::now() + backoff > give_up)
      throw unavailable("identity at " + endpoint_ + " is unreachable: " + status.error_message());
    logger_.info("waiting for identity", {{"endpoint", endpoint_}, {"error", status.error_message()}});
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

std::string IdentityConnection::service_token() {
  std::lock_guard<std::mutex> lock(token_mutex_);
  if (!token_.empty() && token_expires_at_ - auth::unix_now() > 300) return token_;
  grpc::ClientContext ctx;
  set_deadline(ctx);
  v1::AuthenticateRequest req;
  req.mutable_password()->set_username(credentials_.username);
  req.mutable_password()->set_password(credentials_.password);
  req.set_project(credentials_.project);
  v1::Token resp;
  rpc::check(stub_->Authenticate(&ctx, req, &resp), "service login to identity as " + credentials_.username);
  token_ = resp.token();
  token_expires_at_ = resp.info().expires_at().seconds();
  return token_;
}

void IdentityConnection::register_endpoint(const std::string& service, const std::string& url,
                                           const std::string& region) {
  grpc::ClientContext ctx;
  set_deadline(ctx);
  rpc::attach_token(ctx, service_token());
  v1::RegisterEndpointRequest req;
  req.set_service(service);
  req.set_url(url);
  req.set_region(region);
  v1::Endpoint resp;
  rpc::check(stub_->RegisterEndpoint(&ctx, req, &resp), "registering the " + service + " endpoint");
  logger_.info("registered endpoint", {{"service", service}, {"url", url}});
}

std::string IdentityConnection::endpoint_of(const std::string& service, std::chrono::seconds timeout) {
  auto give_up = std::chrono::steady_clock::now() + timeout;
  auto backoff = std::chrono::milliseconds(200);
  for (;;) {
    grpc::ClientContext ctx;
    set_deadline(ctx);
    rpc::attach_token(ctx, service_token());
    v1::ListEndpointsResponse resp;
    auto status = stub_->ListEndpoints(&ctx, v1::ListEndpointsRequest(), &resp);
    if (status.ok())
      for (const auto& e : resp.endpoints())
        if (e.service() == service) return e.url();
    if (std::chrono::steady_clock::now() + backoff > give_up)
      throw unavailable("the catalog has no endpoint of " + service + (status.ok() ? "" : ": " + status.error_message()));
    logger_.info("waiting for a catalog entry", {{"service", service}});
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
}

std::map<std::string, std::string> IdentityConnection::fetch_public_keys() {
  grpc::ClientContext ctx;
  set_deadline(ctx);
  v1::ListSigningKeysResponse resp;
  rpc::check(stub_->ListSigningKeys(&ctx, v1::ListSigningKeysRequest(), &resp), "fetching token signing keys");
  std::map<std::string, std::string> keys;
  for (const auto& k : resp.keys()) keys[k.key_id()] = k.public_key();
  return keys;
}

auth::RevocationList::Snapshot IdentityConnection::fetch_revocations() {
  grpc::ClientContext ctx;
  set_deadline(ctx);
  rpc::attach_token(ctx, service_token());
  v1::ListRevocationsResponse resp;
  rpc::check(stub_->ListRevocations(&ctx, v1::ListRevocationsRequest(), &resp), "fetching token revocations");
  auth::RevocationList::Snapshot snapshot;
  for (const auto& r : resp.revocations()) snapshot.add(revocation_of(r));
  return snapshot;
}

bool apply_revocation_event(const std::string& body, auth::RevocationList& list) {
  v1::Revocation r;
  if (!r.ParseFromString(body)) return false;
  list.apply(revocation_of(r));
  return true;
}

std::unique_ptr<bus::Consumer> consume_revocation_events(const bus::BusUrl& url, auth::RevocationList& list,
                                                         const log::Logger& logger,
                                                         std::function<void()> on_connected) {
  bus::ConsumerOptions options;
  options.exchange = bus::kEventsExchange;
  options.routing_keys = {"identity.token.revoked"};
  options.connection_name = "stratus-revocations";
  auto events_logger = logger.child("revocations");
  auto apply = [&list, events_logger](const bus::Delivery& d) {
    // An unreadable payload is dropped: redelivering it forever would help no one.
    if (!apply_revocation_event(d.body, list))
      events_logger.warn("unreadable revocation event dropped", {{"message_id", d.message_id}});
    return true;
  };
  return std::make_unique<bus::Consumer>(url, options, apply, events_logger, std::move(on_connected));
}

TrustedTokens::TrustedTokens(IdentityConnection& identity, std::optional<bus::BusUrl> bus, log::Logger logger,
                             std::chrono::seconds resync)
    : identity_(identity), logger_(std::move(logger)),
      verifier_([&identity] { return identity.fetch_public_keys(); }) {
  verifier_.set_public_keys(identity_.fetch_public_keys());
  reload_revocations();
  if (bus) events_ = consume_revocation_events(*bus, revocations_, logger_, [this] { reload_revocations(); });
  resync_ = std::make_unique<PeriodicTask>(
      "token-trust-resync", resync,
      [this] {
        verifier_.set_public_keys(identity_.fetch_public_keys());
        reload_revocations();
      },
      logger_);
}

TrustedTokens::~TrustedTokens() { stop(); }

void TrustedTokens::stop() {
  if (resync_) resync_->stop();
  if (events_) events_->stop();
}

void TrustedTokens::reload_revocations() {
  revocations_.merge(identity_.fetch_revocations());
  revocations_.forget_expired(auth::unix_now());
}

}  // namespace stratus::identity_client
