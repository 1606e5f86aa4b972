#pragma once
// The one policy check every service uses.
//   reader: may read its own project's resources
//   member: may read and change its own project's resources
//   admin:  may do anything, in any project
#include <string>

#include "common/auth/token.h"

namespace stratus::auth {

enum class Access { Read, Write };

inline const char* const kRoleAdmin = "admin";
inline const char* const kRoleMember = "member";
inline const char* const kRoleReader = "reader";
bool is_known_role(const std::string& role);

// Who is calling: the verified claims of the request's token.
struct Caller {
  TokenClaims claims;
  bool has_role(const std::string& role) const;
  bool is_admin() const { return has_role(kRoleAdmin); }
  const std::string& project_id() const { return claims.project_id; }
  const std::string& user_id() const { return claims.user_id; }
};

bool allowed(const Caller& caller, const std::string& project_id, Access access);
// Throws stratus::Error(PermissionDenied) with a message that says what was needed.
void authorize(const Caller& caller, const std::string& project_id, Access access);
void require_admin(const Caller& caller, const std::string& what);

}  // namespace stratus::auth
