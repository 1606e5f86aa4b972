#pragma once
// Base images on this host, downloaded once per host and shared by every instance's
// overlay: the seam between the agent and where image bytes come from.
#include <chrono>
#include <functional>
#include <set>
#include <string>

namespace stratus::compute_agent {

// Writes the bytes of image `image_id` into `destination` (a new file) and returns the
// image's expected sha256 (lower-case hex) as the image service recorded it. Throws on
// failure (stratus::Error: NOT_FOUND, UNAVAILABLE, ...).
using ImageFetcher = std::function<std::string(const std::string& image_id, const std::string& destination)>;

class ImageCache {
 public:
  virtual ~ImageCache() = default;
  // The path of the cached image, fetched with `fetch` first when not cached yet (the
  // fetcher is per call: where bytes come from may depend on the instance asking).
  // Concurrent calls for the same image fetch it once; a failed fetch leaves nothing behind.
  virtual std::string acquire(const std::string& image_id, const ImageFetcher& fetch) = 0;
  // Removes cached images that are not in `in_use` (paths) and were not acquired for
  // longer than `max_unused`. Returns the ids removed.
  virtual std::set<std::string> remove_unused(const std::set<std::string>& in_use,
                                              std::chrono::seconds max_unused) = 0;
};

}  // namespace stratus::compute_agent
