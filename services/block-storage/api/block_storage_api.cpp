#include "services/block-storage/api/block_storage_api.h"

#include <algorithm>

#include "common/error/error.h"
#include "common/rpc/status.h"
#include "services/block-storage/api/mapping.h"

namespace stratus::block_storage {

namespace {

void set_time(google::protobuf::Timestamp* t, int64_t unix_seconds) { t->set_seconds(unix_seconds); }

void to_proto(const store::VolumeRow& v, v1::Volume* out) {
  out->set_id(v.id);
  out->set_name(v.name);
  out->set_description(v.description);
  out->set_project_id(v.project_id);
  out->set_user_id(v.user_id);
  out->set_size_gib(v.size_gib);
  out->set_availability_zone(v.availability_zone);
  out->set_status(to_proto(v.status));
  out->set_backend(v.backend);
  if (!v.fault_message.empty()) {
    out->mutable_fault()->set_message(v.fault_message);
    if (v.fault_at) set_time(out->mutable_fault()->mutable_created_at(), *v.fault_at);
  }
  set_time(out->mutable_created_at(), v.created_at);
  set_time(out->mutable_updated_at(), v.updated_at);
  out->set_request_id(v.request_id);
  out->set_source_snapshot_id(v.source_snapshot_id);
  out->set_bootable(v.bootable);
  out->set_image_id(v.image_id);
  if (!v.attachment.instance_id.empty()) {
    auto* a = out->mutable_attachment();
    a->set_instance_id(v.attachment.instance_id);
    a->set_host(v.attachment.host);
    a->set_device(v.attachment.device);
    if (v.attachment.attached_at) set_time(a->mutable_attached_at(), *v.attachment.attached_at);
  }
}

void to_proto(const store::SnapshotRow& s, v1::Snapshot* out) {
  out->set_id(s.id);
  out->set_name(s.name);
  out->set_description(s.description);
  out->set_project_id(s.project_id);
  out->set_user_id(s.user_id);
  out->set_volume_id(s.volume_id);
  out->set_size_gib(s.size_gib);
  out->set_status(to_proto(s.status));
  if (!s.fault_message.empty()) {
    out->mutable_fault()->set_message(s.fault_message);
    if (s.fault_at) set_time(out->mutable_fault()->mutable_created_at(), *s.fault_at);
  }
  set_time(out->mutable_created_at(), s.created_at);
  set_time(out->mutable_updated_at(), s.updated_at);
  out->set_request_id(s.request_id);
}

AttachmentRef attachment_ref(const v1::AttachmentRequest& req) {
  return AttachmentRef{req.volume_id(), req.instance_id(), req.project_id(), "", req.device()};
}

void to_proto(const QuotaView& q, v1::Quota* out) {
  out->set_project_id(q.project_id);
  out->mutable_limits()->set_volumes(q.limits.volumes);
  out->mutable_limits()->set_gigabytes(q.limits.gigabytes);
  out->mutable_limits()->set_snapshots(q.limits.snapshots);
  out->mutable_in_use()->set_snapshots(static_cast<int32_t>(q.in_use.snapshots));
  out->mutable_in_use()->set_volumes(static_cast<int32_t>(q.in_use.volumes));
  out->mutable_in_use()->set_gigabytes(static_cast<int32_t>(q.in_use.gigabytes));
}

// Lists page by offset: the token is the offset of the next page.
size_t page_start(const std::string& token) {
  if (token.empty()) return 0;
  try {
    size_t used = 0;
    size_t start = std::stoul(token, &used);
    if (used != token.size()) throw std::invalid_argument(token);
    return start;
  } catch (const std::exception&) {
    throw invalid_argument("page_token is not one this service handed out");
  }
}

}  // namespace

grpc::Status BlockStorageApi::CreateVolume(grpc::ServerContext* ctx, const v1::CreateVolumeRequest* req,
                                           v1::Volume* resp) {
  return rpc::serve(logger_, "CreateVolume", [&] {
    VolumeSpec spec;
    spec.name = req->name();
    spec.description = req->description();
    spec.size_gib = req->size_gib();
    spec.availability_zone = req->availability_zone();
    spec.request_id = req->request_id();
    spec.snapshot = req->snapshot();
    spec.image = req->image();
    to_proto(service_.create_volume(auth_.authenticate(*ctx), rpc::bearer_token(*ctx), spec), resp);
  });
}

grpc::Status BlockStorageApi::ListVolumes(grpc::ServerContext* ctx, const v1::ListVolumesRequest* req,
                                          v1::ListVolumesResponse* resp) {
  return rpc::serve(logger_, "ListVolumes", [&] {
    size_t start = page_start(req->page_token());
    auto rows = service_.list_volumes(auth_.authenticate(*ctx), req->all_projects());
    size_t size = req->page_size() == 0 ? 100 : std::min<uint32_t>(req->page_size(), 1000);
    for (size_t i = start; i < rows.size() && i < start + size; ++i) to_proto(rows[i], resp->add_volumes());
    if (start + size < rows.size()) resp->set_next_page_token(std::to_string(start + size));
  });
}

grpc::Status BlockStorageApi::GetVolume(grpc::ServerContext* ctx, const v1::GetVolumeRequest* req, v1::Volume* resp) {
  return rpc::serve(logger_, "GetVolume",
                    [&] { to_proto(service_.get_volume(auth_.authenticate(*ctx), req->volume()), resp); });
}

grpc::Status BlockStorageApi::UpdateVolume(grpc::ServerContext* ctx, const v1::UpdateVolumeRequest* req,
                                           v1::Volume* resp) {
  return rpc::serve(logger_, "UpdateVolume", [&] {
    VolumeChanges changes;
    if (req->has_name()) changes.name = req->name();
    if (req->has_description()) changes.description = req->description();
    to_proto(service_.update_volume(auth_.authenticate(*ctx), req->volume(), changes), resp);
  });
}

grpc::Status BlockStorageApi::DeleteVolume(grpc::ServerContext* ctx, const v1::DeleteVolumeRequest* req, Empty*) {
  return rpc::serve(logger_, "DeleteVolume", [&] { service_.delete_volume(auth_.authenticate(*ctx), req->volume()); });
}

grpc::Status BlockStorageApi::ExtendVolume(grpc::ServerContext* ctx, const v1::ExtendVolumeRequest* req,
                                           v1::Volume* resp) {
  return rpc::serve(logger_, "ExtendVolume", [&] {
    to_proto(service_.extend_volume(auth_.authenticate(*ctx), req->volume(), req->new_size_gib()), resp);
  });
}

grpc::Status BlockStorageApi::GetQuota(grpc::ServerContext* ctx, const v1::GetQuotaRequest* req, v1::Quota* resp) {
  return rpc::serve(logger_, "GetQuota",
                    [&] { to_proto(service_.get_quota(auth_.authenticate(*ctx), req->project()), resp); });
}

grpc::Status BlockStorageApi::SetQuota(grpc::ServerContext* ctx, const v1::SetQuotaRequest* req, v1::Quota* resp) {
  return rpc::serve(logger_, "SetQuota", [&] {
    store::QuotaOverrides q;
    if (req->has_volumes()) q.volumes = req->volumes();
    if (req->has_gigabytes()) q.gigabytes = req->gigabytes();
    if (req->has_snapshots()) q.snapshots = req->snapshots();
    to_proto(service_.set_quota(auth_.authenticate(*ctx), req->project(), q), resp);
  });
}

grpc::Status BlockStorageApi::CreateSnapshot(grpc::ServerContext* ctx, const v1::CreateSnapshotRequest* req,
                                             v1::Snapshot* resp) {
  return rpc::serve(logger_, "CreateSnapshot", [&] {
    SnapshotSpec spec;
    spec.name = req->name();
    spec.volume = req->volume();
    spec.description = req->description();
    spec.force = req->force();
    spec.request_id = req->request_id();
    to_proto(service_.create_snapshot(auth_.authenticate(*ctx), spec), resp);
  });
}

grpc::Status BlockStorageApi::ListSnapshots(grpc::ServerContext* ctx, const v1::ListSnapshotsRequest* req,
                                            v1::ListSnapshotsResponse* resp) {
  return rpc::serve(logger_, "ListSnapshots", [&] {
    size_t start = page_start(req->page_token());
    auto rows = service_.list_snapshots(auth_.authenticate(*ctx), req->volume(), req->all_projects());
    size_t size = req->page_size() == 0 ? 100 : std::min<uint32_t>(req->page_size(), 1000);
    for (size_t i = start; i < rows.size() && i < start + size; ++i) to_proto(rows[i], resp->add_snapshots());
    if (start + size < rows.size()) resp->set_next_page_token(std::to_string(start + size));
  });
}

grpc::Status BlockStorageApi::GetSnapshot(grpc::ServerContext* ctx, const v1::GetSnapshotRequest* req,
                                          v1::Snapshot* resp) {
  return rpc::serve(logger_, "GetSnapshot",
                    [&] { to_proto(service_.get_snapshot(auth_.authenticate(*ctx), req->snapshot()), resp); });
}

grpc::Status BlockStorageApi::DeleteSnapshot(grpc::ServerContext* ctx, const v1::DeleteSnapshotRequest* req, Empty*) {
  return rpc::serve(logger_, "DeleteSnapshot",
                    [&] { service_.delete_snapshot(auth_.authenticate(*ctx), req->snapshot()); });
}

grpc::Status BlockStorageApi::ReserveVolume(grpc::ServerContext* ctx, const v1::ReserveVolumeRequest* req,
                                            v1::VolumeConnection* resp) {
  return rpc::serve(logger_, "ReserveVolume", [&] {
    AttachmentRef ref{req->volume_id(), req->instance_id(), req->project_id(), req->host(), ""};
    auto [row, connection] = service_.reserve_volume(auth_.authenticate(*ctx), ref);
    to_proto(row, resp->mutable_volume());
    resp->set_driver(connection.driver);
    resp->set_path(connection.path);
    resp->set_format(connection.format);
  });
}

grpc::Status BlockStorageApi::CompleteAttachment(grpc::ServerContext* ctx, const v1::AttachmentRequest* req,
                                                 v1::Volume* resp) {
  return rpc::serve(logger_, "CompleteAttachment", [&] {
    to_proto(service_.complete_attachment(auth_.authenticate(*ctx), attachment_ref(*req)), resp);
  });
}

grpc::Status BlockStorageApi::BeginDetach(grpc::ServerContext* ctx, const v1::AttachmentRequest* req,
                                          v1::Volume* resp) {
  return rpc::serve(logger_, "BeginDetach",
                    [&] { to_proto(service_.begin_detach(auth_.authenticate(*ctx), attachment_ref(*req)), resp); });
}

grpc::Status BlockStorageApi::ReleaseVolume(grpc::ServerContext* ctx, const v1::AttachmentRequest* req,
                                            v1::Volume* resp) {
  return rpc::serve(logger_, "ReleaseVolume",
                    [&] { to_proto(service_.release_volume(auth_.authenticate(*ctx), attachment_ref(*req)), resp); });
}

}  // namespace stratus::block_storage
