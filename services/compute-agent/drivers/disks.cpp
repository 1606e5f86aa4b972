#include "services/compute-agent/drivers/disks.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <fstream>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "common/error/error.h"
#include "common/validate/validate.h"
#include "common/process/run.h"
#include "services/image/client/sha256.h"

namespace stratus::compute_agent {
namespace fs = std::filesystem;
namespace {

constexpr std::uint64_t kGiB = 1ull << 30;
constexpr std::uint64_t kMiB = 1ull << 20;

// Ids become file names: only lower-case UUIDs, so no path can escape the directory.
void check_id(const std::string& kind, const std::string& id) {
  bool ok = validate::is_uuid(id) && std::none_of(id.begin(), id.end(), [](char c) { return std::isupper(c); });
  if (!ok) throw invalid_argument(kind + " '" + id + "' is not a lower-case UUID");
}

bool is_lower_uuid(const std::string& name) {
  return validate::is_uuid(name) && std::none_of(name.begin(), name.end(), [](char c) { return std::isupper(c); });
}

void make_reachable_directory(const fs::path& path) {
  fs::create_directories(path);
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
}

void write_text_file(const fs::path& path, const std::string& text) {
  fs::path partial = path;
  partial += ".partial";
  {
    std::ofstream out(partial, std::ios::trunc);
    out << text;
    if (!out) throw Error(ErrorCode::Internal, "cannot write " + partial.string());
  }
  fs::rename(partial, path);
}

std::string read_text_file(const fs::path& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Blank qcow2 of `bytes`, made under a temporary name and renamed: never half made.
void create_blank_qcow2(const fs::path& path, std::uint64_t bytes) {
  if (fs::exists(path)) return;
  fs::path partial = path;
  partial += ".partial";
  process::run_or_throw({"qemu-img", "create", "-q", "-f", "qcow2", partial.string(), std::to_string(bytes)});
  fs::rename(partial, path);
}

void create_root_overlay(const fs::path& path, const InstanceDisksSpec& spec) {
  if (fs::exists(path)) return;
  if (spec.base_image_format != "raw" && spec.base_image_format != "qcow2")
    throw invalid_argument("base image format must be raw or qcow2, not '" + spec.base_image_format + "'");
  if (!fs::is_regular_file(spec.base_image_path))
    throw failed_precondition("base image " + spec.base_image_path + " is not in the image cache");
  fs::path partial = path;
  partial += ".partial";
  process::run_or_throw({"qemu-img", "create", "-q", "-f", "qcow2", "-F", spec.base_image_format, "-b",
                        spec.base_image_path, partial.string()});
  const std::uint64_t wanted = spec.root_gib * kGiB;
  if (wanted > image_virtual_size(spec.base_image_path, spec.base_image_format))
    process::run_or_throw({"qemu-img", "resize", "-q", partial.string(), std::to_string(wanted)});
  fs::rename(partial, path);
}

}  // namespace

std::uint64_t image_virtual_size(const std::string& path, const std::string& format) {
  auto output = process::run_or_throw({"qemu-img", "info", "--output=json", "-f", format, path});
  try {
    return nlohmann::json::parse(output).at("virtual-size").get<std::uint64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::Internal, "qemu-img info " + path + ": unexpected output: " + e.what());
  }
}

QcowDiskManager::QcowDiskManager(std::string instances_path) : instances_path_(std::move(instances_path)) {}

InstanceDisks QcowDiskManager::paths(const std::string& instance_uuid) {
  check_id("instance uuid", instance_uuid);
  const fs::path dir = fs::path(instances_path_) / instance_uuid;
  InstanceDisks disks;
  disks.directory = dir.string();
  disks.root = (dir / "disk").string();
  disks.console_log = (dir / "console.log").string();
  if (fs::exists(dir / "disk.eph0")) disks.ephemeral = (dir / "disk.eph0").string();
  if (fs::exists(dir / "disk.swap")) disks.swap = (dir / "disk.swap").string();
  if (fs::exists(dir / "disk.config")) disks.config_drive = (dir / "disk.config").string();
  return disks;
}

InstanceDisks QcowDiskManager::prepare(const InstanceDisksSpec& spec) {
  check_id("instance uuid", spec.instance_uuid);
  make_reachable_directory(instances_path_);
  const fs::path dir = fs::path(instances_path_) / spec.instance_uuid;
  make_reachable_directory(dir);

  // Recorded before the overlay exists, so a half-prepared instance still pins its images.
  std::string images = spec.base_image_path + "\n";
  for (const auto& image : spec.other_cached_images) images += image + "\n";
  write_text_file(dir / "images", images);
  create_root_overlay(dir / "disk", spec);
  if (spec.ephemeral_gib > 0) create_blank_qcow2(dir / "disk.eph0", spec.ephemeral_gib * kGiB);
  if (spec.swap_mib > 0) create_blank_qcow2(dir / "disk.swap", spec.swap_mib * kMiB);
  // Written once, like Nova: the guest reads it at first boot.
  if (spec.config_drive && !fs::exists(dir / "disk.config")) {
    try {
      configdrive::write_config_drive(*spec.config_drive, dir / "disk.config");
    } catch (const std::invalid_argument& e) {
      throw invalid_argument(std::string("config drive: ") + e.what());
    } catch (const std::runtime_error& e) {
      throw Error(ErrorCode::Internal, e.what());
    }
  }
  return paths(spec.instance_uuid);
}

void QcowDiskManager::remove_instance(const std::string& instance_uuid) {
  check_id("instance uuid", instance_uuid);
  std::error_code error;
  fs::remove_all(fs::path(instances_path_) / instance_uuid, error);
  if (error)
    throw Error(ErrorCode::Internal, "cannot remove the files of instance " + instance_uuid + ": " + error.message());
}

std::vector<std::string> QcowDiskManager::instance_uuids() {
  std::vector<std::string> uuids;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(instances_path_, error)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && is_lower_uuid(name)) uuids.push_back(name);
  }
  std::sort(uuids.begin(), uuids.end());
  return uuids;
}

