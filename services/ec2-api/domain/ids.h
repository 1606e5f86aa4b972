#pragma once
// EC2 ids for our UUIDs: the prefix of the resource type and the UUID's 32 hex digits,
// "i-0123456789abcdef0123456789abcdef". The mapping is a bijection without any state: the
// id *is* the UUID, so it is stable across replicas and restarts and needs no table. (AWS's
// own ids have 17 hex digits, which cannot hold 128 bits; no client we know checks the
// length. See docs/ec2-api.md.)
#include <string>

namespace stratus::ec2 {

enum class IdKind { Instance, Image, Kernel, Ramdisk, Volume, Snapshot, SecurityGroup, KeyPair, Allocation, Association, Reservation };

const char* id_prefix(IdKind kind);  // "i", "ami", "aki", ...
// "i-<32 hex>" for a UUID (any case, with or without dashes). Throws std::invalid_argument
// for something that is not a UUID (a bug in a service, never a user's input).
std::string to_ec2_id(IdKind kind, const std::string& uuid);
// The UUID (lower case, with dashes) of an EC2 id of `kind`, or "" when `id` is not one.
std::string uuid_of(IdKind kind, const std::string& id);
// Images: ami-, aki- and ari- all name images; "" when none fits.
std::string image_uuid_of(const std::string& id);
// The EC2 prefix an image gets from its disk format: aki, ari, or ami.
IdKind image_kind(const std::string& disk_format);

}  // namespace stratus::ec2
