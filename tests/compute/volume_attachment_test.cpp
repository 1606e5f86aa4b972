// Volumes on servers through compute and block storage (both real processes), with the test
// playing the compute agent: reserve, the spec the agent reads, its report, in-use; one
// attachment at a time; detach; deletion of the server releasing (or deleting) its volumes;
// the timeout of an attach the agent never finishes; tenant walls and bad input.
#include <catch2/catch.hpp>

#include <filesystem>

#include "common/process/run.h"
#include "tests/compute/compute_test_support.h"

using namespace stratus;
using namespace stratus::compute_test;
using Stub = v1::Compute::Stub;
using AgentStub = v1::ComputeAgent::Stub;
using VolumeStub = bs::BlockStorage::Stub;

namespace {

// An ACTIVE server of `t` on `host`.
v1::Server active_server(Cloud& cloud, Tenant& t, FakeHost& host, const std::string& name, const std::string& flavor) {
  auto created = must(t.compute.call(&Stub::CreateServer, server_request(name, flavor, host.zone())), "create");
  const auto& s = created.servers(0);
  REQUIRE(host.saw_cast(s.id()));
  must(host.report(s.id(), v1::INSTANCE_EVENT_SPAWNED), "spawned");
  for (const auto& port : cloud.ports_of(s.id())) cloud.port_up(port.id(), host.name());
  REQUIRE(wait_for_state(t.compute, s.id(), v1::VM_STATE_ACTIVE));
  return s;
}

bs::Volume create_volume(const Tenant& t, const std::string& name, int size_gib = 1) {
  bs::CreateVolumeRequest request;
  request.set_name(name);
  request.set_size_gib(size_gib);
  return must(t.volumes.call(&VolumeStub::CreateVolume, request), "creating volume " + name);
}

bs::Volume volume(const Tenant& t, const std::string& ref) {
  bs::GetVolumeRequest request;
  request.set_volume(ref);
  return must(t.volumes.call(&VolumeStub::GetVolume, request), "reading volume " + ref);
}

Reply<v1::VolumeAttachment> attach(const Tenant& t, const std::string& server, const std::string& vol,
                                   const std::string& device = "", bool delete_on_termination = false) {
  v1::AttachVolumeRequest request;
  request.set_server(server);
  request.set_volume(vol);
  request.set_device(device);
  request.set_delete_on_termination(delete_on_termination);
  return t.compute.call(&Stub::AttachVolume, request);
}

Reply<v1::VolumeAttachment> detach(const Tenant& t, const std::string& server, const std::string& vol) {
  v1::DetachVolumeRequest request;
  request.set_server(server);
  request.set_volume(vol);
  return t.compute.call(&Stub::DetachVolume, request);
}

v1::InstanceSpec spec_of(Cloud& cloud, const std::string& instance_id) {
  v1::GetInstanceSpecRequest request;
  request.set_instance_id(instance_id);
  return must(cloud.agent().call(&AgentStub::GetInstanceSpec, request), "instance spec");
}

bool volume_becomes(const Tenant& t, const std::string& ref, bs::VolumeStatus status) {
  return test_support::eventually([&] { return volume(t, ref).status() == status; }, std::chrono::seconds(20));
}

Reply<v1::Server> delete_server(const Tenant& t, const std::string& server) {
  v1::ServerActionRequest request;
  request.set_server(server);
  return t.compute.call(&Stub::DeleteServer, request);
}

}  // namespace

