// Who may do what, what bad input does (nothing), and uniqueness under concurrency.
#include <functional>
#include <future>
#include <thread>

#include "common/auth/token.h"
#include "tests/identity/identity_test_support.h"

using namespace stratus::identity_test;

namespace {

// Project "web" with a member (mia) and a reader (rex); returns clients acting as them.
struct WebProject {
  explicit WebProject(const IdentityService& identity)
      : project(must(identity.admin.create_project("web"), "creating project web")),
        mia_user(create_user_with_role(identity.admin, "mia", "Mia-Pass-12", "web", "member")),
        rex_user(create_user_with_role(identity.admin, "rex", "Rex-Pass-12", "web", "reader")),
        mia(logged_in(identity.anonymous, "mia", "Mia-Pass-12")),
        rex(logged_in(identity.anonymous, "rex", "Rex-Pass-12")) {}
  v1::Project project;
  v1::User mia_user, rex_user;
  IdentityClient mia, rex;
};

v1::GetProjectRequest get_project(const std::string& project) {
  v1::GetProjectRequest request;
  request.set_project(project);
  return request;
}

v1::GetUserRequest get_user(const std::string& user) {
  v1::GetUserRequest request;
  request.set_user(user);
  return request;
}

}  // namespace

TEST_CASE("members and readers cannot create projects or users; admins can", "[identity][policy]") {
  IdentityService identity;
  WebProject web(identity);

  for (const auto& [who, client] : {std::pair{"member", web.mia}, std::pair{"reader", web.rex}}) {
    INFO("as " << who);
    CHECK(client.create_project(std::string("by-") + who).code() == StatusCode::PERMISSION_DENIED);
    CHECK(client.create_user(std::string("by-") + who, "Some-Pass-123").code() == StatusCode::PERMISSION_DENIED);
    CHECK(client.list_users().code() == StatusCode::PERMISSION_DENIED);
    CHECK(client.add_role(who == std::string("member") ? "mia" : "rex", kAdminProject, "admin").code() ==
          StatusCode::PERMISSION_DENIED);
  }
  CHECK(identity.admin.create_project("by-admin").ok());
  CHECK(identity.admin.create_user("by-admin", "Some-Pass-123").ok());
  CHECK(project_names(must(identity.admin.list_projects(), "list")) ==
        std::vector<std::string>{"admin", "by-admin", "web"});
}

TEST_CASE("a member sees only their own projects and gets NOT_FOUND for another's", "[identity][policy]") {
  IdentityService identity;
  WebProject web(identity);
  must(identity.admin.create_project("other"), "creating project other");

  auto listed = web.mia.list_projects();
  REQUIRE(listed.ok());
  CHECK(project_names(listed.value) == std::vector<std::string>{"web"});

  CHECK(web.mia.call(&Stub::GetProject, get_project("web")).ok());
  CHECK(web.mia.call(&Stub::GetProject, get_project(web.project.id())).ok());
  // Another project looks exactly like one that does not exist.
  auto other = web.mia.call(&Stub::GetProject, get_project("other"));
  CHECK(other.code() == StatusCode::NOT_FOUND);
  CHECK(web.mia.call(&Stub::GetProject, get_project(kAdminProject)).code() == StatusCode::NOT_FOUND);
  CHECK(web.mia.call(&Stub::GetProject, get_project("never-existed")).code() == StatusCode::NOT_FOUND);
  // The admin sees them all.
  CHECK(project_names(must(identity.admin.list_projects(), "list")) ==
        std::vector<std::string>{"admin", "other", "web"});
}

TEST_CASE("a member can read themself but not another user", "[identity][policy]") {
  IdentityService identity;
  WebProject web(identity);

  auto self = web.mia.call(&Stub::GetUser, get_user("mia"));
  REQUIRE(self.ok());
  CHECK(self.value.id() == web.mia_user.id());
  CHECK(web.mia.call(&Stub::GetUser, get_user(web.mia_user.id())).ok());

  CHECK(web.mia.call(&Stub::GetUser, get_user("rex")).code() == StatusCode::PERMISSION_DENIED);
  CHECK(web.mia.call(&Stub::GetUser, get_user(web.rex_user.id())).code() == StatusCode::PERMISSION_DENIED);
  CHECK(web.mia.call(&Stub::GetUser, get_user(kAdminName)).code() == StatusCode::PERMISSION_DENIED);
  CHECK(identity.admin.call(&Stub::GetUser, get_user("rex")).ok());
}

