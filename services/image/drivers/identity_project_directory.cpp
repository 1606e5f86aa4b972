#include <chrono>

#include "common/error/error.h"
#include "common/identity_client/identity_client.h"
#include "services/image/drivers/project_directory.h"

namespace stratus::image {
namespace {

class IdentityProjectDirectory : public ProjectDirectory {
 public:
  explicit IdentityProjectDirectory(identity_client::IdentityConnection& identity) : identity_(identity) {}

  bool exists(const std::string& project_id) override {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    context.AddMetadata("authorization", "Bearer " + identity_.service_token());
    cloud::identity::v1::GetProjectRequest request;
    request.set_project(project_id);
    cloud::identity::v1::Project project;
    auto status = identity_.stub().GetProject(&context, request, &project);
    if (status.ok()) return true;
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) return false;
    throw unavailable("identity could not confirm project " + project_id + ": " + echo(status.error_message()));
  }

 private:
  identity_client::IdentityConnection& identity_;
};

}  // namespace

std::unique_ptr<ProjectDirectory> identity_project_directory(identity_client::IdentityConnection& identity) {
  return std::make_unique<IdentityProjectDirectory>(identity);
}

}  // namespace stratus::image
