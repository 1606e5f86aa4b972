// Volumes over block storage's volumes, attached through compute: CreateVolume,
// DescribeVolumes, DeleteVolume, AttachVolume, DetachVolume. The states, device names and
// filters are pure (domain/volumes.h); this file calls the services and writes the XML.
// Nothing is stored here: a volume's EC2 id is its UUID, its attachment is compute's.
#include <cstring>
#include <map>
#include <set>

#include "common/auth/token.h"
#include "services/ec2-api/app/actions.h"
#include "services/ec2-api/app/instance_lookup.h"
#include "services/ec2-api/app/volume_lookup.h"
#include "services/ec2-api/domain/ec2_error.h"
#include "services/ec2-api/domain/ids.h"
#include "services/ec2-api/domain/instances.h"
#include "services/ec2-api/domain/volumes.h"

namespace stratus::ec2 {

namespace bs = cloud::block_storage::v1;
namespace v1 = cloud::compute::v1;

namespace {

const ResourceKind kVolume{"InvalidVolume", "volume"};

std::string without_prefix(const std::string& name, const char* prefix) {
  size_t n = std::strlen(prefix);
  return name.compare(0, n, prefix) == 0 ? name.substr(n) : name;
}

std::string status_name(const bs::Volume& v) { return without_prefix(bs::VolumeStatus_Name(v.status()), "VOLUME_STATUS_"); }

std::string attachment_status_name(v1::AttachmentStatus s) {
  return s == v1::ATTACHMENT_STATUS_UNSPECIFIED ? "" : without_prefix(v1::AttachmentStatus_Name(s), "ATTACHMENT_STATUS_");
}

std::string not_found_message(const char* noun, const std::vector<std::string>& ids) {
  std::string joined;
  for (const auto& id : ids) joined += (joined.empty() ? "" : ", ") + echo(id);
  return ids.size() == 1 ? std::string("The ") + noun + " '" + joined + "' does not exist."
                         : std::string("The ") + noun + "s '" + joined + "' do not exist.";
}

std::vector<bs::Volume> list_volumes(const Backends& b, const std::string& token) {
  try {
    return call_all_pages(b, *b.block_storage, &bs::BlockStorage::Stub::ListVolumes, bs::ListVolumesRequest(),
                          &bs::ListVolumesResponse::volumes, token, "listing volumes");
  } catch (const Error& e) {
    throw from_service_error(e, kVolume);
  }
}

// Compute's attachments of the instances these volumes are on, by volume id: the device is
// compute's from the start (block storage learns it once in-use), and so is
// delete-on-termination. One call per instance, only for volumes that are on one.
std::map<std::string, v1::VolumeAttachment> compute_attachments(const Backends& b, const std::vector<bs::Volume>& volumes,
                                                                const std::string& token) {
  std::set<std::string> instances;
  for (const auto& v : volumes)
    if (!v.attachment().instance_id().empty()) instances.insert(v.attachment().instance_id());
  std::map<std::string, v1::VolumeAttachment> out;
  for (const auto& instance : instances) {
    v1::ListVolumeAttachmentsRequest request;
    request.set_server(instance);
    try {
      auto listed = call(b, *b.compute, &v1::Compute::Stub::ListVolumeAttachments, request, token,
                         "listing volume attachments");
      for (const auto& a : listed.attachments()) out[a.volume_id()] = a;
    } catch (const Error& e) {
      if (e.code() != ErrorCode::NotFound) throw from_service_error(e, kVolume);
    }
  }
  return out;
}

VolumeFacts facts_of(const bs::Volume& v, const v1::VolumeAttachment* a) {
  VolumeFacts f;
  f.volume_id = to_ec2_id(IdKind::Volume, v.id());
  f.state = volume_state(status_name(v));
  f.size_gib = v.size_gib();
  f.availability_zone = v.availability_zone();
  if (!v.source_snapshot_id().empty()) f.snapshot_id = to_ec2_id(IdKind::Snapshot, v.source_snapshot_id());
  f.volume_type = kVolumeType;
  f.create_time = iso8601(v.created_at().seconds());
  if (!v.attachment().instance_id().empty()) {
    f.instance_id = to_ec2_id(IdKind::Instance, v.attachment().instance_id());
    f.attachment_state = attachment_state(status_name(v), a ? attachment_status_name(a->status()) : "");
    f.device = a && !a->device().empty() ? a->device() : v.attachment().device();
    f.delete_on_termination = a && a->delete_on_termination() ? "true" : "false";
  }
  return f;
}

void attachment_item(pugi::xml_node set, const bs::Volume& v, const v1::VolumeAttachment* a) {
  if (v.attachment().instance_id().empty()) return;
  auto f = facts_of(v, a);
  auto item = set.append_child("item");
  add_text(item, "volumeId", f.volume_id);
  add_text(item, "instanceId", f.instance_id);
  add_text(item, "device", f.device);
  add_text(item, "status", f.attachment_state);
  int64_t since = v.attachment().has_attached_at() ? v.attachment().attached_at().seconds()
                  : a                              ? a->created_at().seconds()
                                                   : v.updated_at().seconds();
  add_text(item, "attachTime", iso8601(since));
  add_bool(item, "deleteOnTermination", f.delete_on_termination == "true");
}

// The members a Volume has, for DescribeVolumes' items and CreateVolume's answer alike.
void volume_fields(pugi::xml_node node, const bs::Volume& v, const v1::VolumeAttachment* a) {
  auto f = facts_of(v, a);
  add_text(node, "volumeId", f.volume_id);
  add_int(node, "size", f.size_gib);
  add_text(node, "snapshotId", f.snapshot_id);
  add_text(node, "availabilityZone", f.availability_zone);
  add_text(node, "status", f.state);
  add_text(node, "createTime", f.create_time);
  attachment_item(node.append_child("attachmentSet"), v, a);
  node.append_child("tagSet");
  add_text(node, "volumeType", f.volume_type);
  add_bool(node, "encrypted", false);
  add_bool(node, "multiAttachEnabled", false);
}

}  // namespace

// ---------------------------------------------------------------- lookups

std::string volume_uuid(const std::string& ec2_id) {
  std::string uuid = uuid_of(IdKind::Volume, ec2_id);
  if (uuid.empty()) throw Ec2Error("InvalidVolumeID.Malformed", "Invalid id: \"" + echo(ec2_id) + "\"");
  return uuid;
}

std::string snapshot_uuid(const std::string& ec2_id) {
  std::string uuid = uuid_of(IdKind::Snapshot, ec2_id);
  if (uuid.empty()) throw Ec2Error("InvalidSnapshotID.Malformed", "Invalid id: \"" + echo(ec2_id) + "\"");
  return uuid;
}

void refuse_tags(const QueryParams& params) {
  for (const auto& [name, value] : params.values())
    if (name.compare(0, 17, "TagSpecification.") == 0)
      throw invalid_parameter_value(
          "TagSpecification is not supported: this cloud's volumes and snapshots have no field to keep tags in "
          "(see docs/ec2-api.md)");
}

std::string volume_not_found_message(const std::vector<std::string>& ids) { return not_found_message("volume", ids); }
std::string snapshot_not_found_message(const std::vector<std::string>& ids) { return not_found_message("snapshot", ids); }

bs::Volume require_volume(const Backends& b, const std::string& ec2_id, const std::string& token) {
  bs::GetVolumeRequest request;
  request.set_volume(volume_uuid(ec2_id));
  try {
    return call(b, *b.block_storage, &bs::BlockStorage::Stub::GetVolume, request, token, "reading a volume");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::NotFound) throw Ec2Error("InvalidVolume.NotFound", volume_not_found_message({ec2_id}));
    throw from_service_error(e, kVolume);
  }
}

