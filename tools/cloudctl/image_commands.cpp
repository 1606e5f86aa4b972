// Commands of the image service: image create|list|show|delete|download|set. Uploads and
// downloads stream through services/image/client/transfer.h and show a progress bar with the
// rate on a terminal (stderr), and nothing otherwise.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "identity/v1/identity.grpc.pb.h"
#include "image/v1/image.grpc.pb.h"
#include "services/image/client/transfer.h"
#include "tools/cloudctl/commands.h"
#include "tools/cloudctl/handler_support.h"
#include "tools/cloudctl/output.h"
#include "tools/cloudctl/session.h"

namespace stratus::cloudctl {

namespace {

namespace im = cloud::image::v1;
using Stub = im::Images::Stub;

const std::vector<std::string> kListColumns = {"id", "name", "status", "visibility", "disk_format", "size"};
// Tables show sizes in KiB/MiB/GiB; --json keeps the bytes.
const CellFormats kImageFormats = {{"size", size_cell}};

uint32_t number_option(CommandContext& ctx, const std::string& name) {
  const std::string text = ctx.args.value_or(name, "0");
  try {
    size_t used = 0;
    unsigned long value = std::stoul(text, &used);
    if (used == text.size() && value <= UINT32_MAX) return static_cast<uint32_t>(value);
  } catch (const std::logic_error&) {
  }
  throw UsageError("--" + name + " takes a whole number, got '" + text + "'");
}

// --property K=V, repeatable.
std::map<std::string, std::string> properties_of(CommandContext& ctx) {
  std::map<std::string, std::string> out;
  for (const auto& item : ctx.args.values("property")) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--property takes KEY=VALUE, got '" + item + "'");
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

// A bar with percentage and rate on stderr, redrawn at most ten times a second; silent when
// stderr is not a terminal or the output is JSON (scripts).
class ProgressBar {
 public:
  ProgressBar(std::string label, bool enabled) : label_(std::move(label)), enabled_(enabled) {}
  ~ProgressBar() {
    if (drawn_) std::fputc('\n', stderr);
  }

  void update(uint64_t done, uint64_t total) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (drawn_ && done < total && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    drawn_ = true;
    double seconds = std::chrono::duration<double>(now - start_).count();
    double rate = seconds > 0 ? static_cast<double>(done - first_) / 1e6 / seconds : 0;
    int width = 30;
    int filled = total ? static_cast<int>(width * static_cast<double>(done) / static_cast<double>(total)) : 0;
    std::string bar = std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(width - filled), ' ');
    std::fprintf(stderr, "\r%s [%s] %3.0f%% %8.1f MB/s %10.1f MiB", label_.c_str(), bar.c_str(),
                 total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 0.0, rate,
                 static_cast<double>(done) / (1 << 20));
    std::fflush(stderr);
  }
  void starting_at(uint64_t offset) { first_ = offset; }

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  uint64_t first_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_;
};

void check_transfer(const grpc::Status& status) {
  if (!status.ok()) throw CloudError(status_code_name(status.error_code()), status.error_message());
}

void upload(CommandContext& ctx, const std::string& image_id, const std::string& path, im::Image* result) {
  auto stub = im::Images::NewStub(ctx.session.channel_for("image"));
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + ctx.session.bearer());
  ProgressBar bar("upload", show_progress(ctx));
  check_transfer(image::upload_file(*stub, context, image_id, path, "",
                                    [&](uint64_t done, uint64_t total) { bar.update(done, total); }, result));
}

// A project named for sharing: ids pass as they are; names are looked up in identity.
std::string project_id_of(CommandContext& ctx, const std::string& project) {
  static const size_t kUuidLength = 36;
  if (project.size() == kUuidLength && project[8] == '-') return project;
  auto stub = cloud::identity::v1::Identity::NewStub(ctx.session.channel_for("identity"));
  cloud::identity::v1::GetProjectRequest request;
  request.set_project(project);
  return ctx.session.call("identity", *stub, &cloud::identity::v1::Identity::Stub::GetProject, request).id();
}

// ---- handlers ----

void image_create(CommandContext& ctx) {
  im::CreateImageRequest request;
  request.set_name(argument(ctx, 0));
  request.set_disk_format(ctx.args.value_or("disk-format", "raw"));
  request.set_container_format(ctx.args.value_or("container-format", ""));
  request.set_kernel_id(ctx.args.value_or("kernel", ""));
  request.set_ramdisk_id(ctx.args.value_or("ramdisk", ""));
  if (ctx.args.flag("public")) request.set_visibility("public");
  request.set_protected_(ctx.args.flag("protected"));
  request.set_min_disk(number_option(ctx, "min-disk"));
  request.set_min_ram(number_option(ctx, "min-ram"));
  for (const auto& [key, value] : properties_of(ctx)) (*request.mutable_properties())[key] = value;
  auto path = ctx.args.value("file");
  if (path && ::access(path->c_str(), R_OK) != 0) throw UsageError("cannot read --file " + *path);
  im::Image image = call_service(ctx, "image", &Stub::CreateImage, request);
  if (path) upload(ctx, image.id(), *path, &image);
  ctx.output.object(image, kImageFormats);
}

void image_list(CommandContext& ctx) {
  im::ListImagesRequest request;
  for (const char* visibility : {"public", "private", "shared"})
    if (ctx.args.flag(visibility)) request.set_visibility(visibility);
  request.set_name(ctx.args.value_or("name", ""));
  request.set_status(ctx.args.value_or("status", ""));
  request.set_all_projects(ctx.args.flag("all-projects"));
  request.set_member_status(ctx.args.value_or("member-status", ""));
  std::vector<im::Image> images;
  do {
    auto page = call_service(ctx, "image", &Stub::ListImages, request);
    images.insert(images.end(), page.images().begin(), page.images().end());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  std::vector<const google::protobuf::Message*> items;
  for (const auto& i : images) items.push_back(&i);
  ctx.output.list(items, kListColumns, kImageFormats);
}

void image_show(CommandContext& ctx) {
  im::GetImageRequest request;
  request.set_image(argument(ctx, 0));
  ctx.output.object(call_service(ctx, "image", &Stub::GetImage, request), kImageFormats);
}

// The caller's project answers an image another project offered it.
void image_answer(CommandContext& ctx, bool accept) {
  im::ImageOfferRequest request;
  request.set_image(argument(ctx, 0));
  ctx.output.object(call_service(ctx, "image", accept ? &Stub::AcceptImage : &Stub::RejectImage, request), kImageFormats);
}
void image_accept(CommandContext& ctx) { image_answer(ctx, true); }
void image_reject(CommandContext& ctx) { image_answer(ctx, false); }

void image_delete(CommandContext& ctx) {
  im::DeleteImageRequest request;
  request.set_image(argument(ctx, 0));
  call_service(ctx, "image", &Stub::DeleteImage, request);
}

void image_download(CommandContext& ctx) {
  auto path = ctx.args.value("file");
  if (!path || path->empty()) throw UsageError("missing --file");
  auto stub = im::Images::NewStub(ctx.session.channel_for("image"));
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + ctx.session.bearer());
  ProgressBar bar("download", show_progress(ctx));
  check_transfer(image::download_file(*stub, context, argument(ctx, 0), *path, ctx.args.flag("resume"),
                                      [&](uint64_t done, uint64_t total) { bar.update(done, total); }));
  if (!ctx.output.json()) ctx.output.note("Saved " + argument(ctx, 0) + " to " + *path + " (sha256 verified).");
}

void image_set(CommandContext& ctx) {
  im::UpdateImageRequest request;
  request.set_image(argument(ctx, 0));
  if (auto name = ctx.args.value("name")) request.set_name(*name);
  if (ctx.args.value("min-disk")) request.set_min_disk(number_option(ctx, "min-disk"));
  if (ctx.args.value("min-ram")) request.set_min_ram(number_option(ctx, "min-ram"));
  if (ctx.args.flag("protected") && ctx.args.flag("unprotected"))
    throw UsageError("--protected and --unprotected exclude each other");
  if (ctx.args.flag("protected")) request.set_protected_(true);
  if (ctx.args.flag("unprotected")) request.set_protected_(false);
  if (ctx.args.flag("public")) request.set_visibility("public");
  if (ctx.args.flag("private")) request.set_visibility("private");
  for (const auto& [key, value] : properties_of(ctx)) (*request.mutable_set_properties())[key] = value;
  for (const auto& key : ctx.args.values("unset-property")) request.add_unset_properties(key);
  for (const auto& p : ctx.args.values("share")) request.add_add_members(project_id_of(ctx, p));
  for (const auto& p : ctx.args.values("unshare")) request.add_remove_members(project_id_of(ctx, p));
  ctx.output.object(call_service(ctx, "image", &Stub::UpdateImage, request), kImageFormats);
}

}  // namespace

