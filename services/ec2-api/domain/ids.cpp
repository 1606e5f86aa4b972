#include "services/ec2-api/domain/ids.h"

#include <cctype>
#include <stdexcept>

namespace stratus::ec2 {
namespace {

// 32 lower-case hex digits of a UUID, or "" when it is none.
std::string hex_of_uuid(const std::string& uuid) {
  std::string hex;
  for (size_t i = 0; i < uuid.size(); ++i) {
    char c = uuid[i];
    bool dash_position = uuid.size() == 36 && (i == 8 || i == 13 || i == 18 || i == 23);
    if (dash_position) {
      if (c != '-') return "";
      continue;
    }
    if (!std::isxdigit(static_cast<unsigned char>(c))) return "";
    hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return hex.size() == 32 && (uuid.size() == 32 || uuid.size() == 36) ? hex : "";
}

}  // namespace

const char* id_prefix(IdKind kind) {
  switch (kind) {
    case IdKind::Instance: return "i";
    case IdKind::Image: return "ami";
    case IdKind::Kernel: return "aki";
    case IdKind::Ramdisk: return "ari";
    case IdKind::Volume: return "vol";
    case IdKind::Snapshot: return "snap";
    case IdKind::SecurityGroup: return "sg";
    case IdKind::KeyPair: return "key";
    case IdKind::Allocation: return "eipalloc";
    case IdKind::Association: return "eipassoc";
    case IdKind::Reservation: return "r";
  }
  return "?";
}

std::string to_ec2_id(IdKind kind, const std::string& uuid) {
  std::string hex = hex_of_uuid(uuid);
  if (hex.empty()) throw std::invalid_argument("not a UUID: " + uuid.substr(0, 40));
  return std::string(id_prefix(kind)) + "-" + hex;
}

std::string uuid_of(IdKind kind, const std::string& id) {
  std::string prefix = std::string(id_prefix(kind)) + "-";
  if (id.size() != prefix.size() + 32 || id.compare(0, prefix.size(), prefix) != 0) return "";
  std::string hex = hex_of_uuid(id.substr(prefix.size()));
  if (hex.empty() || hex != id.substr(prefix.size())) return "";  // lower case only, as we print them
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

std::string image_uuid_of(const std::string& id) {
  for (auto kind : {IdKind::Image, IdKind::Kernel, IdKind::Ramdisk}) {
    auto uuid = uuid_of(kind, id);
    if (!uuid.empty()) return uuid;
  }
  return "";
}

IdKind image_kind(const std::string& disk_format) {
  if (disk_format == "aki") return IdKind::Kernel;
  if (disk_format == "ari") return IdKind::Ramdisk;
  return IdKind::Image;
}

}  // namespace stratus::ec2
