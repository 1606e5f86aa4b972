#pragma once
// Whether a project exists: asked before an image is shared with it, so a share cannot name a
// project that is not there (a typo would otherwise wait for a project that never comes).
#include <memory>
#include <string>

namespace stratus::identity_client {
class IdentityConnection;
}

namespace stratus::image {

class ProjectDirectory {
 public:
  virtual ~ProjectDirectory() = default;
  // `project_id` is a lower-case UUID. UNAVAILABLE when the answer cannot be had.
  virtual bool exists(const std::string& project_id) = 0;
};

// Identity's GetProject with the service's own token (the service user has the admin role).
std::unique_ptr<ProjectDirectory> identity_project_directory(identity_client::IdentityConnection& identity);

}  // namespace stratus::image
