#include "services/block-storage/drivers/qcow2_driver.h"

#include <filesystem>
#include <system_error>

#include <nlohmann/json.hpp>

#include "common/error/error.h"
#include "common/process/run.h"
#include "common/validate/validate.h"

namespace stratus::block_storage {

namespace fs = std::filesystem;

Qcow2Driver::Qcow2Driver(std::string directory, std::string qemu_img)
    : directory_(std::move(directory)), qemu_img_(std::move(qemu_img)) {
  if (directory_.empty()) throw std::invalid_argument("block-storage.volumes_path must name a directory");
  std::error_code ec;
  fs::create_directories(directory_, ec);
  if (ec) throw std::invalid_argument("block-storage.volumes_path " + directory_ + ": " + ec.message());
  fs::permissions(directory_, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::replace, ec);
}

std::string Qcow2Driver::path_of(const std::string& volume_id) const {
  // Ids come from the service, but a path is built from them: refuse anything but a UUID.
  if (!validate::is_uuid(volume_id)) throw std::logic_error("volume id is not a UUID: " + volume_id);
  return (fs::path(directory_) / ("volume-" + volume_id + ".qcow2")).string();
}

void Qcow2Driver::create(const std::string& volume_id, int64_t size_gib) {
  std::string path = path_of(volume_id);
  // Made under a temporary name and renamed: a file under the final name is always complete.
  std::string partial = path + ".partial";
  std::error_code ec;
  fs::remove(partial, ec);
  try {
    process::run_or_throw({qemu_img_, "create", "-q", "-f", "qcow2", partial, std::to_string(size_gib) + "G"});
  } catch (...) {
    fs::remove(partial, ec);  // qemu-img may have left a part of the file
    throw;
  }
  move_into_place(partial, path);
}

void Qcow2Driver::move_into_place(const std::string& partial, const std::string& path) const {
  std::error_code ec;
  fs::rename(partial, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(partial, ignored);
    throw Error(ErrorCode::Internal, "could not move the new volume file into place: " + ec.message());
  }
}

void Qcow2Driver::create_from_image(const std::string& volume_id, int64_t size_gib, const std::string& disk_format,
                                    const std::function<void(const std::string& path)>& fetch) {
  if (disk_format != "raw" && disk_format != "qcow2")
    throw invalid_argument("an image of disk_format " + disk_format + " cannot become a volume (raw or qcow2 only)");
  const std::string path = path_of(volume_id), partial = path + ".partial", download = path + ".image";
  std::error_code ec;
  auto clean = [&] {
    fs::remove(partial, ec);
    fs::remove(download, ec);
  };
  clean();
  try {
    fetch(download);
    auto info = nlohmann::json::parse(
        process::run_or_throw({qemu_img_, "info", "--output=json", "-f", disk_format, download}));
    const uint64_t virtual_size = info.value("virtual-size", uint64_t{0});
    const uint64_t capacity = static_cast<uint64_t>(size_gib) << 30;
    if (virtual_size > capacity)
      throw invalid_argument("the image's virtual size (" + std::to_string((virtual_size + (1ull << 30) - 1) >> 30) +
                             " GiB) is larger than the volume (" + std::to_string(size_gib) + " GiB)");
    process::run_or_throw({qemu_img_, "convert", "-q", "-f", disk_format, "-O", "qcow2", download, partial});
    process::run_or_throw({qemu_img_, "resize", "-q", "-f", "qcow2", partial, std::to_string(size_gib) + "G"});
  } catch (...) {
    clean();
    throw;
  }
  fs::remove(download, ec);
  move_into_place(partial, path);
}

void Qcow2Driver::extend(const std::string& volume_id, int64_t size_gib) {
  // qemu-img never shrinks without --shrink, so a retry of a done extend is harmless.
  process::run_or_throw({qemu_img_, "resize", "-q", "-f", "qcow2", path_of(volume_id), std::to_string(size_gib) + "G"});
}

namespace {
std::string tag_of(const std::string& snapshot_id) {
  if (!validate::is_uuid(snapshot_id)) throw std::logic_error("snapshot id is not a UUID: " + snapshot_id);
  return "snapshot-" + snapshot_id;
}
}  // namespace

bool Qcow2Driver::has_snapshot(const std::string& path, const std::string& tag) const {
  auto listed = process::run({qemu_img_, "snapshot", "-l", "-U", path});
  if (listed.status != 0) throw Error(ErrorCode::Internal, "qemu-img snapshot -l " + path + ": " + listed.output);
  return listed.output.find(tag) != std::string::npos;
}

void Qcow2Driver::snapshot(const std::string& volume_id, const std::string& snapshot_id) {
  const std::string path = path_of(volume_id), tag = tag_of(snapshot_id);
  if (has_snapshot(path, tag)) return;  // a retry after a crash
  process::run_or_throw({qemu_img_, "snapshot", "-q", "-c", tag, path});
}

void Qcow2Driver::delete_snapshot(const std::string& volume_id, const std::string& snapshot_id) {
  const std::string path = path_of(volume_id), tag = tag_of(snapshot_id);
  std::error_code ec;
  if (!fs::exists(path, ec) || !has_snapshot(path, tag)) return;
  process::run_or_throw({qemu_img_, "snapshot", "-q", "-d", tag, path});
}

void Qcow2Driver::create_from_snapshot(const std::string& volume_id, int64_t size_gib,
                                       const std::string& source_volume_id, const std::string& snapshot_id) {
  const std::string path = path_of(volume_id), partial = path + ".partial";
  std::error_code ec;
  fs::remove(partial, ec);
  try {
    process::run_or_throw({qemu_img_, "convert", "-q", "-U", "-f", "qcow2", "-O", "qcow2", "-l",
                           "snapshot.name=" + tag_of(snapshot_id), path_of(source_volume_id), partial});
    // -U: the source may be attached to a running guest meanwhile; an internal snapshot's
    // clusters and tables never change once taken, so reading them beside QEMU is safe.
    // Never smaller than the snapshot (the use case checks); grown when asked.
    process::run_or_throw({qemu_img_, "resize", "-q", "-f", "qcow2", partial, std::to_string(size_gib) + "G"});
  } catch (...) {
    fs::remove(partial, ec);
    throw;
  }
  move_into_place(partial, path);
}

void Qcow2Driver::remove(const std::string& volume_id) {
  std::string path = path_of(volume_id);
  std::error_code ec;
  fs::remove(path + ".partial", ec);
  fs::remove(path, ec);
  if (ec) throw Error(ErrorCode::Internal, "could not remove " + path + ": " + ec.message());
}

Connection Qcow2Driver::connection(const std::string& volume_id, const std::string&) const {
  // All-in-one or a shared file system: every host sees the same path.
  return Connection{"file", path_of(volume_id), "qcow2"};
}

bool Qcow2Driver::exists(const std::string& volume_id) const {
  std::error_code ec;
  return fs::exists(path_of(volume_id), ec);
}

}  // namespace stratus::block_storage