TEST_CASE("attach: reserved for the server, in the agent's spec, in-use once the agent reports; detach back") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("attach");
  auto host = cloud.host("attach", 8, 8192, 100);
  auto flavor = cloud.flavor(1, 256, 1);
  auto web1 = active_server(cloud, t, *host, "web1", flavor);
  auto web2 = active_server(cloud, t, *host, "web2", flavor);
  auto data = create_volume(t, "data");

  auto attaching = must(attach(t, "web1", "data"), "attach");
  CHECK(attaching.status() == v1::ATTACHMENT_STATUS_ATTACHING);
  CHECK(attaching.device() == "/dev/vdb");
  CHECK(attaching.volume_id() == data.id());
  CHECK(attach(t, "web1", "data").ok());  // a retry answers the same attachment
  auto reserved = volume(t, "data");
  CHECK(reserved.status() == bs::VOLUME_STATUS_ATTACHING);
  CHECK(reserved.attachment().instance_id() == web1.id());

  // What the agent reads: the volume, where its bytes are, the device.
  REQUIRE(host->saw_cast(web1.id()));
  auto spec = spec_of(cloud, web1.id());
  REQUIRE(spec.volumes_size() == 1);
  CHECK(spec.volumes(0).volume_id() == data.id());
  CHECK(spec.volumes(0).device() == "vdb");
  CHECK(spec.volumes(0).status() == v1::ATTACHMENT_STATUS_ATTACHING);
  CHECK(spec.volumes(0).driver() == "file");
  CHECK(spec.volumes(0).path() == (std::filesystem::path(cloud.volumes_dir()) / ("volume-" + data.id() + ".qcow2")).string());

  // One attachment at a time, and nothing of a busy volume can be deleted.
  auto elsewhere = attach(t, "web2", "data");
  CHECK(elsewhere.code() == StatusCode::FAILED_PRECONDITION);
  CHECK(elsewhere.message().find("web1") != std::string::npos);
  bs::DeleteVolumeRequest remove;
  remove.set_volume("data");
  auto busy = t.volumes.call(&VolumeStub::DeleteVolume, remove);
  CHECK(busy.code() == StatusCode::FAILED_PRECONDITION);
  CHECK(busy.message().find(web1.id()) != std::string::npos);
  CHECK(detach(t, "web1", "data").code() == StatusCode::FAILED_PRECONDITION);  // still attaching

  must(host->report_volume(web1.id(), data.id(), v1::VOLUME_EVENT_ATTACHED), "attached");
  must(host->report_volume(web1.id(), data.id(), v1::VOLUME_EVENT_ATTACHED), "attached again");  // idempotent
  auto in_use = volume(t, "data");
  CHECK(in_use.status() == bs::VOLUME_STATUS_IN_USE);
  CHECK(in_use.attachment().device() == "/dev/vdb");
  bs::ExtendVolumeRequest grow;
  grow.set_volume("data");
  grow.set_new_size_gib(2);
  CHECK(t.volumes.call(&VolumeStub::ExtendVolume, grow).code() == StatusCode::FAILED_PRECONDITION);  // attached
  bs::CreateSnapshotRequest snap;
  snap.set_name("while-attached");
  snap.set_volume("data");
  auto refused = t.volumes.call(&VolumeStub::CreateSnapshot, snap);
  CHECK(refused.code() == StatusCode::FAILED_PRECONDITION);  // in-use: detach first
  CHECK(refused.message().find("detach") != std::string::npos);
  v1::GetServerRequest get;
  get.set_server("web1");
  auto shown = must(t.compute.call(&Stub::GetServer, get), "server");
  REQUIRE(shown.volume_attachments_size() == 1);
  CHECK(shown.volume_attachments(0).status() == v1::ATTACHMENT_STATUS_ATTACHED);
  CHECK(shown.volume_attachments(0).device() == "/dev/vdb");

  // A second volume takes the next device; a taken device is refused.
  auto logs = create_volume(t, "logs");
  CHECK(attach(t, "web1", "logs", "/dev/vdb").code() == StatusCode::ALREADY_EXISTS);
  CHECK(must(attach(t, "web1", "logs"), "attach logs").device() == "/dev/vdc");
  CHECK(volume(t, "logs").status() == bs::VOLUME_STATUS_ATTACHING);
  CHECK(volume(t, "data").status() == bs::VOLUME_STATUS_IN_USE);  // the other one stays

  // Detach: detaching, and available once the agent took the disk off.
  CHECK(detach(t, "web2", "data").code() == StatusCode::FAILED_PRECONDITION);  // not there
  auto detaching = must(detach(t, "web1", "data"), "detach");
  CHECK(detaching.status() == v1::ATTACHMENT_STATUS_DETACHING);
  CHECK(volume(t, "data").status() == bs::VOLUME_STATUS_DETACHING);
  spec = spec_of(cloud, web1.id());
  bool listed_detaching = false;
  for (const auto& v : spec.volumes())
    if (v.volume_id() == data.id()) listed_detaching = v.status() == v1::ATTACHMENT_STATUS_DETACHING;
  CHECK(listed_detaching);
  must(host->report_volume(web1.id(), data.id(), v1::VOLUME_EVENT_DETACHED), "detached");
  auto available = volume(t, "data");
  CHECK(available.status() == bs::VOLUME_STATUS_AVAILABLE);
  CHECK_FALSE(available.has_attachment());

  // Now web2 may have it.
  CHECK(must(attach(t, "web2", "data"), "attach to web2").device() == "/dev/vdb");
  must(host->report_volume(web2.id(), data.id(), v1::VOLUME_EVENT_ATTACHED), "attached to web2");
  CHECK(volume(t, "data").attachment().instance_id() == web2.id());

  v1::ListServerActionsRequest actions;
  actions.set_server("web1");
  auto log = must(t.compute.call(&Stub::ListServerActions, actions), "actions");
  bool attach_logged = false, detach_logged = false;
  for (const auto& a : log.actions()) {
    attach_logged = attach_logged || (a.action() == "attach-volume" && a.result() == "success");
    detach_logged = detach_logged || (a.action() == "detach-volume" && a.result() == "success");
  }
  CHECK(attach_logged);
  CHECK(detach_logged);

  for (const auto& s : {web1, web2}) {
    must(delete_server(t, s.id()), "delete");
    must(host->report(s.id(), v1::INSTANCE_EVENT_DELETED, v1::POWER_STATE_NOSTATE), "deleted");
  }
}

