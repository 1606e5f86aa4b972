#include "services/block-storage/domain/volume_spec.h"

#include "common/error/error.h"
#include "common/validate/validate.h"

namespace stratus::block_storage {

void check_size(int64_t size_gib, int64_t max_size_gib) {
  if (size_gib < 1)
    throw invalid_argument("size_gib must be at least 1 (got " + std::to_string(size_gib) + ")");
  if (size_gib > max_size_gib)
    throw invalid_argument("size_gib " + std::to_string(size_gib) + " is more than the largest volume this cloud makes (" +
                           std::to_string(max_size_gib) + " GiB)");
}

std::string volume_name(const std::string& value) {
  if (value.empty()) throw invalid_argument("name must not be empty: give the volume a name");
  return validate::normalized_name("name", value);
}

void check_description(const std::string& value) { validate::optional_text("description", value, kMaxDescription); }

void check_availability_zone(const std::string& value) {
  if (!value.empty()) validate::name("availability_zone", value);
}

}  // namespace stratus::block_storage