// Role listings answer a member the same whether a user or project exists or not.
TEST_CASE("a member's role listing does not tell which users or projects exist", "[identity][policy]") {
  IdentityService identity;
  WebProject web(identity);
  must(identity.admin.create_project("other"), "creating project other");
  auto roles = [&](const std::string& user, const std::string& project) {
    v1::ListRoleAssignmentsRequest request;
    request.set_user(user);
    request.set_project(project);
    return web.mia.call(&Stub::ListRoleAssignments, request);
  };
  // Another user: refused alike, known or not.
  CHECK(roles("rex", "").code() == StatusCode::PERMISSION_DENIED);
  CHECK(roles("never-existed", "").code() == StatusCode::PERMISSION_DENIED);
  CHECK(roles(stratus::auth::random_uuid(), "").code() == StatusCode::PERMISSION_DENIED);
  // Another project: as empty as one that does not exist.
  auto other = roles("", "other");
  auto unknown = roles("", "never-existed");
  REQUIRE(other.ok());
  REQUIRE(unknown.ok());
  CHECK(other.value.assignments_size() == 0);
  CHECK(unknown.value.assignments_size() == 0);
  // Their own roles, by name or with no filter.
  auto own = roles("mia", "web");
  REQUIRE(own.ok());
  CHECK(own.value.assignments_size() == 1);
  CHECK(must(roles("", ""), "own roles").assignments_size() == 1);
  // The admin still gets NOT_FOUND for what does not exist.
  v1::ListRoleAssignmentsRequest unknown_user;
  unknown_user.set_user("never-existed");
  CHECK(identity.admin.call(&Stub::ListRoleAssignments, unknown_user).code() == StatusCode::NOT_FOUND);
}

namespace {

// Everything an admin can list, as text: equal texts mean nothing changed.
std::string everything(const IdentityClient& admin) {
  v1::ListProjectsResponse projects = must(admin.list_projects(), "list projects");
  v1::ListUsersResponse users = must(admin.list_users(), "list users");
  v1::ListRoleAssignmentsResponse roles =
      must(admin.call(&Stub::ListRoleAssignments, v1::ListRoleAssignmentsRequest()), "list roles");
  std::string text;
  for (const auto& p : projects.projects())
    text += "project " + p.id() + " " + p.name() + " '" + p.description() + "' " + (p.enabled() ? "on" : "off") + "\n";
  for (const auto& u : users.users())
    text += "user " + u.id() + " " + u.name() + " '" + u.email() + "' " + (u.enabled() ? "on" : "off") + "\n";
  for (const auto& a : roles.assignments()) text += "role " + a.user_id() + " " + a.project_id() + " " + a.role() + "\n";
  return text;
}

struct BadRequest {
  std::string what;
  StatusCode expected;
  std::function<grpc::Status()> send;
};

}  // namespace

