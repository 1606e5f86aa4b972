// Getting a token: passwords, lockout, project scope, renewal and access keys.
#include <future>
#include <thread>

#include "common/auth/token.h"
#include "tests/identity/identity_test_support.h"

using namespace stratus::identity_test;
using stratus::test_support::eventually;

TEST_CASE("password login gives a project-scoped token with roles and an expiry", "[identity][login]") {
  IdentityService identity;
  v1::Project web = must(identity.admin.create_project("web"), "creating project web");
  v1::User alice = create_user_with_role(identity.admin, "alice", "Alice-Pass-1", "web", "member");

  int64_t before = stratus::auth::unix_now();
  auto login = identity.anonymous.login("alice", "Alice-Pass-1");
  REQUIRE(login.ok());
  const v1::TokenInfo& info = login.value.info();
  CHECK(token_parts(login.value.token()).size() == 4);
  CHECK(token_parts(login.value.token())[0] == "stv1");
  CHECK(info.user_id() == alice.id());
  CHECK(info.user_name() == "alice");
  CHECK(info.project_id() == web.id());
  CHECK(info.project_name() == "web");
  CHECK(std::vector<std::string>(info.roles().begin(), info.roles().end()) == std::vector<std::string>{"member"});
  CHECK(!info.token_id().empty());
  // The default lifetime is an hour.
  CHECK(info.issued_at().seconds() >= before - 1);
  CHECK(info.expires_at().seconds() - info.issued_at().seconds() >= 3599);
  CHECK(info.expires_at().seconds() - info.issued_at().seconds() <= 3601);

  // The token works, and validation reads back the same claims.
  IdentityClient as_alice = identity.anonymous.with_token(login.value.token());
  auto validated = as_alice.validate(login.value.token());
  REQUIRE(validated.ok());
  CHECK(validated.value.token_id() == info.token_id());
  CHECK(validated.value.project_id() == web.id());
}

TEST_CASE("a wrong password and an unknown user get the same UNAUTHENTICATED answer", "[identity][login]") {
  IdentityService identity;
  create_user_with_role(identity.admin, "bob", "Bob-Pass-12", kAdminProject, "reader");

  auto wrong_password = identity.anonymous.login("bob", "Not-Bobs-Pass-1");
  auto unknown_user = identity.anonymous.login("nobody", "Not-Bobs-Pass-1");
  CHECK(wrong_password.code() == StatusCode::UNAUTHENTICATED);
  CHECK(unknown_user.code() == StatusCode::UNAUTHENTICATED);
  // Same words, so user names cannot be probed.
  CHECK(wrong_password.message() == unknown_user.message());
  CHECK(!wrong_password.message().empty());
  CHECK(identity.anonymous.login("bob", "").code() == StatusCode::UNAUTHENTICATED);
}

TEST_CASE("five wrong passwords lock a user until the lockout has passed", "[identity][login]") {
  IdentityService identity(Env{{"STRATUS_IDENTITY_LOCKOUT", "2"}});
  create_user_with_role(identity.admin, "carol", "Carol-Pass-1", kAdminProject, "member");

  for (int attempt = 1; attempt <= 5; ++attempt) {
    INFO("wrong password, attempt " << attempt);
    REQUIRE(identity.anonymous.login("carol", "Wrong-Pass-" + std::to_string(attempt)).code() ==
            StatusCode::UNAUTHENTICATED);
  }
  // Locked: even the right password is refused, with a message saying to wait.
  auto locked = identity.anonymous.login("carol", "Carol-Pass-1");
  CHECK(locked.code() == StatusCode::UNAUTHENTICATED);
  CHECK_THAT(locked.message(), Catch::Contains("try again"));

  // STRATUS_IDENTITY_LOCKOUT=2 seconds: the right password works again soon after.
  bool unlocked = eventually([&] { return identity.anonymous.login("carol", "Carol-Pass-1").ok(); },
                             std::chrono::seconds(6), std::chrono::milliseconds(250));
  CHECK(unlocked);
  // The counter restarted: one more wrong password does not lock again.
  CHECK(identity.anonymous.login("carol", "Wrong-Pass-6").code() == StatusCode::UNAUTHENTICATED);
  CHECK(identity.anonymous.login("carol", "Carol-Pass-1").ok());
}

