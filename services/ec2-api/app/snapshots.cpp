// Snapshots over block storage's volume snapshots: CreateSnapshot, DescribeSnapshots,
// DeleteSnapshot. A snapshot belongs to its project only (none is public or shared), so
// Owner.N and RestorableBy.N can only narrow the caller's own. States: domain/volumes.h.
#include <cstring>

#include "common/auth/token.h"
#include "services/ec2-api/app/actions.h"
#include "services/ec2-api/app/volume_lookup.h"
#include "services/ec2-api/domain/ec2_error.h"
#include "services/ec2-api/domain/ids.h"
#include "services/ec2-api/domain/instances.h"
#include "services/ec2-api/domain/volumes.h"

namespace stratus::ec2 {

namespace bs = cloud::block_storage::v1;

namespace {

const ResourceKind kSnapshot{"InvalidSnapshot", "snapshot"};

std::string status_name(const bs::Snapshot& s) {
  std::string name = bs::SnapshotStatus_Name(s.status());
  const char* prefix = "SNAPSHOT_STATUS_";
  return name.compare(0, std::strlen(prefix), prefix) == 0 ? name.substr(std::strlen(prefix)) : name;
}

// nullopt: a snapshot being deleted, which EC2 no longer shows.
std::optional<SnapshotFacts> facts_of(const bs::Snapshot& s) {
  auto state = snapshot_state(status_name(s));
  if (!state) return std::nullopt;
  SnapshotFacts f;
  f.snapshot_id = to_ec2_id(IdKind::Snapshot, s.id());
  f.volume_id = to_ec2_id(IdKind::Volume, s.volume_id());
  f.state = *state;
  f.owner_id = s.project_id();
  f.description = s.description();
  f.start_time = iso8601(s.created_at().seconds());
  f.progress = snapshot_progress(*state);
  f.volume_size = s.size_gib();
  return f;
}

void snapshot_fields(pugi::xml_node node, const bs::Snapshot& s, const SnapshotFacts& f) {
  add_text(node, "snapshotId", f.snapshot_id);
  add_text(node, "volumeId", f.volume_id);
  add_text(node, "status", f.state);
  if (f.state == "error") add_text(node, "statusMessage", s.fault().message());
  add_text(node, "startTime", f.start_time);
  add_text(node, "progress", f.progress);
  add_text(node, "ownerId", f.owner_id);
  add_int(node, "volumeSize", f.volume_size);
  add_text(node, "description", f.description);
  add_bool(node, "encrypted", false);
  add_text(node, "storageTier", "standard");
  node.append_child("tagSet");
}

std::vector<bs::Snapshot> list_snapshots(const Backends& b, const std::string& token) {
  try {
    return call_all_pages(b, *b.block_storage, &bs::BlockStorage::Stub::ListSnapshots, bs::ListSnapshotsRequest(),
                          &bs::ListSnapshotsResponse::snapshots, token, "listing snapshots");
  } catch (const Error& e) {
    throw from_service_error(e, kSnapshot);
  }
}

}  // namespace

void Actions::create_snapshot(const ActionContext& c) const {
  std::string volume_id = c.params.require("VolumeId");
  std::string volume = volume_uuid(volume_id);
  if (c.params.has("OutpostArn")) throw invalid_parameter_value("OutpostArn is not supported by this cloud");
  refuse_tags(c.params);
  std::string request_id = auth::random_uuid();
  bs::CreateSnapshotRequest request;
  request.set_name("ec2-" + request_id);  // block storage wants a name unique in the project; EC2 has none
  request.set_volume(volume);
  request.set_description(c.params.get("Description", ""));
  request.set_request_id(request_id);
  bs::Snapshot made;
  try {
    made = call(backends_, *backends_.block_storage, &bs::BlockStorage::Stub::CreateSnapshot, request, c.requester.token,
                "creating a snapshot");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::NotFound) throw Ec2Error("InvalidVolume.NotFound", volume_not_found_message({volume_id}));
    if (e.code() == ErrorCode::ResourceExhausted) throw Ec2Error("SnapshotLimitExceeded", e.what());
    // An attached (or not yet available) volume: IncorrectState with block storage's reason.
    throw from_service_error(e, {"InvalidVolume", "volume"});
  }
  auto facts = facts_of(made);
  if (!facts) throw Ec2Error("InternalError", "the snapshot is being deleted already", 500);
  snapshot_fields(c.response, made, *facts);
}

