#include "services/image/api/image_api.h"

#include <vector>

#include "common/rpc/status.h"
#include "services/image/client/chunk_pipe.h"

namespace stratus::image {
namespace {

// Chunks in flight between receiving and writing an upload: enough to keep both threads
// busy, few enough that memory stays a few chunks.
constexpr size_t kPipeDepth = 3;

template <typename Repeated>
std::vector<std::string> strings_of(const Repeated& items) {
  return std::vector<std::string>(items.begin(), items.end());
}

template <typename ProtoMap>
std::map<std::string, std::string> map_of(const ProtoMap& items) {
  return std::map<std::string, std::string>(items.begin(), items.end());
}

}  // namespace

void to_proto(const ImageRecord& i, v1::Image* out) {
  out->set_id(i.id);
  out->set_name(i.name);
  out->set_owner(i.owner);
  out->set_status(to_string(i.status));
  out->set_visibility(to_string(i.visibility));
  out->set_disk_format(i.disk_format);
  out->set_container_format(i.container_format);
  out->set_size(i.size);
  out->set_sha256(i.sha256);
  out->set_min_disk(i.min_disk);
  out->set_min_ram(i.min_ram);
  out->set_protected_(i.is_protected);
  out->set_kernel_id(i.kernel_id);
  out->set_ramdisk_id(i.ramdisk_id);
  for (const auto& [key, value] : i.properties) (*out->mutable_properties())[key] = value;
  for (const auto& m : i.members) {
    out->add_members(m.project_id);
    auto* membership = out->add_memberships();
    membership->set_project_id(m.project_id);
    membership->set_status(to_string(m.status));
  }
  out->set_member_status(i.viewer_member_status);
  out->mutable_created_at()->set_seconds(i.created_at);
  out->mutable_updated_at()->set_seconds(i.updated_at);
}

grpc::Status ImageApi::CreateImage(grpc::ServerContext* ctx, const v1::CreateImageRequest* req, v1::Image* resp) {
  return rpc::serve(logger_, "CreateImage", [&] {
    NewImage r;
    r.name = req->name();
    r.disk_format = req->disk_format();
    r.container_format = req->container_format();
    r.visibility = req->visibility();
    r.kernel = req->kernel_id();
    r.ramdisk = req->ramdisk_id();
    r.is_protected = req->protected_();
    r.min_disk = req->min_disk();
    r.min_ram = req->min_ram();
    r.properties = map_of(req->properties());
    to_proto(images_.create(auth_.authenticate(*ctx), r), resp);
  });
}

grpc::Status ImageApi::GetImage(grpc::ServerContext* ctx, const v1::GetImageRequest* req, v1::Image* resp) {
  return rpc::serve(logger_, "GetImage", [&] { to_proto(images_.get(auth_.authenticate(*ctx), req->image()), resp); });
}

grpc::Status ImageApi::ListImages(grpc::ServerContext* ctx, const v1::ListImagesRequest* req,
                                  v1::ListImagesResponse* resp) {
  return rpc::serve(logger_, "ListImages", [&] {
    ListRequest r{req->visibility(), req->owner(),     req->status(),       req->name(),
                  req->page_token(), req->page_size(), req->all_projects(), req->member_status()};
    auto page = images_.list(auth_.authenticate(*ctx), r);
    for (const auto& image : page.images) to_proto(image, resp->add_images());
    resp->set_next_page_token(page.next_page_token);
  });
}

grpc::Status ImageApi::UpdateImage(grpc::ServerContext* ctx, const v1::UpdateImageRequest* req, v1::Image* resp) {
  return rpc::serve(logger_, "UpdateImage", [&] {
    ImageChanges c;
    if (req->has_name()) c.name = req->name();
    if (req->has_visibility()) c.visibility = req->visibility();
    if (req->has_min_disk()) c.min_disk = req->min_disk();
    if (req->has_min_ram()) c.min_ram = req->min_ram();
    if (req->has_protected_()) c.is_protected = req->protected_();
    c.set_properties = map_of(req->set_properties());
    c.unset_properties = strings_of(req->unset_properties());
    c.add_members = strings_of(req->add_members());
    c.remove_members = strings_of(req->remove_members());
    to_proto(images_.update(auth_.authenticate(*ctx), req->image(), c), resp);
  });
}

grpc::Status ImageApi::DeleteImage(grpc::ServerContext* ctx, const v1::DeleteImageRequest* req, v1::Empty*) {
  return rpc::serve(logger_, "DeleteImage", [&] { images_.remove(auth_.authenticate(*ctx), req->image()); });
}

grpc::Status ImageApi::AcceptImage(grpc::ServerContext* ctx, const v1::ImageOfferRequest* req, v1::Image* resp) {
  return rpc::serve(logger_, "AcceptImage", [&] {
    to_proto(images_.answer_offer(auth_.authenticate(*ctx), req->image(), MemberStatus::Accepted), resp);
  });
}

grpc::Status ImageApi::RejectImage(grpc::ServerContext* ctx, const v1::ImageOfferRequest* req, v1::Image* resp) {
  return rpc::serve(logger_, "RejectImage", [&] {
    to_proto(images_.answer_offer(auth_.authenticate(*ctx), req->image(), MemberStatus::Rejected), resp);
  });
}

grpc::Status ImageApi::RegisterSnapshot(grpc::ServerContext* ctx, const v1::RegisterSnapshotRequest* req,
                                        v1::Image* resp) {
  return rpc::serve(logger_, "RegisterSnapshot", [&] {
    SnapshotRequest r;
    r.project_id = req->project_id();
    r.name = req->name();
    r.instance_id = req->instance_id();
    r.disk_format = req->disk_format();
    r.container_format = req->container_format();
    r.min_disk = req->min_disk();
    r.min_ram = req->min_ram();
    r.properties = map_of(req->properties());
    to_proto(images_.register_snapshot(auth_.authenticate(*ctx), r), resp);
  });
}

// The first message declares the upload; every later one carries bytes. A stream that ends
// early (client gone, or fewer bytes than declared) leaves the image killed: the Upload's
// destructor sees to it when it is not finished.
grpc::Status ImageApi::Upload(grpc::ServerContext* ctx, grpc::ServerReader<v1::UploadRequest>* reader,
                              v1::Image* resp) {
  return rpc::serve(logger_, "Upload", [&] {
    auto caller = auth_.authenticate(*ctx);
    v1::UploadRequest message;
    if (!reader->Read(&message) || !message.has_start())
      throw invalid_argument("an upload starts with a `start` message naming the image, its size and sha256");
    const auto& start = message.start();
    auto upload = images_.begin_upload(caller, start.image(), start.size(), start.sha256());
    {
      // Hashing and writing run on a thread of their own while this one receives the next
      // chunks; the pipe holds a few chunks at most, so memory does not grow with the image.
      // Declared after `upload`, it stops before the upload is destroyed.
      ChunkPipe pipe(kPipeDepth, [&](const std::string& chunk) { upload->write(chunk.data(), chunk.size()); });
      while (reader->Read(&message)) {
        if (message.has_start()) throw invalid_argument("an upload has one `start` message, at its beginning");
        pipe.push(std::move(*message.mutable_data()));  // moved, not copied
      }
      pipe.drain();
    }
    if (ctx->IsCancelled()) throw unavailable("the client went away during the upload");
    to_proto(upload->finish(), resp);
  });
}

grpc::Status ImageApi::Download(grpc::ServerContext* ctx, const v1::DownloadRequest* req,
                                grpc::ServerWriter<v1::DownloadChunk>* writer) {
  return rpc::serve(logger_, "Download", [&] {
    auto download = images_.open_download(auth_.authenticate(*ctx), req->image(), req->offset());
    v1::DownloadChunk chunk;
    chunk.set_image_size(download.image.size);
    chunk.set_sha256(download.image.sha256);
    uint64_t offset = download.offset;
    std::string* data = chunk.mutable_data();
    // The first chunk always goes, even empty, so the client learns the size and digest.
    for (bool first = true;; first = false) {
      data->resize(images_.settings().chunk_size);
      data->resize(download.reader->read(data->data(), data->size()));
      if (data->empty() && !first) return;
      chunk.set_offset(offset);
      offset += data->size();
      if (!writer->Write(chunk)) return;  // the client went away; nothing to clean up
      if (first) {
        chunk.clear_image_size();
        chunk.clear_sha256();
      }
      if (data->empty()) return;
    }
  });
}

}  // namespace stratus::image
