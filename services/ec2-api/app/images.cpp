// DescribeImages over the image service: what the caller may see (own, public, shared).
#include "services/ec2-api/app/actions.h"
#include "services/ec2-api/domain/ec2_error.h"
#include "services/ec2-api/domain/ids.h"

namespace stratus::ec2 {
namespace {

namespace img = cloud::image::v1;
const ResourceKind kImage{"InvalidAMIID", "image"};

std::string ec2_state(const std::string& status) {
  if (status == "active") return "available";
  if (status == "killed") return "failed";
  if (status == "deleted") return "deregistered";
  return "pending";  // queued, saving
}

std::string ec2_image_type(const img::Image& i) {
  auto kind = image_kind(i.disk_format());
  return kind == IdKind::Kernel ? "kernel" : kind == IdKind::Ramdisk ? "ramdisk" : "machine";
}

std::string ec2_image_id(const img::Image& i) { return to_ec2_id(image_kind(i.disk_format()), i.id()); }

void image_item(pugi::xml_node set, const img::Image& i) {
  auto item = set.append_child("item");
  add_text(item, "imageId", ec2_image_id(i));
  add_text(item, "imageLocation", i.owner() + "/" + i.name());
  add_text(item, "imageState", ec2_state(i.status()));
  add_text(item, "imageOwnerId", i.owner());
  add_text(item, "creationDate", iso8601(i.created_at().seconds()));
  add_bool(item, "isPublic", i.visibility() == "public");
  add_text(item, "architecture", "x86_64");
  add_text(item, "imageType", ec2_image_type(i));
  if (!i.kernel_id().empty()) add_text(item, "kernelId", to_ec2_id(IdKind::Kernel, i.kernel_id()));
  if (!i.ramdisk_id().empty()) add_text(item, "ramdiskId", to_ec2_id(IdKind::Ramdisk, i.ramdisk_id()));
  add_text(item, "name", i.name());
  if (auto d = i.properties().find("description"); d != i.properties().end()) add_text(item, "description", d->second);
  add_text(item, "rootDeviceType", "instance-store");
  add_text(item, "rootDeviceName", "/dev/vda");
  item.append_child("blockDeviceMapping");
  add_text(item, "virtualizationType", "hvm");
  add_text(item, "hypervisor", "kvm");
  add_text(item, "platformDetails", "Linux/UNIX");
  add_text(item, "usageOperation", "RunInstances");
  item.append_child("tagSet");
}

}  // namespace

void Actions::describe_images(const ActionContext& c) const {
  auto image_ids = c.params.list("ImageId");
  auto owners = c.params.list("Owner");
  c.params.list("ExecutableBy");  // validated; everything listed is executable by the caller
  FilterSet filters(c.params.filters(),
                    {"name", "image-id", "is-public", "owner-id", "state", "image-type", "architecture"});
  std::vector<img::Image> images;
  try {
    if (!image_ids.empty()) {
      for (const auto& id : image_ids) {
        std::string uuid = image_uuid_of(id);
        if (uuid.empty()) throw Ec2Error("InvalidAMIID.Malformed", "Invalid id: \"" + echo(id) + "\"");
        img::GetImageRequest request;
        request.set_image(uuid);
        try {
          images.push_back(call(backends_, *backends_.images, &img::Images::Stub::GetImage, request, c.requester.token,
                                "reading an image"));
        } catch (const Error& e) {
          if (e.code() == ErrorCode::NotFound)
            throw Ec2Error("InvalidAMIID.NotFound", "The image id '[" + echo(id) + "]' does not exist");
          throw;
        }
      }
    } else {
      images = call_all_pages(backends_, *backends_.images, &img::Images::Stub::ListImages, img::ListImagesRequest(),
                              &img::ListImagesResponse::images, c.requester.token, "listing images");
    }
  } catch (const Error& e) {
    throw from_service_error(e, kImage);
  }
  auto set = c.response.append_child("imagesSet");
  for (const auto& i : images) {
    if (i.status() == "deleted") continue;
    if (!owners.empty()) {
      bool owned = std::any_of(owners.begin(), owners.end(), [&](const std::string& o) {
        return o == i.owner() || (o == "self" && i.owner() == c.requester.project_id);
      });
      if (!owned) continue;
    }
    bool match = filters.matches([&](const std::string& name) -> std::vector<std::string> {
      if (name == "name") return {i.name()};
      if (name == "image-id") return {ec2_image_id(i)};
      if (name == "is-public") return {i.visibility() == "public" ? "true" : "false"};
      if (name == "owner-id") return {i.owner()};
      if (name == "state") return {ec2_state(i.status())};
      if (name == "image-type") return {ec2_image_type(i)};
      return {"x86_64"};
    });
    if (match) image_item(set, i);
  }
}

}  // namespace stratus::ec2
