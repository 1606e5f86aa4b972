#include "common/auth/policy.h"

#include <algorithm>

#include "common/error/error.h"

namespace stratus::auth {

bool is_known_role(const std::string& role) {
  return role == kRoleAdmin || role == kRoleMember || role == kRoleReader || is_machine_role(role);
}

bool is_machine_role(const std::string& role) { return role == kRoleService || role == kRoleAgent; }

bool Caller::has_role(const std::string& role) const {
  return std::find(claims.roles.begin(), claims.roles.end(), role) != claims.roles.end();
}

bool allowed(const Caller& caller, const std::string& project_id, Access access) {
  if (caller.acts_for_any_project()) return true;
  if (project_id != caller.project_id()) return false;
  if (access == Access::Read) return caller.has_role(kRoleMember) || caller.has_role(kRoleReader);
  return caller.has_role(kRoleMember);
}

void authorize(const Caller& caller, const std::string& project_id, Access access) {
  if (allowed(caller, project_id, access)) return;
  if (project_id != caller.project_id())
    throw permission_denied("your token is scoped to project " + caller.claims.project_name +
                            " and does not grant access to another project's resources");
  throw permission_denied(access == Access::Write ? "changing resources needs the member or admin role"
                                                  : "reading resources needs the reader, member or admin role");
}

void require_admin(const Caller& caller, const std::string& what) {
  if (!caller.is_admin()) throw permission_denied(what + " needs the admin role");
}

void require_service(const Caller& caller, const std::string& what) {
  if (!caller.acts_for_any_project()) throw permission_denied(what + " is done by the cloud's services, not by users");
}

void require_agent_of(const Caller& caller, const std::string& host, const std::string& what) {
  if (caller.acts_for_any_project()) return;
  std::string own = caller.agent_host();
  if (!caller.has_role(kRoleAgent)) throw permission_denied(what + " is for the hypervisor agents only");
  if (own.empty()) throw permission_denied("this agent credential names no host");
  if (own != host) throw permission_denied("the agent of host " + own + " may not act for host " + host);
}

void require_agent(const Caller& caller, const std::string& what) {
  if (caller.acts_for_any_project() || caller.has_role(kRoleAgent)) return;
  throw permission_denied(what + " is for the hypervisor agents only");
}

}  // namespace stratus::auth