TEST_CASE("deleting a server gives its volumes back, or deletes those marked delete-on-termination") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("attach-delete");
  auto host = cloud.host("attach-delete", 8, 8192, 100);
  auto flavor = cloud.flavor(1, 256, 1);
  auto server = active_server(cloud, t, *host, "db", flavor);
  auto keep = create_volume(t, "keep");
  auto scratch = create_volume(t, "scratch");
  must(attach(t, "db", "keep"), "attach keep");
  must(attach(t, "db", "scratch", "", true), "attach scratch");
  must(host->report_volume(server.id(), keep.id(), v1::VOLUME_EVENT_ATTACHED), "attached keep");
  must(host->report_volume(server.id(), scratch.id(), v1::VOLUME_EVENT_ATTACHED), "attached scratch");

  must(delete_server(t, "db"), "delete");
  // While the domain may still hold the disks, they stay in-use.
  CHECK(volume(t, "keep").status() == bs::VOLUME_STATUS_IN_USE);
  must(host->report(server.id(), v1::INSTANCE_EVENT_DELETED, v1::POWER_STATE_NOSTATE), "deleted");
  CHECK(wait_for_state(t.compute, server.id(), v1::VM_STATE_DELETED));
  CHECK(volume_becomes(t, "keep", bs::VOLUME_STATUS_AVAILABLE));
  CHECK_FALSE(volume(t, "keep").has_attachment());
  bs::GetVolumeRequest gone;
  gone.set_volume(scratch.id());
  CHECK(test_support::eventually(
      [&] { return t.volumes.call(&VolumeStub::GetVolume, gone).code() == StatusCode::NOT_FOUND; },
      std::chrono::seconds(20)));
  CHECK_FALSE(std::filesystem::exists(std::filesystem::path(cloud.volumes_dir()) /
                                      ("volume-" + scratch.id() + ".qcow2")));
}

