#pragma once
// gRPC handlers for cloud.block_storage.v1.BlockStorage: authenticate the caller, translate the
// request, call the use cases, translate the answer. No logic of their own.
#include "block_storage/v1/block_storage.grpc.pb.h"
#include "common/log/log.h"
#include "common/rpc/authenticator.h"
#include "services/block-storage/app/block_storage.h"

namespace stratus::block_storage {

namespace v1 = cloud::block_storage::v1;
using google::protobuf::Empty;

class BlockStorageApi final : public v1::BlockStorage::Service {
 public:
  BlockStorageApi(BlockStorage& service, const rpc::Authenticator& auth, log::Logger logger)
      : service_(service), auth_(auth), logger_(std::move(logger)) {}

  grpc::Status CreateVolume(grpc::ServerContext*, const v1::CreateVolumeRequest*, v1::Volume*) override;
  grpc::Status ListVolumes(grpc::ServerContext*, const v1::ListVolumesRequest*, v1::ListVolumesResponse*) override;
  grpc::Status GetVolume(grpc::ServerContext*, const v1::GetVolumeRequest*, v1::Volume*) override;
  grpc::Status UpdateVolume(grpc::ServerContext*, const v1::UpdateVolumeRequest*, v1::Volume*) override;
  grpc::Status DeleteVolume(grpc::ServerContext*, const v1::DeleteVolumeRequest*, Empty*) override;
  grpc::Status ExtendVolume(grpc::ServerContext*, const v1::ExtendVolumeRequest*, v1::Volume*) override;
  grpc::Status GetQuota(grpc::ServerContext*, const v1::GetQuotaRequest*, v1::Quota*) override;
  grpc::Status SetQuota(grpc::ServerContext*, const v1::SetQuotaRequest*, v1::Quota*) override;
  grpc::Status CreateSnapshot(grpc::ServerContext*, const v1::CreateSnapshotRequest*, v1::Snapshot*) override;
  grpc::Status ListSnapshots(grpc::ServerContext*, const v1::ListSnapshotsRequest*, v1::ListSnapshotsResponse*) override;
  grpc::Status GetSnapshot(grpc::ServerContext*, const v1::GetSnapshotRequest*, v1::Snapshot*) override;
  grpc::Status DeleteSnapshot(grpc::ServerContext*, const v1::DeleteSnapshotRequest*, Empty*) override;
  grpc::Status ReserveVolume(grpc::ServerContext*, const v1::ReserveVolumeRequest*, v1::VolumeConnection*) override;
  grpc::Status CompleteAttachment(grpc::ServerContext*, const v1::AttachmentRequest*, v1::Volume*) override;
  grpc::Status BeginDetach(grpc::ServerContext*, const v1::AttachmentRequest*, v1::Volume*) override;
  grpc::Status ReleaseVolume(grpc::ServerContext*, const v1::AttachmentRequest*, v1::Volume*) override;

 private:
  BlockStorage& service_;
  const rpc::Authenticator& auth_;
  log::Logger logger_;
};

}  // namespace stratus::block_storage