// ---------------------------------------------------------------- CreateVolume

void Actions::create_volume(const ActionContext& c) const {
  const auto& p = c.params;
  std::string zone = p.require("AvailabilityZone");
  if (std::find(settings_.availability_zones.begin(), settings_.availability_zones.end(), zone) ==
      settings_.availability_zones.end())
    throw invalid_parameter_value("Invalid availability zone: [" + echo(zone) + "]");
  auto size = p.integer("Size", 1, 16384);
  std::string snapshot_ref = p.get("SnapshotId", "");
  std::string snapshot = snapshot_ref.empty() ? "" : snapshot_uuid(snapshot_ref);
  if (!size && snapshot.empty()) throw missing_parameter("size or snapshot id (Size or SnapshotId)");
  std::string type = p.get("VolumeType", kVolumeType);
  if (!volume_type_supported(type))
    throw invalid_parameter_value("VolumeType " + echo(type) +
                                  " is not supported: this cloud has one kind of volume, taken as standard, gp2 or "
                                  "gp3; provisioned IOPS and throughput (io1, io2, st1, sc1) are not offered");
  for (const char* unsupported : {"Iops", "Throughput", "KmsKeyId", "OutpostArn"})
    if (p.has(unsupported)) throw invalid_parameter_value(std::string(unsupported) + " is not supported by this cloud");
  if (p.boolean("Encrypted").value_or(false))
    throw invalid_parameter_value("Encrypted volumes are not supported: block storage does not encrypt them");
  if (p.boolean("MultiAttachEnabled").value_or(false))
    throw invalid_parameter_value("MultiAttachEnabled is not supported: a volume is attached to one instance at a time");
  refuse_tags(p);

  // A ClientToken's digest as request_id: block storage answers a repeat with the first volume.
  auto client_token = p.find("ClientToken");
  std::string request_id = client_token && !client_token->empty() ? client_token_request_id(*client_token)
                                                                   : auth::random_uuid();
  bs::CreateVolumeRequest request;
  request.set_name("ec2-" + request_id);  // block storage wants a name unique in the project; EC2 has none
  request.set_size_gib(static_cast<int32_t>(size.value_or(0)));
  request.set_availability_zone(zone);
  request.set_snapshot(snapshot);
  request.set_request_id(request_id);
  bs::Volume created;
  try {
    created = call(backends_, *backends_.block_storage, &bs::BlockStorage::Stub::CreateVolume, request,
                   c.requester.token, "creating a volume");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::NotFound && !snapshot.empty())
      throw Ec2Error("InvalidSnapshot.NotFound", snapshot_not_found_message({snapshot_ref}));
    if (e.code() == ErrorCode::ResourceExhausted) throw Ec2Error("VolumeLimitExceeded", e.what());
    throw from_service_error(e, kVolume);
  }
  volume_fields(c.response, created, nullptr);
}