// Whoever sends wrong passwords must not learn which user names exist from the answers.
TEST_CASE("an unknown user name gets the same answers as a real one, lock included", "[identity][login]") {
  IdentityService identity;
  create_user_with_role(identity.admin, "carol", "Carol-Pass-1", kAdminProject, "member");
  for (int attempt = 1; attempt <= 6; ++attempt) {
    INFO("wrong password, attempt " << attempt);
    auto real = identity.anonymous.login("carol", "Wrong-Pass-" + std::to_string(attempt));
    auto ghost = identity.anonymous.login("no-such-user", "Wrong-Pass-" + std::to_string(attempt));
    CHECK(real.code() == StatusCode::UNAUTHENTICATED);
    CHECK(ghost.code() == real.code());
    CHECK(ghost.message() == real.message());  // "invalid" five times, then "try again later"
  }
}

namespace {

// dave: member of p1, reader of p2, nothing on p3.
void create_dave_on_two_projects(const IdentityClient& admin) {
  for (const char* name : {"p1", "p2", "p3"}) must(admin.create_project(name), std::string("creating ") + name);
  create_user_with_role(admin, "dave", "Dave-Pass-1", "p1", "member");
  must(admin.add_role("dave", "p2", "reader"), "granting reader on p2");
}

std::vector<std::string> roles_of(const v1::TokenInfo& info) { return {info.roles().begin(), info.roles().end()}; }

}  // namespace

TEST_CASE("a user with roles on two projects must name one at password login", "[identity][login]") {
  IdentityService identity;
  create_dave_on_two_projects(identity.admin);

  auto unscoped = identity.anonymous.login("dave", "Dave-Pass-1");
  CHECK(unscoped.code() == StatusCode::PERMISSION_DENIED);
  CHECK_THAT(unscoped.message(), Catch::Contains("name one"));

  auto on_p2 = identity.anonymous.login("dave", "Dave-Pass-1", "p2");
  REQUIRE(on_p2.ok());
  CHECK(on_p2.value.info().project_name() == "p2");
  CHECK(roles_of(on_p2.value.info()) == std::vector<std::string>{"reader"});

  CHECK(identity.anonymous.login("dave", "Dave-Pass-1", "p3").code() == StatusCode::PERMISSION_DENIED);
}

TEST_CASE("a token renews with a new id, and re-scopes only to projects the user has a role on",
          "[identity][login]") {
  IdentityService identity;
  create_dave_on_two_projects(identity.admin);
  v1::Token on_p1 = must(identity.anonymous.login("dave", "Dave-Pass-1", "p1"), "login on p1");

  auto renewed = identity.anonymous.renew(on_p1.token());
  REQUIRE(renewed.ok());
  CHECK(renewed.value.info().token_id() != on_p1.info().token_id());
  CHECK(renewed.value.token() != on_p1.token());
  CHECK(renewed.value.info().project_id() == on_p1.info().project_id());
  CHECK(renewed.value.info().user_id() == on_p1.info().user_id());

  auto on_p2 = identity.anonymous.renew(on_p1.token(), "p2");
  REQUIRE(on_p2.ok());
  CHECK(on_p2.value.info().project_name() == "p2");
  CHECK(roles_of(on_p2.value.info()) == std::vector<std::string>{"reader"});

  auto on_p3 = identity.anonymous.renew(on_p1.token(), "p3");
  CHECK(on_p3.code() == StatusCode::PERMISSION_DENIED);
  CHECK(identity.anonymous.renew(on_p1.token(), "no-such-project").code() == StatusCode::PERMISSION_DENIED);
  CHECK(identity.anonymous.renew("stv1.garbage").code() == StatusCode::UNAUTHENTICATED);
}

namespace {

v1::AuthenticateRequest access_key_login(const std::string& key_id, const std::string& secret,
                                         const std::string& project = "") {
  v1::AuthenticateRequest request;
  request.mutable_access_key()->set_access_key_id(key_id);
  request.mutable_access_key()->set_secret(secret);
  request.set_project(project);
  return request;
}

}  // namespace

