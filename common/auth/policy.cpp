#include "common/auth/policy.h"

#include <algorithm>

#include "common/error/error.h"

namespace stratus::auth {

bool is_known_role(const std::string& role) {
  return role == kRoleAdmin || role == kRoleMember || role == kRoleReader;
}

bool Caller::has_role(const std::string& role) const {
  return std::find(claims.roles.begin(), claims.roles.end(), role) != claims.roles.end();
}

bool allowed(const Caller& caller, const std::string& project_id, Access access) {
  if (caller.is_admin()) return true;
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

}  // namespace stratus::auth
