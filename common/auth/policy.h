#pragma once
// The one policy check every service uses.
//   reader:  may read its own project's resources
//   member:  may read and change its own project's resources
//   admin:   may do anything, in any project (docs/identity.md: cloud-wide)
//   service: a Stratus service calling another on behalf of users (compute creating a
//            user's ports): may act on any project's resources, but manages no identities
//   agent:   a hypervisor agent; its token names its host (TokenClaims::host) and the
//            agent-facing APIs answer it only about that host
#include <string>

#include "common/auth/token.h"

namespace stratus::auth {

enum class Access { Read, Write };

inline const char* const kRoleAdmin = "admin";
inline const char* const kRoleMember = "member";
inline const char* const kRoleReader = "reader";
inline const char* const kRoleService = "service";
inline const char* const kRoleAgent = "agent";
bool is_known_role(const std::string& role);
// service and agent: credentials of the cloud's own processes, which failed password logins
// never lock out (their passwords are long random secrets; see docs/identity.md).
bool is_machine_role(const std::string& role);

// Who is calling: the verified claims of the request's token.
struct Caller {
  TokenClaims claims;
  bool has_role(const std::string& role) const;
  bool is_admin() const { return has_role(kRoleAdmin); }
  bool is_service() const { return has_role(kRoleService); }
  // Admins and services act on any project's resources.
  bool acts_for_any_project() const { return is_admin() || is_service(); }
  // The host an agent is confined to; empty when the caller is no agent (or names no host).
  std::string agent_host() const { return has_role(kRoleAgent) ? claims.host : std::string(); }
  const std::string& project_id() const { return claims.project_id; }
  const std::string& user_id() const { return claims.user_id; }
};

bool allowed(const Caller& caller, const std::string& project_id, Access access);
// Throws stratus::Error(PermissionDenied) with a message that says what was needed.
void authorize(const Caller& caller, const std::string& project_id, Access access);
void require_admin(const Caller& caller, const std::string& what);
// Admin or service (e.g. binding a port to a host: only compute does that).
void require_service(const Caller& caller, const std::string& what);
// The agent of `host` (or a service or admin, who may act for any host). An agent of another
// host, or a user, is refused: a compromised hypervisor learns nothing about the others.
void require_agent_of(const Caller& caller, const std::string& host, const std::string& what);
// Agent-facing calls that take no host: an agent (of any host), a service or an admin.
void require_agent(const Caller& caller, const std::string& what);

}  // namespace stratus::auth
