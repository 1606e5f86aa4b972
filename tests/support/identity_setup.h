#pragma once
// What the tests of services other than identity need from a real identity process: an
// identity whose bootstrap admin they know, services using that admin as their service user,
// logins, and fresh projects with a user holding a role.
#include <memory>
#include <string>

#include "identity/v1/identity.grpc.pb.h"
#include "tests/support/service_process.h"

namespace stratus::test_support {

inline const std::string kBootstrapAdminPassword = "Bootstrap-Admin-Pw-7";
inline const std::string kMemberPassword = "Tenant-Password-93q";  // of create_member's users

// An identity process on `db_url` whose bootstrap admin is admin/kBootstrapAdminPassword.
ServiceOptions identity_service_options(const std::string& identity_binary, const std::string& db_url);
// Makes a service trust `identity_address` and log in to it as the bootstrap admin.
void use_admin_as_service_user(ServiceOptions& options, const std::string& identity_address);

// "name-1a2b3c": unique per call, so that tests sharing one cloud do not collide.
std::string unique_name(const std::string& name);

class IdentitySetup {
 public:
  explicit IdentitySetup(const std::string& identity_address);

  // Throws std::runtime_error naming the step when identity refuses.
  std::string login(const std::string& user, const std::string& password, const std::string& project) const;
  const std::string& admin_token() const { return admin_token_; }
  const std::string& admin_project_id() const { return admin_project_id_; }

  struct Member {
    std::string project_id, project_name, user_name, token;
  };
  // A new project (named exactly `project_name`) with a user holding `role` on it, logged in.
  Member create_member(const std::string& project_name, const std::string& role = "member") const;
  // A user of the cloud's own processes (role "service" or "agent") on project `project`
  // (made when absent), with `password`; `host` for an agent user. Logged in.
  Member create_machine_user(const std::string& user_name, const std::string& role, const std::string& project,
                             const std::string& password, const std::string& host = "") const;
  cloud::identity::v1::Identity::Stub& stub() const { return *stub_; }

 private:
  std::unique_ptr<cloud::identity::v1::Identity::Stub> stub_;
  std::string admin_token_;
  std::string admin_project_id_;
};

}  // namespace stratus::test_support