std::set<std::string> QcowDiskManager::base_images_in_use() {
  std::set<std::string> in_use;
  for (const auto& uuid : instance_uuids()) {
    std::ifstream in(fs::path(instances_path_) / uuid / "images");
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) in_use.insert(line);
  }
  return in_use;
}

std::uint64_t QcowDiskManager::read_generation(const std::string& instance_uuid, const char* file_name) {
  check_id("instance uuid", instance_uuid);
  const fs::path file = fs::path(instances_path_) / instance_uuid / file_name;
  if (!fs::exists(file)) return 0;
  try {
    return std::stoull(read_text_file(file));
  } catch (const std::exception&) {
    return 0;
  }
}

void QcowDiskManager::write_generation(const std::string& instance_uuid, const char* file_name,
                                       std::uint64_t generation) {
  check_id("instance uuid", instance_uuid);
  const fs::path dir = fs::path(instances_path_) / instance_uuid;
  if (!fs::exists(dir)) return;  // nothing to remember it for
  write_text_file(dir / file_name, std::to_string(generation) + "\n");
}

std::uint64_t QcowDiskManager::applied_reboot_generation(const std::string& instance_uuid) {
  return read_generation(instance_uuid, "reboot_generation");
}
void QcowDiskManager::set_applied_reboot_generation(const std::string& instance_uuid, std::uint64_t generation) {
  write_generation(instance_uuid, "reboot_generation", generation);
}
std::uint64_t QcowDiskManager::applied_snapshot_generation(const std::string& instance_uuid) {
  return read_generation(instance_uuid, "snapshot_generation");
}
void QcowDiskManager::set_applied_snapshot_generation(const std::string& instance_uuid, std::uint64_t generation) {
  write_generation(instance_uuid, "snapshot_generation", generation);
}