void add_image_commands(CommandTable& table) {
  // words, arguments, optional arguments, options, options usage, summary, handler
  table.add({{"image", "create"}, {"NAME"}, {},
             {value_option("file"), value_option("disk-format"), value_option("container-format"),
              value_option("kernel"), value_option("ramdisk"), flag_option("public"), flag_option("protected"),
              value_option("min-disk"), value_option("min-ram"), repeated_option("property")},
             "[--file F] [--disk-format raw|qcow2|aki|ari|ami] [--container-format C] [--kernel IMG --ramdisk IMG] "
             "[--public] [--protected] [--min-disk G] [--min-ram M] [--property K=V]...",
             "create an image and upload its bytes from a file", image_create});
  table.add({{"image", "list"}, {}, {},
             {flag_option("public"), flag_option("private"), flag_option("shared"), value_option("name"),
              value_option("status"), flag_option("all-projects"), value_option("member-status")},
             "[--public|--private|--shared] [--name N] [--status S] [--all-projects] "
             "[--member-status pending|accepted|rejected|all]",
             "list the images you can see (images shared with you: once accepted, unless --member-status)",
             image_list});
  table.add({{"image", "show"}, {"IMAGE"}, {}, {}, "", "show an image", image_show});
  table.add({{"image", "delete"}, {"IMAGE"}, {}, {}, "", "delete an image and its bytes", image_delete});
  table.add({{"image", "download"}, {"IMAGE"}, {}, {value_option("file"), flag_option("resume")},
             "--file F [--resume]", "download an image's bytes (checked against its sha256)", image_download});
  table.add({{"image", "set"}, {"IMAGE"}, {},
             {value_option("name"), value_option("min-disk"), value_option("min-ram"), flag_option("protected"),
              flag_option("unprotected"), flag_option("public"), flag_option("private"), repeated_option("property"),
              repeated_option("unset-property"), repeated_option("share"), repeated_option("unshare")},
             "[--name N] [--min-disk G] [--min-ram M] [--protected|--unprotected] [--public|--private] "
             "[--property K=V]... [--unset-property K]... [--share PROJECT]... [--unshare PROJECT]...",
             "change an image, its properties and the projects it is offered to (--share)", image_set});
  table.add({{"image", "accept"}, {"IMAGE"}, {}, {}, "",
             "accept an image another project shared with yours: it joins your list and names", image_accept});
  table.add({{"image", "reject"}, {"IMAGE"}, {}, {}, "",
             "reject an image shared with your project: it leaves your list (accept it later if you like)",
             image_reject});
}

}  // namespace stratus::cloudctl