TEST_CASE("bad input is refused with the right code and changes nothing", "[identity][validation]") {
  IdentityService identity;
  const IdentityClient& admin = identity.admin;
  must(admin.create_project("web"), "creating project web");
  create_user_with_role(admin, "mia", "Mia-Pass-12", "web", "member");
  const std::string uuid_name = stratus::auth::random_uuid();
  const std::string unknown_id = stratus::auth::random_uuid();
  const std::string name_65(65, 'n');

  auto project = [&](const std::string& name) { return [&admin, name] { return admin.create_project(name).status; }; };
  auto user = [&](const std::string& name, const std::string& password) {
    return [&admin, name, password] { return admin.create_user(name, password).status; };
  };
  auto role = [&](const std::string& u, const std::string& p, const std::string& r) {
    return [&admin, u, p, r] { return admin.add_role(u, p, r).status; };
  };
  auto by_id = [&](auto method, auto request) { return [&admin, method, request] { return admin.call(method, request).status; }; };
  v1::RoleRequest remove_missing_role;
  remove_missing_role.set_user("mia");
  remove_missing_role.set_project("web");
  remove_missing_role.set_role("reader");
  v1::DeleteUserRequest delete_unknown_user;
  delete_unknown_user.set_user(unknown_id);
  v1::DeleteProjectRequest delete_unknown_project;
  delete_unknown_project.set_project(unknown_id);
  v1::UpdateUserRequest update_unknown_user;
  update_unknown_user.set_user(unknown_id);
  update_unknown_user.set_email("x@example.com");
  v1::SetPasswordRequest password_of_unknown_user;
  password_of_unknown_user.set_user(unknown_id);
  password_of_unknown_user.set_new_password("Fresh-Pass-123");

  std::vector<BadRequest> cases = {
      {"project with an empty name", StatusCode::INVALID_ARGUMENT, project("")},
      {"project with a 65-character name", StatusCode::INVALID_ARGUMENT, project(name_65)},
      {"project named like a UUID", StatusCode::INVALID_ARGUMENT, project(uuid_name)},
      {"project name with a leading space", StatusCode::INVALID_ARGUMENT, project(" web2")},
      {"duplicate project name", StatusCode::ALREADY_EXISTS, project("web")},
      {"user with an empty name", StatusCode::INVALID_ARGUMENT, user("", "Good-Pass-123")},
      {"user with a 65-character name", StatusCode::INVALID_ARGUMENT, user(name_65, "Good-Pass-123")},
      {"user named like a UUID", StatusCode::INVALID_ARGUMENT, user(uuid_name, "Good-Pass-123")},
      {"duplicate user name", StatusCode::ALREADY_EXISTS, user("mia", "Good-Pass-123")},
      {"password shorter than 8", StatusCode::INVALID_ARGUMENT, user("newbie", "Ab1-x")},
      {"password of one character class", StatusCode::INVALID_ARGUMENT, user("newbie", "onlylowercaseletters")},
      {"password containing the user name", StatusCode::INVALID_ARGUMENT, user("newbie", "newbie-Pass-1")},
      {"empty password", StatusCode::INVALID_ARGUMENT, user("newbie", "")},
      {"unknown role", StatusCode::INVALID_ARGUMENT, role("mia", "web", "owner")},
      {"role for an unknown user id", StatusCode::NOT_FOUND, role(unknown_id, "web", "member")},
      {"role for an unknown user name", StatusCode::NOT_FOUND, role("ghost", "web", "member")},
      {"role on an unknown project id", StatusCode::NOT_FOUND, role("mia", unknown_id, "member")},
      {"duplicate role", StatusCode::ALREADY_EXISTS, role("mia", "web", "member")},
      {"removing a role not held", StatusCode::NOT_FOUND, by_id(&Stub::RemoveRole, remove_missing_role)},
      {"get an unknown project id", StatusCode::NOT_FOUND, by_id(&Stub::GetProject, get_project(unknown_id))},
      {"get an unknown user id", StatusCode::NOT_FOUND, by_id(&Stub::GetUser, get_user(unknown_id))},
      {"delete an unknown user id", StatusCode::NOT_FOUND, by_id(&Stub::DeleteUser, delete_unknown_user)},
      {"delete an unknown project id", StatusCode::NOT_FOUND, by_id(&Stub::DeleteProject, delete_unknown_project)},
      {"update an unknown user id", StatusCode::NOT_FOUND, by_id(&Stub::UpdateUser, update_unknown_user)},
      {"password of an unknown user id", StatusCode::NOT_FOUND, by_id(&Stub::SetPassword, password_of_unknown_user)},
  };

  const std::string before = everything(admin);
  for (const auto& bad : cases) {
    INFO(bad.what);
    grpc::Status status = bad.send();
    INFO(describe(status));
    CHECK(status.error_code() == bad.expected);
    CHECK(!status.error_message().empty());
    CHECK(everything(admin) == before);
  }
  // The boundary itself is fine: 64 characters.
  CHECK(admin.create_project(std::string(64, 'n')).ok());
}

TEST_CASE("16 concurrent creations of one user name: exactly one succeeds, the rest ALREADY_EXISTS",
          "[identity][concurrency]") {
  IdentityService identity;
  constexpr int kThreads = 16;
  std::promise<void> go;
  std::shared_future<void> start = go.get_future().share();
  std::vector<std::future<grpc::Status>> results;
  for (int i = 0; i < kThreads; ++i) {
    results.push_back(std::async(std::launch::async, [&identity, start] {
      start.wait();  // all at once, to race for the name
      return identity.admin.create_user("same-name", "Same-Pass-123").status;
    }));
  }
  go.set_value();
  int created = 0, already_exists = 0;
  std::vector<std::string> other;
  for (auto& result : results) {
    grpc::Status status = result.get();
    if (status.ok()) ++created;
    else if (status.error_code() == StatusCode::ALREADY_EXISTS) ++already_exists;
    else other.push_back(describe(status));
  }
  CHECK(other == std::vector<std::string>{});
  CHECK(created == 1);
  CHECK(already_exists == kThreads - 1);
  CHECK(user_names(must(identity.admin.list_users(), "list users")) ==
        std::vector<std::string>{"admin", "same-name"});
}

TEST_CASE("16 concurrent creations of different projects all succeed", "[identity][concurrency]") {
  IdentityService identity;
  constexpr int kThreads = 16;
  std::promise<void> go;
  std::shared_future<void> start = go.get_future().share();
  std::vector<std::future<grpc::Status>> results;
  std::vector<std::string> expected{"admin"};
  for (int i = 0; i < kThreads; ++i) {
    std::string name = "project-" + std::string(i < 10 ? "0" : "") + std::to_string(i);
    expected.push_back(name);
    results.push_back(std::async(std::launch::async, [&identity, start, name] {
      start.wait();
      return identity.admin.create_project(name).status;
    }));
  }
  go.set_value();
  std::vector<std::string> failures;
  for (auto& result : results) {
    grpc::Status status = result.get();
    if (!status.ok()) failures.push_back(describe(status));
  }
  CHECK(failures == std::vector<std::string>{});
  CHECK(project_names(must(identity.admin.list_projects(), "list projects")) == expected);
}