std::string QcowDiskManager::copy_root_disk(const std::string& instance_uuid) {
  const InstanceDisks files = paths(instance_uuid);
  if (!fs::exists(files.root)) throw not_found("root disk of instance", instance_uuid);
  const fs::path copy = fs::path(files.directory) / "snapshot.qcow2";
  const fs::path partial = fs::path(files.directory) / "snapshot.qcow2.partial";
  fs::remove(partial);
  // -U: the running domain holds a lock on the overlay; it is paused, so reading is safe.
  process::run_or_throw({"qemu-img", "convert", "-U", "-q", "-O", "qcow2", files.root, partial.string()});
  fs::rename(partial, copy);
  return copy.string();
}

// ---- image cache ----

struct FileImageCache::Download {
  std::mutex mutex;
  std::condition_variable done_signal;
  bool done = false;
  std::exception_ptr error;
};

FileImageCache::FileImageCache(std::string cache_path) : cache_path_(std::move(cache_path)) {}

std::string FileImageCache::acquire(const std::string& image_id, const ImageFetcher& fetch) {
  check_id("image id", image_id);
  const fs::path cached = fs::path(cache_path_) / image_id;
  std::shared_ptr<Download> download;
  bool fetch_here = false;
  {
    std::lock_guard lock(mutex_);
    auto it = downloads_.find(image_id);
    if (it != downloads_.end()) {
      download = it->second;
    } else if (fs::exists(cached)) {
      fs::last_write_time(cached, fs::file_time_type::clock::now());  // last use, for cleanup
      return cached.string();
    } else {
      download = std::make_shared<Download>();
      downloads_[image_id] = download;
      fetch_here = true;
    }
  }
  if (fetch_here) {
    std::exception_ptr error;
    try {
      fetch_into_cache(image_id, fetch);
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      downloads_.erase(image_id);
    }
    {
      std::lock_guard lock(download->mutex);
      download->done = true;
      download->error = error;
    }
    download->done_signal.notify_all();
  } else {
    std::unique_lock lock(download->mutex);
    download->done_signal.wait(lock, [&] { return download->done; });
  }
  if (download->error) std::rethrow_exception(download->error);
  return cached.string();
}

std::string FileImageCache::fetch_into_cache(const std::string& image_id, const ImageFetcher& fetch) {
  make_reachable_directory(cache_path_);
  const fs::path cached = fs::path(cache_path_) / image_id;
  static std::atomic<unsigned> counter{0};
  const fs::path partial = fs::path(cache_path_) / ("." + image_id + ".partial-" + std::to_string(getpid()) + "-" +
                                                    std::to_string(counter++));
  try {
    const std::string expected = fetch(image_id, partial.string());
    const std::string actual = image::sha256_of_file(partial.string());
    if (expected.empty() || actual != expected)
      throw Error(ErrorCode::Internal, "image " + image_id + ": downloaded bytes have sha256 " + actual +
                                           ", the image service says '" + expected + "'");
    fs::permissions(partial, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                 fs::perms::others_read);
    fs::rename(partial, cached);
  } catch (...) {
    std::error_code ignored;
    fs::remove(partial, ignored);
    throw;
  }
  return cached.string();
}

std::set<std::string> FileImageCache::remove_unused(const std::set<std::string>& in_use,
                                                    std::chrono::seconds max_unused) {
  std::set<std::string> removed;
  std::lock_guard lock(mutex_);
  const auto now = fs::file_time_type::clock::now();
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(cache_path_, error)) {
    const std::string name = entry.path().filename().string();
    std::error_code stat_error;
    const auto modified = fs::last_write_time(entry.path(), stat_error);
    if (stat_error || now - modified < max_unused) continue;
    if (is_lower_uuid(name)) {
      if (in_use.count(entry.path().string()) || downloads_.count(name)) continue;
      if (fs::remove(entry.path(), stat_error)) removed.insert(name);
    } else if (name.rfind(".", 0) == 0 && name.find(".partial-") != std::string::npos &&
               !downloads_.count(name.substr(1, 36))) {
      // Left by a download that died with the agent.
      fs::remove(entry.path(), stat_error);
    }
  }
  return removed;
}

}  // namespace stratus::compute_agent