TEST_CASE("an attach the agent never finishes ends: the volume is available again, the action failed") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("attach-timeout");
  auto host = cloud.host("attach-timeout", 8, 8192, 100);
  auto flavor = cloud.flavor(1, 256, 1);
  auto server = active_server(cloud, t, *host, "slow", flavor);
  create_volume(t, "stuck");
  must(attach(t, "slow", "stuck"), "attach");
  // The test cloud's volume_attach_timeout is a few seconds; the agent stays silent.
  CHECK(volume_becomes(t, "stuck", bs::VOLUME_STATUS_AVAILABLE));
  v1::ListVolumeAttachmentsRequest list;
  list.set_server("slow");
  CHECK(must(t.compute.call(&Stub::ListVolumeAttachments, list), "attachments").attachments().empty());
  v1::ListServerActionsRequest actions;
  actions.set_server("slow");
  bool failed = false;
  const auto log = must(t.compute.call(&Stub::ListServerActions, actions), "actions");
  for (const auto& a : log.actions())
    failed = failed || (a.action() == "attach-volume" && a.result() == "error" &&
                        a.message().find("did not finish") != std::string::npos);
  CHECK(failed);
  // A late report of the agent changes nothing (the spec no longer lists the volume).
  must(host->report_volume(server.id(), volume(t, "stuck").id(), v1::VOLUME_EVENT_ATTACHED), "late report");
  CHECK(volume(t, "stuck").status() == bs::VOLUME_STATUS_AVAILABLE);
  CHECK(spec_of(cloud, server.id()).volumes().empty());
}

TEST_CASE("tenant walls and bad input: attach and detach refuse clearly and change nothing") {
  auto& cloud = Cloud::instance();
  auto a = cloud.tenant("attach-wall-a");
  auto b = cloud.tenant("attach-wall-b");
  auto host = cloud.host("attach-wall", 8, 8192, 100);
  auto flavor = cloud.flavor(1, 256, 1);
  auto server_a = active_server(cloud, a, *host, "app", flavor);
  auto server_b = active_server(cloud, b, *host, "app", flavor);
  auto vol_a = create_volume(a, "disk");
  auto vol_b = create_volume(b, "disk");

  // B's volume into A's server, A's volume into B's server: NOT_FOUND, as if absent.
  CHECK(attach(a, "app", vol_b.id()).code() == StatusCode::NOT_FOUND);
  CHECK(attach(b, server_a.id(), "disk").code() == StatusCode::NOT_FOUND);
  CHECK(attach(a, "app", "no-such-volume").code() == StatusCode::NOT_FOUND);
  CHECK(attach(a, "no-such-server", "disk").code() == StatusCode::NOT_FOUND);
  CHECK(attach(a, "app", "").code() == StatusCode::INVALID_ARGUMENT);
  CHECK(attach(a, "app", "disk", "/dev/sdb").code() == StatusCode::INVALID_ARGUMENT);
  CHECK(attach(a, "app", "disk", "/dev/vda").code() == StatusCode::INVALID_ARGUMENT);
  CHECK(detach(a, "app", "disk").code() == StatusCode::FAILED_PRECONDITION);  // not attached
  CHECK(volume(a, "disk").status() == bs::VOLUME_STATUS_AVAILABLE);
  CHECK(volume(b, "disk").status() == bs::VOLUME_STATUS_AVAILABLE);

  // Users cannot drive block storage's attachment calls themselves.
  bs::ReserveVolumeRequest reserve;
  reserve.set_volume_id(vol_a.id());
  reserve.set_instance_id(server_a.id());
  reserve.set_project_id(a.project_id);
  reserve.set_host(host->name());
  CHECK(a.volumes.call(&VolumeStub::ReserveVolume, reserve).code() == StatusCode::PERMISSION_DENIED);

  // In use, then a task (a stop) running: volumes wait for it.
  must(attach(a, "app", "disk"), "attach");
  must(host->report_volume(server_a.id(), vol_a.id(), v1::VOLUME_EVENT_ATTACHED), "attached");
  CHECK(volume(a, "disk").status() == bs::VOLUME_STATUS_IN_USE);
  auto stopped = must(a.compute.call(&Stub::StopServer,
                                     [] {
                                       v1::ServerActionRequest r;
                                       r.set_server("app");
                                       return r;
                                     }()),
                      "stop");
  CHECK(stopped.task_state() == v1::TASK_STATE_POWERING_OFF);
  // While a task runs, volumes wait.
  CHECK(detach(a, "app", "disk").code() == StatusCode::FAILED_PRECONDITION);

  for (auto* t : {&a, &b}) {
    must(delete_server(*t, "app"), "delete");
  }
  must(host->report(server_a.id(), v1::INSTANCE_EVENT_DELETED, v1::POWER_STATE_NOSTATE), "deleted a");
  must(host->report(server_b.id(), v1::INSTANCE_EVENT_DELETED, v1::POWER_STATE_NOSTATE), "deleted b");
  CHECK(volume_becomes(a, "disk", bs::VOLUME_STATUS_AVAILABLE));
}

