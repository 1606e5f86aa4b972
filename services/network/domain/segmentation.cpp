#include "services/network/domain/segmentation.h"

#include <stdexcept>

namespace stratus::network {

SegmentationRange parse_segmentation_range(const std::string& text) {
  auto dash = text.find('-');
  try {
    if (dash == std::string::npos) throw std::invalid_argument("no dash");
    size_t used = 0;
    SegmentationRange range{std::stoi(text.substr(0, dash), &used), 0};
    if (used != dash) throw std::invalid_argument("trailing text");
    std::string last = text.substr(dash + 1);
    range.last = std::stoi(last, &used);
    if (used != last.size() || range.first < 1 || range.last > 16777215 || range.first > range.last)
      throw std::invalid_argument("out of range");
    return range;
  } catch (const std::exception&) {
    throw std::invalid_argument("network.segmentation_range must be FIRST-LAST within 1-16777215, got '" + text +
                                "'");
  }
}

std::optional<int> next_free_segment(const SegmentationRange& range, const std::set<int>& used) {
  for (int id = range.first; id <= range.last; ++id)
    if (!used.count(id)) return id;
  return std::nullopt;
}

}  // namespace stratus::network