TEST_CASE("an access key's secret is shown once, authenticates, and stops working when deleted",
          "[identity][access-key]") {
  IdentityService identity;
  v1::Project web = must(identity.admin.create_project("web"), "creating project web");
  v1::User erin = create_user_with_role(identity.admin, "erin", "Erin-Pass-1", "web", "member");
  IdentityClient as_erin = logged_in(identity.anonymous, "erin", "Erin-Pass-1");

  auto created = as_erin.call(&Stub::CreateAccessKey, v1::CreateAccessKeyRequest());
  REQUIRE(created.ok());
  const std::string key_id = created.value.key().access_key_id();
  const std::string secret = created.value.secret();
  CHECK(key_id.size() == 20);
  CHECK(secret.size() >= 32);
  CHECK(created.value.key().user_id() == erin.id());
  CHECK(created.value.key().project_id() == web.id());

  // Listing shows the key but never the secret, in any field.
  auto listed = as_erin.call(&Stub::ListAccessKeys, v1::ListAccessKeysRequest());
  REQUIRE(listed.ok());
  REQUIRE(listed.value.keys_size() == 1);
  CHECK(listed.value.keys(0).access_key_id() == key_id);
  CHECK(listed.value.SerializeAsString().find(secret) == std::string::npos);

  auto with_key = identity.anonymous.call(&Stub::Authenticate, access_key_login(key_id, secret));
  REQUIRE(with_key.ok());
  CHECK(with_key.value.info().user_id() == erin.id());
  CHECK(with_key.value.info().project_id() == web.id());
  CHECK(roles_of(with_key.value.info()) == std::vector<std::string>{"member"});

  std::string wrong_secret = secret;
  wrong_secret[0] = wrong_secret[0] == 'A' ? 'B' : 'A';
  auto wrong = identity.anonymous.call(&Stub::Authenticate, access_key_login(key_id, wrong_secret));
  CHECK(wrong.code() == StatusCode::UNAUTHENTICATED);
  CHECK(identity.anonymous.call(&Stub::Authenticate, access_key_login("STKAAAAAAAAAAAAAAAAA", secret)).code() ==
        StatusCode::UNAUTHENTICATED);

  v1::DeleteAccessKeyRequest remove;
  remove.set_access_key_id(key_id);
  REQUIRE(as_erin.call(&Stub::DeleteAccessKey, remove).ok());
  CHECK(identity.anonymous.call(&Stub::Authenticate, access_key_login(key_id, secret)).code() ==
        StatusCode::UNAUTHENTICATED);
  auto after = as_erin.call(&Stub::ListAccessKeys, v1::ListAccessKeysRequest());
  REQUIRE(after.ok());
  CHECK(after.value.keys_size() == 0);
}

// An access key is bound to its project, which may be named by name or id.
TEST_CASE("an access key authenticates with its own project named by name or id", "[identity][access-key]") {
  IdentityService identity;
  v1::Project web = must(identity.admin.create_project("web"), "creating project web");
  create_user_with_role(identity.admin, "erin", "Erin-Pass-1", "web", "member");
  IdentityClient as_erin = logged_in(identity.anonymous, "erin", "Erin-Pass-1");
  v1::CreatedAccessKey key = must(as_erin.call(&Stub::CreateAccessKey, v1::CreateAccessKeyRequest()), "access key");

  auto by_id = identity.anonymous.call(&Stub::Authenticate,
                                       access_key_login(key.key().access_key_id(), key.secret(), web.id()));
  CHECK(by_id.ok());
  auto by_name = identity.anonymous.call(&Stub::Authenticate,
                                         access_key_login(key.key().access_key_id(), key.secret(), "web"));
  INFO(describe(by_name.status));
  CHECK(by_name.ok());
}

