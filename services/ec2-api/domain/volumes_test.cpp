#include "services/ec2-api/domain/volumes.h"

#include <catch2/catch.hpp>

#include "services/ec2-api/domain/query.h"

using namespace stratus::ec2;

TEST_CASE("block storage's volume statuses show as EC2's volume states") {
  CHECK(volume_state("CREATING") == "creating");
  CHECK(volume_state("AVAILABLE") == "available");
  CHECK(volume_state("EXTENDING") == "available");
  CHECK(volume_state("RESERVED") == "in-use");
  CHECK(volume_state("ATTACHING") == "in-use");
  CHECK(volume_state("IN_USE") == "in-use");
  CHECK(volume_state("DETACHING") == "in-use");
  CHECK(volume_state("DELETING") == "deleting");
  CHECK(volume_state("DELETED") == "deleted");
  CHECK(volume_state("ERROR") == "error");
  CHECK(volume_state("ERROR_DELETING") == "error");
  CHECK(volume_state("SOMETHING_NEW") == "error");
}

TEST_CASE("the attachment state follows compute's attachment, else the volume's status") {
  CHECK(attachment_state("ATTACHING", "ATTACHING") == "attaching");
  CHECK(attachment_state("IN_USE", "ATTACHED") == "attached");
  CHECK(attachment_state("DETACHING", "DETACHING") == "detaching");
  // Compute moves first (it records, then calls block storage): its word wins.
  CHECK(attachment_state("IN_USE", "DETACHING") == "detaching");
  CHECK(attachment_state("RESERVED", "") == "attaching");
  CHECK(attachment_state("ATTACHING", "") == "attaching");
  CHECK(attachment_state("IN_USE", "") == "attached");
  CHECK(attachment_state("DETACHING", "") == "detaching");
  CHECK(attachment_state("AVAILABLE", "") == "detached");
}

TEST_CASE("snapshots are pending, completed or error, and gone while they are deleted") {
  CHECK(snapshot_state("CREATING") == std::optional<std::string>("pending"));
  CHECK(snapshot_state("AVAILABLE") == std::optional<std::string>("completed"));
  CHECK(snapshot_state("ERROR") == std::optional<std::string>("error"));
  CHECK(snapshot_state("ERROR_DELETING") == std::optional<std::string>("error"));
  CHECK_FALSE(snapshot_state("DELETING"));
  CHECK_FALSE(snapshot_state("DELETED"));
  CHECK(snapshot_progress("completed") == "100%");
  CHECK(snapshot_progress("pending") == "0%");
}

TEST_CASE("EC2 device names name the virtio disk of the same letter") {
  CHECK(virtio_device("/dev/sdf") == std::optional<std::string>("/dev/vdf"));
  CHECK(virtio_device("sdf") == std::optional<std::string>("/dev/vdf"));
  CHECK(virtio_device("/dev/xvdg") == std::optional<std::string>("/dev/vdg"));
  CHECK(virtio_device("xvdp") == std::optional<std::string>("/dev/vdp"));
  CHECK(virtio_device("/dev/vdb") == std::optional<std::string>("/dev/vdb"));
  CHECK(virtio_device("/dev/sdz") == std::optional<std::string>("/dev/vdz"));
  CHECK_FALSE(virtio_device("/dev/sda"));   // the root disk
  CHECK_FALSE(virtio_device("/dev/vda"));
  CHECK_FALSE(virtio_device("/dev/sdf1"));  // a partition
  CHECK_FALSE(virtio_device("/dev/hdb"));
  CHECK_FALSE(virtio_device("/dev/sdF"));
  CHECK_FALSE(virtio_device("/dev/"));
  CHECK_FALSE(virtio_device(""));
}

TEST_CASE("general-purpose volume types are taken, provisioned ones refused") {
  for (const char* t : {"standard", "gp2", "gp3"}) CHECK(volume_type_supported(t));
  for (const char* t : {"io1", "io2", "st1", "sc1", "GP2", ""}) CHECK_FALSE(volume_type_supported(t));
}

TEST_CASE("volume filters see the attachment only while there is one") {
  VolumeFacts attached;
  attached.volume_id = "vol-1";
  attached.state = "in-use";
  attached.size_gib = 2;
  attached.availability_zone = "nova";
  attached.instance_id = "i-1";
  attached.attachment_state = "attached";
  attached.device = "/dev/vdf";
  VolumeFacts free = attached;
  free.state = "available";
  free.instance_id.clear();
  free.attachment_state = "detached";
  free.device.clear();

  CHECK(volume_filter_values(attached, "attachment.instance-id") == std::vector<std::string>{"i-1"});
  CHECK(volume_filter_values(attached, "attachment.status") == std::vector<std::string>{"attached"});
  CHECK(volume_filter_values(free, "attachment.instance-id").empty());
  CHECK(volume_filter_values(free, "attachment.status").empty());
  CHECK(volume_filter_values(free, "size") == std::vector<std::string>{"2"});
  CHECK(volume_filter_values(free, "snapshot-id").empty());

  FilterSet in_use({{"status", {"in-use"}}, {"attachment.instance-id", {"i-*"}}}, volume_filter_names());
  auto values = [](const VolumeFacts& f) { return [&f](const std::string& n) { return volume_filter_values(f, n); }; };
  CHECK(in_use.matches(values(attached)));
  CHECK_FALSE(in_use.matches(values(free)));
}

TEST_CASE("Owner.N takes self and project ids") {
  CHECK(owned_by({}, "p1", "p1"));
  CHECK(owned_by({}, "p2", "p1"));
  CHECK(owned_by({"self"}, "p1", "p1"));
  CHECK_FALSE(owned_by({"self"}, "p2", "p1"));
  CHECK(owned_by({"p2"}, "p2", "p1"));
  CHECK_FALSE(owned_by({"amazon"}, "p1", "p1"));
}