// ---------------------------------------------------------------- DescribeVolumes

void Actions::describe_volumes(const ActionContext& c) const {
  auto ids = c.params.list("VolumeId");
  std::vector<std::string> uuids;
  for (const auto& id : ids) uuids.push_back(volume_uuid(id));  // every id well formed first
  FilterSet filters(c.params.filters(), volume_filter_names());
  auto max_results = c.params.integer("MaxResults", 5, 500);
  if (!ids.empty() && max_results)
    throw invalid_parameter_combination("The parameter volumeSet cannot be used with the parameter maxResults");

  std::vector<bs::Volume> volumes;
  if (ids.empty()) {
    volumes = list_volumes(backends_, c.requester.token);
  } else {
    std::vector<std::string> missing;
    for (size_t i = 0; i < uuids.size(); ++i) {
      bs::GetVolumeRequest request;
      request.set_volume(uuids[i]);
      try {
        volumes.push_back(call(backends_, *backends_.block_storage, &bs::BlockStorage::Stub::GetVolume, request,
                               c.requester.token, "reading a volume"));
      } catch (const Error& e) {
        if (e.code() != ErrorCode::NotFound) throw from_service_error(e, kVolume);
        missing.push_back(ids[i]);
      }
    }
    if (!missing.empty()) throw Ec2Error("InvalidVolume.NotFound", volume_not_found_message(missing));
  }
  std::sort(volumes.begin(), volumes.end(), [](const bs::Volume& x, const bs::Volume& y) { return x.id() < y.id(); });
  auto attachments = compute_attachments(backends_, volumes, c.requester.token);
  auto attachment_of = [&](const bs::Volume& v) -> const v1::VolumeAttachment* {
    auto it = attachments.find(v.id());
    return it == attachments.end() ? nullptr : &it->second;
  };

  std::vector<const bs::Volume*> chosen;
  for (const auto& v : volumes) {
    auto facts = facts_of(v, attachment_of(v));
    if (filters.matches([&](const std::string& name) { return volume_filter_values(facts, name); })) chosen.push_back(&v);
  }
  std::vector<std::string> keys;
  for (const auto* v : chosen) keys.push_back(v->id());
  auto window = page_window(keys, max_results, c.params.get("NextToken", ""));
  auto set = c.response.append_child("volumeSet");
  for (size_t i = window.begin; i < window.end; ++i)
    volume_fields(set.append_child("item"), *chosen[i], attachment_of(*chosen[i]));
  if (!window.next_token.empty()) add_text(c.response, "nextToken", window.next_token);
}

// ---------------------------------------------------------------- DeleteVolume

void Actions::delete_volume(const ActionContext& c) const {
  std::string id = c.params.require("VolumeId");
  auto volume = require_volume(backends_, id, c.requester.token);
  if (!volume.attachment().instance_id().empty())
    throw Ec2Error("VolumeInUse", "Volume " + id + " is currently attached to " +
                                      to_ec2_id(IdKind::Instance, volume.attachment().instance_id()));
  bs::DeleteVolumeRequest request;
  request.set_volume(volume.id());
  try {
    call(backends_, *backends_.block_storage, &bs::BlockStorage::Stub::DeleteVolume, request, c.requester.token,
         "deleting a volume");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::NotFound) throw Ec2Error("InvalidVolume.NotFound", volume_not_found_message({id}));
    throw from_service_error(e, kVolume);  // in a state that cannot be deleted, or with snapshots: IncorrectState
  }
  add_bool(c.response, "return", true);
}

// ---------------------------------------------------------------- AttachVolume, DetachVolume