void Actions::describe_snapshots(const ActionContext& c) const {
  auto ids = c.params.list("SnapshotId");
  std::vector<std::string> uuids;
  for (const auto& id : ids) uuids.push_back(snapshot_uuid(id));
  auto owners = c.params.list("Owner");
  auto restorable_by = c.params.list("RestorableBy");
  FilterSet filters(c.params.filters(), snapshot_filter_names());
  auto max_results = c.params.integer("MaxResults", 5, 1000);
  const std::string& project = c.requester.project_id;

  std::vector<bs::Snapshot> snapshots;
  if (ids.empty()) {
    snapshots = list_snapshots(backends_, c.requester.token);
  } else {
    std::vector<std::string> missing;
    for (size_t i = 0; i < uuids.size(); ++i) {
      bs::GetSnapshotRequest request;
      request.set_snapshot(uuids[i]);
      try {
        auto s = call(backends_, *backends_.block_storage, &bs::BlockStorage::Stub::GetSnapshot, request,
                      c.requester.token, "reading a snapshot");
        if (facts_of(s))
          snapshots.push_back(std::move(s));
        else
          missing.push_back(ids[i]);
      } catch (const Error& e) {
        if (e.code() != ErrorCode::NotFound) throw from_service_error(e, kSnapshot);
        missing.push_back(ids[i]);
      }
    }
    if (!missing.empty()) throw Ec2Error("InvalidSnapshot.NotFound", snapshot_not_found_message(missing));
  }
  std::sort(snapshots.begin(), snapshots.end(), [](const bs::Snapshot& x, const bs::Snapshot& y) { return x.id() < y.id(); });

  std::vector<std::pair<const bs::Snapshot*, SnapshotFacts>> chosen;
  for (const auto& s : snapshots) {
    auto facts = facts_of(s);
    if (!facts || !owned_by(owners, s.project_id(), project)) continue;
    // Only the owning project may make volumes of a snapshot here.
    if (!restorable_by.empty() && !owned_by(restorable_by, s.project_id(), project)) continue;
    if (filters.matches([&](const std::string& name) { return snapshot_filter_values(*facts, name); }))
      chosen.emplace_back(&s, *facts);
  }
  std::vector<std::string> keys;
  for (const auto& [s, facts] : chosen) keys.push_back(s->id());
  auto window = page_window(keys, max_results, c.params.get("NextToken", ""));
  auto set = c.response.append_child("snapshotSet");
  for (size_t i = window.begin; i < window.end; ++i)
    snapshot_fields(set.append_child("item"), *chosen[i].first, chosen[i].second);
  if (!window.next_token.empty()) add_text(c.response, "nextToken", window.next_token);
}

void Actions::delete_snapshot(const ActionContext& c) const {
  std::string id = c.params.require("SnapshotId");
  bs::DeleteSnapshotRequest request;
  request.set_snapshot(snapshot_uuid(id));
  try {
    call(backends_, *backends_.block_storage, &bs::BlockStorage::Stub::DeleteSnapshot, request, c.requester.token,
         "deleting a snapshot");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::NotFound) throw Ec2Error("InvalidSnapshot.NotFound", snapshot_not_found_message({id}));
    throw from_service_error(e, kSnapshot);  // being made, or a volume is being made from it: IncorrectState
  }
  add_bool(c.response, "return", true);
}

}  // namespace stratus::ec2
