#pragma once
// Segmentation ids (the VLAN/tunnel key that isolates one network from another on the wire),
// allocated by the service from a configured range such as "100-4000".
#include <optional>
#include <set>
#include <string>

namespace stratus::network {

struct SegmentationRange {
  int first = 100;
  int last = 4000;
};

// "100-4000"; throws std::invalid_argument (a configuration error) when malformed.
SegmentationRange parse_segmentation_range(const std::string& text);
// The lowest id of `range` not in `used`.
std::optional<int> next_free_segment(const SegmentationRange& range, const std::set<int>& used);

}  // namespace stratus::network