namespace {

void attachment_answer(pugi::xml_node response, const v1::VolumeAttachment& a, const std::string& volume_status) {
  add_text(response, "attachTime", iso8601(a.created_at().seconds()));
  add_text(response, "device", a.device());
  add_text(response, "instanceId", to_ec2_id(IdKind::Instance, a.server_id()));
  add_text(response, "status", attachment_state(volume_status, attachment_status_name(a.status())));
  add_text(response, "volumeId", to_ec2_id(IdKind::Volume, a.volume_id()));
  add_bool(response, "deleteOnTermination", a.delete_on_termination());
}

}  // namespace

void Actions::attach_volume(const ActionContext& c) const {
  std::string volume_id = c.params.require("VolumeId");
  std::string instance_id = c.params.require("InstanceId");
  std::string device_ref = c.params.require("Device");
  volume_uuid(volume_id);
  instance_uuid(instance_id);
  auto device = virtio_device(device_ref);
  if (!device)
    throw invalid_parameter_value("Value (" + echo(device_ref) +
                                  ") for parameter device is invalid: name a data disk /dev/sd[b-z], /dev/xvd[b-z] "
                                  "or /dev/vd[b-z] (the instance sees it as the virtio disk of that letter)");
  auto volume = require_volume(backends_, volume_id, c.requester.token);
  if (!volume.attachment().instance_id().empty())
    throw Ec2Error("VolumeInUse", volume_id + " is already attached to an instance (" +
                                      to_ec2_id(IdKind::Instance, volume.attachment().instance_id()) + ")");
  std::string state = volume_state(status_name(volume));
  if (state != "available")
    throw Ec2Error("IncorrectState", volume_id + " is not 'available' (it is '" + state + "').");
  auto server = require_instances(backends_, {instance_id}, c.requester.token, settings_.terminated_visible_seconds).front();
  // A terminated instance is still listed for a while; compute no longer has it to attach to.
  if (server.vm_state() == v1::VM_STATE_DELETED)
    throw Ec2Error("IncorrectState", "Instance '" + instance_id + "' is not 'running' (it is terminated).");

  v1::AttachVolumeRequest request;
  request.set_server(server.id());
  request.set_volume(volume.id());
  request.set_device(*device);
  request.set_request_id(auth::random_uuid());
  v1::VolumeAttachment attached;
  try {
    attached = call(backends_, *backends_.compute, &v1::Compute::Stub::AttachVolume, request, c.requester.token,
                    "attaching a volume");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::AlreadyExists)
      throw invalid_parameter_value("Invalid value '" + echo(device_ref) + "' for unixDevice. Attachment point " + *device +
                                    " is already in use");
    if (e.code() == ErrorCode::ResourceExhausted) throw Ec2Error("AttachmentLimitExceeded", e.what());
    // FailedPrecondition (the instance is pending, stopping, terminated, or its host is down):
    // IncorrectState with compute's reason.
    throw from_service_error(e, kVolume);
  }
  attachment_answer(c.response, attached, "");
}

void Actions::detach_volume(const ActionContext& c) const {
  std::string volume_id = c.params.require("VolumeId");
  volume_uuid(volume_id);
  std::string instance_id = c.params.get("InstanceId", "");
  if (!instance_id.empty()) instance_uuid(instance_id);
  if (c.params.boolean("Force").value_or(false))
    throw invalid_parameter_value(
        "Force is not supported: the hypervisor agent takes the disk off the running guest; a detach the guest does "
        "not finish ends after compute's attach timeout with the volume still attached");
  auto volume = require_volume(backends_, volume_id, c.requester.token);
  const std::string& on = volume.attachment().instance_id();
  if (on.empty())
    throw Ec2Error("IncorrectState", "Volume '" + volume_id + "' is in the '" + volume_state(status_name(volume)) + "' state.");
  if (!instance_id.empty() && to_ec2_id(IdKind::Instance, on) != instance_id)
    throw Ec2Error("InvalidAttachment.NotFound", "The volume " + volume_id + " is not attached to instance " + instance_id);
  if (auto device = c.params.find("Device"); device && !device->empty()) {
    auto wanted = virtio_device(*device);
    auto attachments = compute_attachments(backends_, {volume}, c.requester.token);
    auto it = attachments.find(volume.id());
    if (!wanted || it == attachments.end() || it->second.device() != *wanted)
      throw Ec2Error("InvalidAttachment.NotFound", "The volume " + volume_id + " is not attached at " + echo(*device));
  }

  v1::DetachVolumeRequest request;
  request.set_server(on);
  request.set_volume(volume.id());
  request.set_request_id(auth::random_uuid());
  v1::VolumeAttachment detaching;
  try {
    detaching = call(backends_, *backends_.compute, &v1::Compute::Stub::DetachVolume, request, c.requester.token,
                     "detaching a volume");
  } catch (const Error& e) {
    throw from_service_error(e, kVolume);  // still attaching, or the host is down: IncorrectState
  }
  attachment_answer(c.response, detaching, "");
}

}  // namespace stratus::ec2
