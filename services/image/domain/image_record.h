#pragma once
// An image as the service keeps it: the record the store reads and writes and the rules and
// use cases reason about. Times are unix seconds.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace stratus::image {

enum class ImageStatus { Queued, Saving, Active, Killed, Deleted };
enum class Visibility { Public, Private, Shared };
// A share is an offer: pending until the receiving project accepts it; it may reject it
// (and accept later). Only accepted shares are in the receiver's default list and names.
enum class MemberStatus { Pending, Accepted, Rejected };

struct Membership {
  std::string project_id;
  MemberStatus status = MemberStatus::Pending;
};

struct ImageRecord {
  std::string id;
  std::string name;
  std::string owner;  // project id
  ImageStatus status = ImageStatus::Queued;
  Visibility visibility = Visibility::Private;
  std::string disk_format;
  std::string container_format;
  uint64_t size = 0;   // the declared size while saving, the stored size once active
  std::string sha256;  // hex, once active
  uint32_t min_disk = 0;
  uint32_t min_ram = 0;
  bool is_protected = false;
  std::string kernel_id;
  std::string ramdisk_id;
  std::map<std::string, std::string> properties;
  std::vector<Membership> members;  // the projects it is offered to or shared with (owner, admin)
  std::string viewer_member_status;  // as seen by a member: its own membership's status
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t created_at_us = 0;  // the ordering key of list pages
};

}  // namespace stratus::image
