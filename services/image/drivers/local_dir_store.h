#pragma once
// Images as files in one directory: <dir>/<id> when committed, <dir>/<id>.partial while an
// upload runs. A commit fsyncs the file, renames it into place and fsyncs the directory, so
// after a crash an image is either whole or absent (a leftover .partial is removed by
// recovery).
#include <string>

#include "services/image/drivers/image_store.h"

namespace stratus::image {

class LocalDirStore final : public ImageStore {
 public:
  // Creates `directory` if needed.
  explicit LocalDirStore(std::string directory);

  std::unique_ptr<Writer> begin_write(const std::string& image_id) override;
  std::unique_ptr<Reader> open_read(const std::string& image_id, uint64_t offset) override;
  void remove(const std::string& image_id) override;
  void remove_partial(const std::string& image_id) override;
  bool exists(const std::string& image_id) override;

  const std::string& directory() const { return directory_; }
  std::string final_path(const std::string& image_id) const;
  std::string partial_path(const std::string& image_id) const;

 private:
  std::string directory_;
};

}  // namespace stratus::image