// As Keystone's application credentials: a token from an access key cannot be re-scoped to
// another project, and the key's deletion revokes its tokens, renewals included.
TEST_CASE("an access key's tokens stay in its project and die with the key", "[identity][access-key]") {
  IdentityService identity;
  v1::Project web = must(identity.admin.create_project("web"), "creating project web");
  v1::Project db = must(identity.admin.create_project("db"), "creating project db");
  create_user_with_role(identity.admin, "erin", "Erin-Pass-1", "web", "member");
  must(identity.admin.add_role("erin", "db", "member"), "erin joins db");
  IdentityClient as_erin = logged_in(identity.anonymous, "erin", "Erin-Pass-1", "web");
  v1::CreatedAccessKey key = must(as_erin.call(&Stub::CreateAccessKey, v1::CreateAccessKeyRequest()), "access key");

  v1::Token from_key = must(identity.anonymous.call(&Stub::Authenticate,
                                                    access_key_login(key.key().access_key_id(), key.secret())),
                            "key login");
  auto rescoped = identity.anonymous.renew(from_key.token(), "db");
  CHECK(rescoped.code() == StatusCode::PERMISSION_DENIED);
  CHECK(rescoped.status.error_message().find("access key") != std::string::npos);
  CHECK(identity.anonymous.renew(from_key.token(), db.id()).code() == StatusCode::PERMISSION_DENIED);
  v1::Token renewed = must(identity.anonymous.renew(from_key.token()), "renewal in the key's project");
  CHECK(renewed.info().project_id() == web.id());
  CHECK(identity.anonymous.renew(renewed.token(), "db").code() == StatusCode::PERMISSION_DENIED);
  // A password login may still move between the user's projects.
  v1::Token by_password = must(identity.anonymous.login("erin", "Erin-Pass-1", "web"), "password login");
  CHECK(identity.anonymous.renew(by_password.token(), "db").ok());

  v1::DeleteAccessKeyRequest remove;
  remove.set_access_key_id(key.key().access_key_id());
  REQUIRE(as_erin.call(&Stub::DeleteAccessKey, remove).ok());
  CHECK(identity.admin.validate(from_key.token()).code() != StatusCode::OK);
  CHECK(identity.admin.validate(renewed.token()).code() != StatusCode::OK);
  CHECK(identity.anonymous.renew(renewed.token()).code() != StatusCode::OK);
  CHECK(identity.admin.validate(by_password.token()).ok());  // the password's token is not the key's
}

// Logins of one user at once all succeed: the row locks must not deadlock them.
TEST_CASE("right passwords sent at once all log in", "[identity][login]") {
  IdentityService identity;
  create_user_with_role(identity.admin, "carol", "Carol-Pass-1", kAdminProject, "member");
  std::vector<std::future<grpc::StatusCode>> logins;
  for (int i = 0; i < 8; ++i)
    logins.push_back(std::async(std::launch::async, [&] { return identity.anonymous.login("carol", "Carol-Pass-1").code(); }));
  for (auto& login : logins) CHECK(login.get() == StatusCode::OK);
}

// Parallel guesses must all count, or the lockout would not cap online guessing.
TEST_CASE("wrong passwords sent at once still lock the user", "[identity][login]") {
  IdentityService identity;
  create_user_with_role(identity.admin, "carol", "Carol-Pass-1", kAdminProject, "member");

  constexpr int kGuesses = 10;  // twice the limit
  std::promise<void> go;
  std::shared_future<void> start = go.get_future().share();
  std::vector<std::future<grpc::StatusCode>> guesses;
  for (int i = 0; i < kGuesses; ++i)
    guesses.push_back(std::async(std::launch::async, [&identity, start, i] {
      start.wait();
      return identity.anonymous.login("carol", "Wrong-Pass-" + std::to_string(i)).code();
    }));
  go.set_value();
  // A service may also shed load (RESOURCE_EXHAUSTED, "try again"); only refusals count here.
  int refused = 0;
  for (auto& guess : guesses) {
    StatusCode code = guess.get();
    CHECK((code == StatusCode::UNAUTHENTICATED || code == StatusCode::RESOURCE_EXHAUSTED));
    if (code == StatusCode::UNAUTHENTICATED) ++refused;
  }
  REQUIRE(refused >= 5);

  auto right = identity.anonymous.login("carol", "Carol-Pass-1");
  INFO(describe(right.status));
  CHECK(right.code() == StatusCode::UNAUTHENTICATED);
  CHECK_THAT(right.message(), Catch::Contains("try again"));
}
