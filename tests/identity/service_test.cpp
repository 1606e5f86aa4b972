// The service as a whole: its schema on a fresh database and across restarts, its catalog
// entry, and what it writes to its log.
#include <pqxx/pqxx>

#include "common/auth/token.h"
#include "tests/identity/identity_test_support.h"

using namespace stratus::identity_test;
namespace auth = stratus::auth;

namespace {

// schema_migrations as text, one row per line, with the time each was applied.
std::string applied_migrations(const TestDatabase& database) {
  pqxx::connection connection(database.url());
  pqxx::work tx(connection);
  std::string text;
  for (const auto& row : tx.exec("SELECT component, version, name, applied_at::text FROM schema_migrations "
                                 "ORDER BY component, version"))
    text += row[0].as<std::string>() + " " + row[1].as<std::string>() + " " + row[2].as<std::string>() + " " +
            row[3].as<std::string>() + "\n";
  return text;
}

int count_rows(const TestDatabase& database, const std::string& sql) {
  pqxx::connection connection(database.url());
  pqxx::work tx(connection);
  return tx.exec1(sql)[0].as<int>();
}

}  // namespace

TEST_CASE("a fresh database gets the schema at first start; a restart applies nothing and keeps data",
          "[identity][migrations]") {
  TestDatabase database;
  REQUIRE(count_rows(database, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") == 0);

  auto first = start_identity(database);
  const std::string migrations = applied_migrations(database);
  INFO("schema_migrations:\n" << migrations);
  CHECK_THAT(migrations, Catch::StartsWith("identity 1 ") && Catch::Contains("\noutbox 1 "));
  CHECK_THAT(first->log_text(), Catch::Contains("applying migration"));
  CHECK(count_rows(database, "SELECT count(*) FROM signing_keys") == 1);

  v1::Token carols;
  {
    IdentityClient client(first->address());
    IdentityClient admin = logged_in(client, kAdminName, kAdminPassword);
    create_user_with_role(admin, "carol", "Carol-Pass-1", kAdminProject, "member");
    carols = must(client.login("carol", "Carol-Pass-1"), "carol's login");
  }  // clients first: an open client connection makes a gRPC server's shutdown take seconds
  CHECK(first->stop() == 0);  // SIGTERM ends it cleanly

  auto second = start_identity(database);
  CHECK(applied_migrations(database) == migrations);
  CHECK_THAT(second->log_text(), !Catch::Contains("applying migration"));
  // Same signing key: no new one on restart, and tokens from before still verify.
  CHECK(count_rows(database, "SELECT count(*) FROM signing_keys") == 1);
  IdentityClient after_restart(second->address());
  CHECK(after_restart.with_token(carols.token()).list_projects().ok());
  CHECK(after_restart.login("carol", "Carol-Pass-1").ok());
  IdentityClient admin_after = logged_in(after_restart, kAdminName, kAdminPassword);
  CHECK(user_names(must(admin_after.list_users(), "list users")) == std::vector<std::string>{"admin", "carol"});
}

namespace {

v1::RegisterEndpointRequest endpoint(const std::string& service, const std::string& url) {
  v1::RegisterEndpointRequest request;
  request.set_service(service);
  request.set_url(url);
  return request;
}

std::vector<std::string> endpoints_of(const IdentityClient& client) {
  v1::ListEndpointsResponse listed = must(client.call(&Stub::ListEndpoints, v1::ListEndpointsRequest()), "endpoints");
  std::vector<std::string> out;
  for (const auto& e : listed.endpoints()) out.push_back(e.service() + " " + e.url() + " " + e.region());
  return out;
}

}  // namespace

TEST_CASE("the catalog lists identity's own endpoint; registering one needs admin and a host:port url",
          "[identity][catalog]") {
  IdentityService identity;
  CHECK(endpoints_of(identity.admin) == std::vector<std::string>{"identity " + identity.process->address() + " RegionOne"});
  CHECK(identity.anonymous.call(&Stub::ListEndpoints, v1::ListEndpointsRequest()).code() ==
        StatusCode::UNAUTHENTICATED);

  create_user_with_role(identity.admin, "mia", "Mia-Pass-12", kAdminProject, "member");
  IdentityClient mia = logged_in(identity.anonymous, "mia", "Mia-Pass-12");
  // Any user may read the catalog; only an admin may change it.
  CHECK(endpoints_of(mia).size() == 1);
  CHECK(mia.call(&Stub::RegisterEndpoint, endpoint("image", "127.0.0.1:9292")).code() ==
        StatusCode::PERMISSION_DENIED);

  for (std::string bad_url : {"", "image-without-port"}) {
    INFO("url '" << bad_url << "'");
    CHECK(identity.admin.call(&Stub::RegisterEndpoint, endpoint("image", bad_url)).code() ==
          StatusCode::INVALID_ARGUMENT);
  }
  CHECK(identity.admin.call(&Stub::RegisterEndpoint, endpoint("", "127.0.0.1:9292")).code() ==
        StatusCode::INVALID_ARGUMENT);
  CHECK(endpoints_of(identity.admin).size() == 1);

  auto registered = identity.admin.call(&Stub::RegisterEndpoint, endpoint("image", "127.0.0.1:9292"));
  REQUIRE(registered.ok());
  CHECK(registered.value.region() == "RegionOne");
  CHECK(endpoints_of(identity.admin) ==
        std::vector<std::string>{"identity " + identity.process->address() + " RegionOne", "image 127.0.0.1:9292 RegionOne"});
}

// Clients dial catalog entries as they are, so a malformed one must never be stored.
TEST_CASE("an endpoint url without a host or a numeric port is refused", "[identity][catalog]") {
  IdentityService identity;
  for (std::string bad_url : {"image:notaport", ":9292", "http://image", "image:99999"}) {
    INFO("url '" << bad_url << "'");
    CHECK(identity.admin.call(&Stub::RegisterEndpoint, endpoint("image", bad_url)).code() ==
          StatusCode::INVALID_ARGUMENT);
  }
  CHECK(endpoints_of(identity.admin).size() == 1);
}

TEST_CASE("no password, access-key secret, token or signing key reaches the service log", "[identity][secrets]") {
  TestDatabase database;
  auto process = start_identity(database);  // logs at debug level
  std::vector<std::string> secrets{kAdminPassword};
  {
    IdentityClient anonymous(process->address());
    v1::Token admin_token = must(anonymous.login(kAdminName, kAdminPassword), "admin login");
    secrets.push_back(admin_token.token());
    IdentityClient admin = anonymous.with_token(admin_token.token());

    create_user_with_role(admin, "ivy", "Ivy-Secret-Pass-1", kAdminProject, "member");
    secrets.push_back("Ivy-Secret-Pass-1");
    CHECK(admin.create_user("weakling", "weakling-pw").code() == StatusCode::INVALID_ARGUMENT);
    secrets.push_back("weakling-pw");
    CHECK(anonymous.login("ivy", "Ivy-Wrong-Pass-9").code() == StatusCode::UNAUTHENTICATED);
    secrets.push_back("Ivy-Wrong-Pass-9");
    CHECK(anonymous.login("nobody", "Nobodys-Pass-8").code() == StatusCode::UNAUTHENTICATED);
    secrets.push_back("Nobodys-Pass-8");

    v1::Token ivy_token = must(anonymous.login("ivy", "Ivy-Secret-Pass-1"), "ivy's login");
    secrets.push_back(ivy_token.token());
    IdentityClient ivy = anonymous.with_token(ivy_token.token());

    v1::CreatedAccessKey key = must(ivy.call(&Stub::CreateAccessKey, v1::CreateAccessKeyRequest()), "access key");
    secrets.push_back(key.secret());
    v1::AuthenticateRequest with_key;
    with_key.mutable_access_key()->set_access_key_id(key.key().access_key_id());
    with_key.mutable_access_key()->set_secret(key.secret());
    v1::Token key_token = must(anonymous.call(&Stub::Authenticate, with_key), "access key login");
    secrets.push_back(key_token.token());
    with_key.mutable_access_key()->set_secret("Wrong-Key-Secret-0123456789abcdef");
    CHECK(anonymous.call(&Stub::Authenticate, with_key).code() == StatusCode::UNAUTHENTICATED);
    secrets.push_back("Wrong-Key-Secret-0123456789abcdef");

    v1::Token renewed = must(anonymous.renew(ivy_token.token()), "renewal");
    secrets.push_back(renewed.token());
    v1::RevokeTokenRequest revoke;
    revoke.set_token(renewed.token());
    CHECK(ivy.call(&Stub::RevokeToken, revoke).ok());
    CHECK(anonymous.with_token(renewed.token()).list_projects().code() == StatusCode::UNAUTHENTICATED);
    CHECK(anonymous.with_token(ivy_token.token() + "x").list_projects().code() == StatusCode::UNAUTHENTICATED);

    v1::SetPasswordRequest change;
    change.set_user("ivy");
    change.set_current_password("Ivy-Secret-Pass-1");
    change.set_new_password("Ivy-Newer-Pass-2");
    CHECK(ivy.call(&Stub::SetPassword, change).ok());
    secrets.push_back("Ivy-Newer-Pass-2");

    // The signing key's secret half, in the encodings a careless log line might use.
    {
      pqxx::connection connection(database.url());
      pqxx::work tx(connection);
      std::string hex = tx.exec1("SELECT encode(secret_key, 'hex') FROM signing_keys")[0].as<std::string>();
      secrets.push_back(hex);
      secrets.push_back(auth::base64url_encode(bytes_from_hex(hex)));
    }
  }  // clients first: an open client connection makes a gRPC server's shutdown take seconds
  REQUIRE(process->stop() == 0);  // everything it will ever write is written
  const std::string log = process->log_text();
  // The check means something only if the service did log these events.
  REQUIRE_THAT(log, Catch::Contains("user created") && Catch::Contains("failed login") &&
                        Catch::Contains("access key created") && Catch::Contains("token revoked"));
  for (const auto& secret : secrets) {
    INFO("secret: " << secret);
    CHECK(log.find(secret) == std::string::npos);
    // Tokens: not even their signature part on its own.
    auto parts = token_parts(secret);
    if (parts.size() == 4) CHECK(log.find(parts[3]) == std::string::npos);
  }
}