TEST_CASE("a volume made from an image is bootable and holds the image's bytes; invisible images are NOT_FOUND") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("volume-image");
  bs::CreateVolumeRequest request;
  request.set_name("from-image");
  request.set_image(cloud.image_id());
  auto made = must(t.volumes.call(&VolumeStub::CreateVolume, request), "volume from image");
  CHECK(made.status() == bs::VOLUME_STATUS_AVAILABLE);
  CHECK(made.bootable());
  CHECK(made.image_id() == cloud.image_id());
  CHECK(made.size_gib() >= 1);
  // The file's guest-visible bytes are the image's: compare with qemu-img.
  const auto file = (std::filesystem::path(cloud.volumes_dir()) / ("volume-" + made.id() + ".qcow2")).string();
  auto info = process::run({"qemu-img", "info", "--output=json", file});
  CHECK(info.output.find("\"format\": \"qcow2\"") != std::string::npos);

  bs::CreateVolumeRequest small = request;
  small.set_name("too-small");
  small.set_size_gib(1);
  CHECK(t.volumes.call(&VolumeStub::CreateVolume, small).ok());  // the test image fits in 1 GiB
  bs::CreateVolumeRequest both = request;
  both.set_name("both");
  both.set_snapshot("some-snapshot");
  CHECK(t.volumes.call(&VolumeStub::CreateVolume, both).code() == StatusCode::INVALID_ARGUMENT);
  bs::CreateVolumeRequest missing = request;
  missing.set_name("missing");
  missing.set_image("no-such-image");
  CHECK(t.volumes.call(&VolumeStub::CreateVolume, missing).code() == StatusCode::NOT_FOUND);

  // Another project's private image cannot be copied.
  auto other = cloud.tenant("volume-image-other");
  img::CreateImageRequest private_image;
  private_image.set_name("private");
  private_image.set_disk_format("raw");
  private_image.set_container_format("bare");
  auto queued = must(other.images.call(&img::Images::Stub::CreateImage, private_image), "private image");
  bs::CreateVolumeRequest stolen = request;
  stolen.set_name("stolen");
  stolen.set_image(queued.id());
  CHECK(t.volumes.call(&VolumeStub::CreateVolume, stolen).code() == StatusCode::NOT_FOUND);
  // Its owner gets the clear refusal: not active yet.
  stolen.set_name("not-active");
  CHECK(other.volumes.call(&VolumeStub::CreateVolume, stolen).code() == StatusCode::FAILED_PRECONDITION);
}
