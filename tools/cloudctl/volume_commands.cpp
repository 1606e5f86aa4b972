// Commands of the block-storage service: volume create, list, show, set, delete, volume
// snapshots, and attach / detach (through compute, as the server's owner asks for it). Handlers turn arguments into
// requests and responses into output; --json prints the API objects as they are.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

#include "block_storage/v1/block_storage.grpc.pb.h"
#include "compute/v1/compute.grpc.pb.h"
#include "tools/cloudctl/commands.h"
#include "tools/cloudctl/compute_logic.h"
#include "tools/cloudctl/handler_support.h"
#include "tools/cloudctl/output.h"

namespace stratus::cloudctl {

namespace {

namespace bv1 = cloud::block_storage::v1;
using Stub = bv1::BlockStorage::Stub;
const std::string kService = "block-storage";

const std::vector<std::string> kVolumeFields{"id",          "name",       "status",     "size_gib",  "availability_zone",
                                             "description", "project_id", "backend",    "fault.message",
                                             "attachment.instance_id", "attachment.device",
                                             "source_snapshot_id", "bootable", "image_id",
                                             "created_at",  "updated_at"};
const std::vector<std::string> kSnapshotFields{"id",        "name",          "status",     "volume_id",  "size_gib",
                                               "description", "fault.message", "project_id", "created_at"};
const std::vector<std::string> kSnapshotColumns{"id", "name", "status", "volume_id", "size_gib"};
const std::vector<std::string> kAttachmentFields{"server_id", "volume_id", "device", "status",
                                                 "delete_on_termination"};
const std::vector<std::string> kVolumeColumns{"id", "name", "status", "size_gib", "availability_zone"};

// VOLUME_STATUS_IN_USE -> "in-use": the spelling the service's docs and Cinder use (and
// SNAPSHOT_STATUS_AVAILABLE -> "available").
std::string status_cell(const google::protobuf::Message&, const std::string& text) {
  std::string s = text;
  for (const std::string prefix : {"VOLUME_STATUS_", "SNAPSHOT_STATUS_"})
    if (s.rfind(prefix, 0) == 0) s = s.substr(prefix.size());
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s == "in_use" ? "in-use" : s;
}

const CellFormats& formats() {
  static const CellFormats f{{"status", status_cell}};
  return f;
}

void volume_create(CommandContext& ctx) {
  bv1::CreateVolumeRequest request;
  request.set_name(argument(ctx, 0));
  auto size = ctx.args.value("size");
  if (auto snapshot = ctx.args.value("snapshot")) request.set_snapshot(*snapshot);
  if (auto image = ctx.args.value("image")) request.set_image(*image);
  if (!size && request.snapshot().empty() && request.image().empty()) throw UsageError("missing --size (GiB)");
  // Only "is it a number" here: the service answers size limits with a message of its own.
  if (size) request.set_size_gib(compute_logic::whole_number("size", *size, 0));
  if (auto d = ctx.args.value("description")) request.set_description(*d);
  if (auto az = ctx.args.value("availability-zone")) request.set_availability_zone(*az);
  auto volume = call_service(ctx, kService, &Stub::CreateVolume, request);
  ctx.output.object(volume, kVolumeFields, formats());
  if (volume.status() == bv1::VOLUME_STATUS_ERROR && !ctx.output.json())
    ctx.output.note("Volume " + volume.name() + " is in error: " + volume.fault().message());
}

void volume_list(CommandContext& ctx) {
  bv1::ListVolumesRequest request;
  request.set_all_projects(ctx.args.flag("all-projects"));
  std::vector<bv1::Volume> volumes;
  do {
    auto page = call_service(ctx, kService, &Stub::ListVolumes, request);
    volumes.insert(volumes.end(), page.volumes().begin(), page.volumes().end());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  std::vector<const google::protobuf::Message*> items;
  for (const auto& v : volumes) items.push_back(&v);
  auto columns = kVolumeColumns;
  if (request.all_projects()) columns.push_back("project_id");
  ctx.output.list(items, columns, formats());
}

void volume_show(CommandContext& ctx) {
  bv1::GetVolumeRequest request;
  request.set_volume(argument(ctx, 0));
  ctx.output.object(call_service(ctx, kService, &Stub::GetVolume, request), kVolumeFields, formats());
}

void volume_set(CommandContext& ctx) {
  bv1::UpdateVolumeRequest request;
  request.set_volume(argument(ctx, 0));
  if (auto name = ctx.args.value("name")) request.set_name(*name);
  if (auto d = ctx.args.value("description")) request.set_description(*d);
  if (!request.has_name() && !request.has_description()) throw UsageError("give --name and/or --description");
  ctx.output.object(call_service(ctx, kService, &Stub::UpdateVolume, request), kVolumeFields, formats());
}

void volume_delete(CommandContext& ctx) {
  bv1::DeleteVolumeRequest request;
  request.set_volume(argument(ctx, 0));
  call_service(ctx, kService, &Stub::DeleteVolume, request);
}

void volume_extend(CommandContext& ctx) {
  bv1::ExtendVolumeRequest request;
  request.set_volume(argument(ctx, 0));
  request.set_new_size_gib(compute_logic::whole_number("size", required_option(ctx, "size"), 0));
  auto volume = call_service(ctx, kService, &Stub::ExtendVolume, request);
  ctx.output.object(volume, kVolumeFields, formats());
  if (volume.status() == bv1::VOLUME_STATUS_ERROR && !ctx.output.json())
    ctx.output.note("Volume " + volume.name() + " is in error: " + volume.fault().message());
}

void snapshot_create(CommandContext& ctx) {
  bv1::CreateSnapshotRequest request;
  request.set_name(argument(ctx, 0));
  request.set_volume(required_option(ctx, "volume"));
  if (auto d = ctx.args.value("description")) request.set_description(*d);
  request.set_force(ctx.args.flag("force"));
  auto snapshot = call_service(ctx, kService, &Stub::CreateSnapshot, request);
  ctx.output.object(snapshot, kSnapshotFields, formats());
  if (snapshot.status() == bv1::SNAPSHOT_STATUS_ERROR && !ctx.output.json())
    ctx.output.note("Snapshot " + snapshot.name() + " is in error: " + snapshot.fault().message());
}

void snapshot_list(CommandContext& ctx) {
  bv1::ListSnapshotsRequest request;
  request.set_volume(ctx.args.value_or("volume", ""));
  request.set_all_projects(ctx.args.flag("all-projects"));
  std::vector<bv1::Snapshot> snapshots;
  do {
    auto page = call_service(ctx, kService, &Stub::ListSnapshots, request);
    snapshots.insert(snapshots.end(), page.snapshots().begin(), page.snapshots().end());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  std::vector<const google::protobuf::Message*> items;
  for (const auto& s : snapshots) items.push_back(&s);
  ctx.output.list(items, kSnapshotColumns, formats());
}

void snapshot_show(CommandContext& ctx) {
  bv1::GetSnapshotRequest request;
  request.set_snapshot(argument(ctx, 0));
  ctx.output.object(call_service(ctx, kService, &Stub::GetSnapshot, request), kSnapshotFields, formats());
}

void snapshot_delete(CommandContext& ctx) {
  bv1::DeleteSnapshotRequest request;
  request.set_snapshot(argument(ctx, 0));
  call_service(ctx, kService, &Stub::DeleteSnapshot, request);
}

bv1::Volume get_volume(CommandContext& ctx, const std::string& ref) {
  bv1::GetVolumeRequest request;
  request.set_volume(ref);
  return call_service(ctx, kService, &Stub::GetVolume, request);
}

// Polls the volume until it is `want`. Back to available while waiting for in-use means the
// attach failed (compute's server actions say why); error is an error either way.
void wait_volume(CommandContext& ctx, const std::string& volume_id, bv1::VolumeStatus want, const std::string& server) {
  StatusLine line(show_progress(ctx));
  const auto started = std::chrono::steady_clock::now();
  while (true) {
    auto volume = get_volume(ctx, volume_id);
    if (volume.status() == want) return;
    const std::string status = status_cell(volume, bv1::VolumeStatus_Name(volume.status()));
    if (volume.status() == bv1::VOLUME_STATUS_ERROR ||
        (want == bv1::VOLUME_STATUS_IN_USE && volume.status() == bv1::VOLUME_STATUS_AVAILABLE) ||
        (want == bv1::VOLUME_STATUS_AVAILABLE && volume.status() == bv1::VOLUME_STATUS_IN_USE))
      throw CloudError("FAILED", "volume " + volume.name() + " is " + status + ": see `cloudctl server actions " +
                                     server + "` for why");
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
    line.show("volume " + volume.name() + " " + status + " (" + std::to_string(seconds.count()) + " s)");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

const CellFormats& attachment_formats() {
  static const CellFormats f{{"status", [](const google::protobuf::Message&, const std::string& text) {
                                const std::string prefix = "ATTACHMENT_STATUS_";
                                std::string s = text.rfind(prefix, 0) == 0 ? text.substr(prefix.size()) : text;
                                std::transform(s.begin(), s.end(), s.begin(),
                                               [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
                                return s;
                              }}};
  return f;
}

void volume_attach(CommandContext& ctx) {
  namespace cv1 = cloud::compute::v1;
  cv1::AttachVolumeRequest request;
  request.set_volume(argument(ctx, 0));
  request.set_server(argument(ctx, 1));
  request.set_device(ctx.args.value_or("device", ""));
  request.set_delete_on_termination(ctx.args.flag("delete-on-termination"));
  auto attachment = call_service(ctx, "compute", &cv1::Compute::Stub::AttachVolume, request);
  if (ctx.args.flag("wait")) {
    wait_volume(ctx, attachment.volume_id(), bv1::VOLUME_STATUS_IN_USE, argument(ctx, 1));
    attachment.set_status(cv1::ATTACHMENT_STATUS_ATTACHED);
  }
  ctx.output.object(attachment, kAttachmentFields, attachment_formats());
}

// The volume knows its server: detach asks compute to take it off that one.
void volume_detach(CommandContext& ctx) {
  namespace cv1 = cloud::compute::v1;
  auto volume = get_volume(ctx, argument(ctx, 0));
  if (!volume.has_attachment())
    throw CloudError("FAILED_PRECONDITION", "volume " + volume.name() + " is not attached to a server");
  cv1::DetachVolumeRequest request;
  request.set_server(volume.attachment().instance_id());
  request.set_volume(volume.id());
  auto attachment = call_service(ctx, "compute", &cv1::Compute::Stub::DetachVolume, request);
  if (ctx.args.flag("wait")) {
    wait_volume(ctx, volume.id(), bv1::VOLUME_STATUS_AVAILABLE, volume.attachment().instance_id());
    return;
  }
  ctx.output.object(attachment, kAttachmentFields, attachment_formats());
}

}  // namespace

void add_volume_commands(CommandTable& table) {
  // words, arguments, optional arguments, options, options usage, summary, handler
  table.add({{"volume", "create"}, {"NAME"}, {},
             {value_option("size"), value_option("snapshot"), value_option("image"), value_option("description"),
              value_option("availability-zone")},
             "(--size GIB | --snapshot SNAP [--size GIB] | --image IMG [--size GIB]) [--description D] "
             "[--availability-zone AZ]",
             "create a volume (a qcow2 disk): empty, a copy of a snapshot, or of an image (bootable)", volume_create});
  table.add({{"volume", "list"}, {}, {}, {flag_option("all-projects")}, "[--all-projects]",
             "list your project's volumes (--all-projects: every project's, admin)", volume_list});
  table.add({{"volume", "show"}, {"VOLUME"}, {}, {}, "", "show a volume (and its fault)", volume_show});
  table.add({{"volume", "set"}, {"VOLUME"}, {}, {value_option("name"), value_option("description")},
             "[--name N] [--description D]", "rename a volume or change its description", volume_set});
  table.add({{"volume", "delete"}, {"VOLUME"}, {}, {}, "", "delete an available or error volume", volume_delete});
  table.add({{"volume", "extend"}, {"VOLUME"}, {}, {value_option("size")}, "--size GIB",
             "grow an available volume to GIB", volume_extend});
  table.add({{"volume", "snapshot", "create"}, {"NAME"}, {},
             {value_option("volume"), value_option("description"), flag_option("force")},
             "--volume VOL [--description D] [--force]", "snapshot an available volume", snapshot_create});
  table.add({{"volume", "snapshot", "list"}, {}, {}, {value_option("volume"), flag_option("all-projects")},
             "[--volume VOL] [--all-projects]", "list volume snapshots", snapshot_list});
  table.add({{"volume", "snapshot", "show"}, {"SNAPSHOT"}, {}, {}, "", "show a volume snapshot", snapshot_show});
  table.add({{"volume", "snapshot", "delete"}, {"SNAPSHOT"}, {}, {}, "", "delete a volume snapshot", snapshot_delete});
  table.add({{"volume", "attach"}, {"VOLUME", "SERVER"}, {},
             {value_option("device"), flag_option("delete-on-termination"), flag_option("wait")},
             "[--device /dev/vdX] [--delete-on-termination] [--wait]",
             "attach a volume to a server (live if it runs); --wait until in-use", volume_attach});
  table.add({{"volume", "detach"}, {"VOLUME"}, {}, {flag_option("wait")}, "[--wait]",
             "detach a volume from its server; --wait until available", volume_detach});
}

}  // namespace stratus::cloudctl
