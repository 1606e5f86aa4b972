// Commands of the identity service: login, whoami, logout, token, project, user, role,
// access-key, catalog. Handlers only turn arguments into requests and responses into output.
#include <chrono>

#include "identity/v1/identity.grpc.pb.h"
#include "tools/cloudctl/commands.h"
#include "tools/cloudctl/handler_support.h"
#include "tools/cloudctl/console.h"
#include "tools/cloudctl/output.h"
#include "tools/cloudctl/session.h"

namespace stratus::cloudctl {

namespace {

namespace id = cloud::identity::v1;
using Stub = id::Identity::Stub;

std::string stdin_line(CommandContext& ctx, const std::string& what) {
  auto line = ctx.console.read_line();
  if (!line || line->empty()) throw UsageError("expected " + what + " on stdin");
  return *line;
}

// A new password typed twice on a terminal, so a typo does not lock anyone out.
std::optional<std::string> ask_new_password(CommandContext& ctx, const std::string& whose) {
  auto first = ctx.console.ask_secret("New password for " + whose + ": ");
  if (!first) return std::nullopt;
  auto again = ctx.console.ask_secret("Repeat the password: ");
  if (!again || *again != *first) throw UsageError("the two passwords differ");
  return first;
}

// ---- login, whoami, logout, token ----

std::string login_password(CommandContext& ctx, const std::string& username) {
  if (ctx.args.flag("password-stdin")) return stdin_line(ctx, "the password");
  const Profile& profile = ctx.session.profile();
  if (username == profile.username && profile.password) return *profile.password;
  if (auto typed = ctx.console.ask_secret("Password for " + username + ": ")) return *typed;
  throw UsageError("no password: use --password-stdin, set CLOUD_PASSWORD, or run on a terminal");
}

std::string expiry_text(const id::TokenInfo& info) { return field_text(info, "expires_at"); }

void login(CommandContext& ctx) {
  const Profile& profile = ctx.session.profile();
  std::string username = ctx.args.value_or("username", profile.username);
  if (username.empty()) throw UsageError("no username: give --username or set `username` in the profile");
  std::string project = ctx.args.value_or("project", profile.project);
  id::Token token = ctx.session.login(username, login_password(ctx, username), project);
  const id::TokenInfo& info = token.info();
  if (ctx.output.json()) return ctx.output.object(info);  // never the bearer string itself
  ctx.output.text("Logged in as " + info.user_name() + " to project " + info.project_name() + " with roles " +
                   field_text(info, "roles") + "; the token expires at " + expiry_text(info) + ".");
}

void whoami(CommandContext& ctx) {
  auto stub = id::Identity::NewStub(ctx.session.channel_for("identity"));
  std::function<id::ValidateTokenRequest(const std::string&)> about = [](const std::string& bearer) {
    id::ValidateTokenRequest request;
    request.set_token(bearer);
    return request;
  };
  ctx.output.object(ctx.session.call_about_token("identity", *stub, &Stub::ValidateToken, about));
}

void logout(CommandContext& ctx) {
  bool had_token = ctx.session.logout();
  ctx.output.text(had_token ? "Logged out of profile " + ctx.session.profile().name + "."
                            : "Not logged in with profile " + ctx.session.profile().name + ".");
}

void token_issue(CommandContext& ctx) {
  id::Token token = ctx.session.reissue(ctx.args.value_or("project", ""));
  // Printing the bearer string on stdout is the purpose of this command.
  ctx.output.object(token, {"token", "info.expires_at", "info.project_name", "info.user_name"});
}

void token_revoke(CommandContext& ctx) {
  id::RevokeTokenRequest request;
  request.set_token(argument(ctx, 0));
  call_service(ctx, "identity", &Stub::RevokeToken, request);
}

// ---- projects ----

void project_create(CommandContext& ctx) {
  id::CreateProjectRequest request;
  request.set_name(argument(ctx, 0));
  request.set_description(ctx.args.value_or("description", ""));
  ctx.output.object(call_service(ctx, "identity", &Stub::CreateProject, request));
}

void project_list(CommandContext& ctx) {
  auto response = call_service(ctx, "identity", &Stub::ListProjects, id::ListProjectsRequest());
  ctx.output.list(response.projects(), {"id", "name", "enabled", "description"});
}

void project_show(CommandContext& ctx) {
  id::GetProjectRequest request;
  request.set_project(argument(ctx, 0));
  ctx.output.object(call_service(ctx, "identity", &Stub::GetProject, request));
}

void project_delete(CommandContext& ctx) {
  id::DeleteProjectRequest request;
  request.set_project(argument(ctx, 0));
  call_service(ctx, "identity", &Stub::DeleteProject, request);
}

// ---- users ----

void user_create(CommandContext& ctx) {
  const std::string& name = argument(ctx, 0);
  auto given = ctx.args.value("password");
  if (given && ctx.args.flag("password-stdin")) throw UsageError("give --password or --password-stdin, not both");
  // Kept for old scripts, but a command line is visible to every user of the machine (ps).
  if (given) ctx.output.note("warning: --password is visible to other users (ps, shell history); use --password-stdin or the prompt");
  std::optional<std::string> password = given;
  if (!password && ctx.args.flag("password-stdin")) password = stdin_line(ctx, "the password");
  if (!password) password = ask_new_password(ctx, name);
  if (!password) throw UsageError("a password is required: --password-stdin (one line), or run it on a terminal to be asked");
  id::CreateUserRequest request;
  request.set_name(name);
  request.set_password(*password);
  request.set_email(ctx.args.value_or("email", ""));
  request.set_host(ctx.args.value_or("host", ""));
  ctx.output.object(call_service(ctx, "identity", &Stub::CreateUser, request));
}

void user_list(CommandContext& ctx) {
  auto response = call_service(ctx, "identity", &Stub::ListUsers, id::ListUsersRequest());
  ctx.output.list(response.users(), {"id", "name", "email", "enabled"});
}

void user_show(CommandContext& ctx) {
  id::GetUserRequest request;
  request.set_user(argument(ctx, 0));
  ctx.output.object(call_service(ctx, "identity", &Stub::GetUser, request));
}

void user_delete(CommandContext& ctx) {
  id::DeleteUserRequest request;
  request.set_user(argument(ctx, 0));
  call_service(ctx, "identity", &Stub::DeleteUser, request);
}

void user_set(CommandContext& ctx) {
  if (ctx.args.flag("enable") && ctx.args.flag("disable")) throw UsageError("give --enable or --disable, not both");
  id::UpdateUserRequest request;
  request.set_user(argument(ctx, 0));
  if (auto name = ctx.args.value("name")) request.set_name(*name);
  if (auto email = ctx.args.value("email")) request.set_email(*email);
  if (ctx.args.flag("enable") || ctx.args.flag("disable")) request.set_enabled(ctx.args.flag("enable"));
  if (!request.has_name() && !request.has_email() && !request.has_enabled())
    throw UsageError("nothing to change: give --name, --email, --enable or --disable");
  ctx.output.object(call_service(ctx, "identity", &Stub::UpdateUser, request));
}

// Your own password needs the current one: from the first stdin line with
// --current-password-stdin (the new one then comes on the second with --password-stdin),
// else asked on the terminal, else the profile's stored password.
std::string current_password(CommandContext& ctx) {
  if (ctx.args.flag("current-password-stdin")) return stdin_line(ctx, "the current password");
  if (auto typed = ctx.console.ask_secret("Current password: ")) return *typed;
  if (auto stored = ctx.session.profile().password) return *stored;
  throw UsageError("changing your own password needs the current one: --current-password-stdin");
}

void user_set_password(CommandContext& ctx) {
  const std::string& user = argument(ctx, 0);
  ctx.session.bearer();  // log in first, so we know who "you" are
  auto cached = ctx.session.cached_token();
  bool own = cached && cached->username == user;
  id::SetPasswordRequest request;
  request.set_user(user);
  if (own || ctx.args.flag("current-password-stdin")) request.set_current_password(current_password(ctx));
  std::optional<std::string> new_password;
  if (ctx.args.flag("password-stdin")) new_password = stdin_line(ctx, "the new password");
  if (!new_password) new_password = ask_new_password(ctx, user);
  if (!new_password) throw UsageError("a new password is required: --password-stdin");
  request.set_new_password(*new_password);
  call_service(ctx, "identity", &Stub::SetPassword, request);
  if (own && ctx.session.profile().password)
    ctx.output.note("Update the password of profile " + ctx.session.profile().name + " in its credentials too.");
}

// ---- roles ----

id::RoleRequest role_request(CommandContext& ctx) {
  id::RoleRequest request;
  request.set_user(required_option(ctx, "user"));
  request.set_project(required_option(ctx, "project"));
  request.set_role(argument(ctx, 0));
  return request;
}

void role_add(CommandContext& ctx) { ctx.output.object(call_service(ctx, "identity", &Stub::AddRole, role_request(ctx))); }

void role_remove(CommandContext& ctx) { call_service(ctx, "identity", &Stub::RemoveRole, role_request(ctx)); }

void role_list(CommandContext& ctx) {
  id::ListRoleAssignmentsRequest request;
  request.set_user(ctx.args.value_or("user", ""));
  request.set_project(ctx.args.value_or("project", ""));
  auto response = call_service(ctx, "identity", &Stub::ListRoleAssignments, request);
  ctx.output.list(response.assignments(), {"user_name", "project_name", "role"});
}

// ---- access keys ----

void access_key_create(CommandContext& ctx) {
  auto created = call_service(ctx, "identity", &Stub::CreateAccessKey, id::CreateAccessKeyRequest());
  ctx.output.object(created, {"key.access_key_id", "secret", "key.project_id", "key.created_at"});
  ctx.output.note("The secret is shown only this once: store it now.");
}

void access_key_list(CommandContext& ctx) {
  auto response = call_service(ctx, "identity", &Stub::ListAccessKeys, id::ListAccessKeysRequest());
  ctx.output.list(response.keys(), {"access_key_id", "user_id", "project_id", "created_at"});
}

void access_key_delete(CommandContext& ctx) {
  id::DeleteAccessKeyRequest request;
  request.set_access_key_id(argument(ctx, 0));
  call_service(ctx, "identity", &Stub::DeleteAccessKey, request);
}

// ---- catalog ----

void catalog_list(CommandContext& ctx) {
  auto response = call_service(ctx, "identity", &Stub::ListEndpoints, id::ListEndpointsRequest());
  ctx.output.list(response.endpoints(), {"service", "url", "region", "updated_at"});
}

void catalog_register(CommandContext& ctx) {
  id::RegisterEndpointRequest request;
  request.set_service(argument(ctx, 0));
  request.set_url(argument(ctx, 1));
  request.set_region(ctx.args.value_or("region", ""));
  ctx.output.object(call_service(ctx, "identity", &Stub::RegisterEndpoint, request));
}

}  // namespace

void add_identity_commands(CommandTable& table) {
  // words, arguments, optional arguments, options, options usage, summary, handler
  table.add({{"login"}, {}, {}, {value_option("username"), value_option("project"), flag_option("password-stdin")},
             "[--username U] [--project P] [--password-stdin]", "log in and cache a token for the profile", login});
  table.add({{"whoami"}, {}, {}, {}, "", "show the user, project, roles and expiry of the token", whoami});
  table.add({{"logout"}, {}, {}, {}, "", "revoke the cached token and forget it", logout});
  table.add({{"token", "issue"}, {}, {}, {value_option("project")}, "[--project P]",
             "print a new token (a secret) for scripts", token_issue});
  table.add({{"token", "revoke"}, {"TOKEN"}, {}, {}, "", "revoke a token", token_revoke});

  table.add({{"project", "create"}, {"NAME"}, {}, {value_option("description")}, "[--description D]",
             "create a project", project_create});
  table.add({{"project", "list"}, {}, {}, {}, "", "list projects", project_list});
  table.add({{"project", "show"}, {"PROJECT"}, {}, {}, "", "show a project", project_show});
  table.add({{"project", "delete"}, {"PROJECT"}, {}, {}, "", "delete a project", project_delete});

  table.add({{"user", "create"}, {"NAME"}, {},
             {value_option("password"), flag_option("password-stdin"), value_option("email"), value_option("host")},
             "[--password-stdin] [--email E] [--host HOST]",
             "create a user (asks for the password on a terminal; --host: an agent user confined to HOST)",
             user_create});
  table.add({{"user", "list"}, {}, {}, {}, "", "list users", user_list});
  table.add({{"user", "show"}, {"USER"}, {}, {}, "", "show a user", user_show});
  table.add({{"user", "delete"}, {"USER"}, {}, {}, "", "delete a user", user_delete});
  table.add({{"user", "set"}, {"USER"}, {}, {value_option("name"), value_option("email"), flag_option("enable"), flag_option("disable")},
             "[--name N] [--email E] [--enable | --disable]", "change a user", user_set});
  table.add({{"user", "set-password"}, {"USER"}, {}, {flag_option("password-stdin"), flag_option("current-password-stdin")},
             "[--current-password-stdin] [--password-stdin]",
             "set a password; your own needs the current one (stdin: current line first, then new)", user_set_password});

  table.add({{"role", "add"}, {"ROLE"}, {}, {value_option("user"), value_option("project")}, "--user U --project P",
             "give a user a role on a project: reader, member, admin (cloud-wide!), or for the cloud's own "
             "processes service, agent",
             role_add});
  table.add({{"role", "remove"}, {"ROLE"}, {}, {value_option("user"), value_option("project")}, "--user U --project P",
             "take a role away", role_remove});
  table.add({{"role", "list"}, {}, {}, {value_option("user"), value_option("project")}, "[--user U] [--project P]",
             "list role assignments", role_list});

  table.add({{"access-key", "create"}, {}, {}, {}, "", "create an access key (the secret is shown once)", access_key_create});
  table.add({{"access-key", "list"}, {}, {}, {}, "", "list your access keys", access_key_list});
  table.add({{"access-key", "delete"}, {"ID"}, {}, {}, "", "delete an access key", access_key_delete});

  table.add({{"catalog", "list"}, {}, {}, {}, "", "list each service's endpoint", catalog_list});
  table.add({{"catalog", "register"}, {"SERVICE", "URL"}, {}, {value_option("region")}, "[--region R]",
             "register a service endpoint (admin)", catalog_register});
}

}  // namespace stratus::cloudctl
