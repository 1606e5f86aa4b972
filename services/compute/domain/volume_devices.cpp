#include "services/compute/domain/volume_devices.h"

#include <algorithm>

#include "common/error/error.h"

namespace stratus::compute {

namespace {
std::string device_of(char letter) { return std::string("/dev/vd") + letter; }
bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}
}  // namespace

std::vector<std::string> flavor_devices(int ephemeral_gib, int swap_mib) {
  std::vector<std::string> out{device_of('a')};
  if (ephemeral_gib > 0) out.push_back(device_of(static_cast<char>('a' + out.size())));
  if (swap_mib > 0) out.push_back(device_of(static_cast<char>('a' + out.size())));
  return out;
}

std::string target_dev(const std::string& device) {
  return device.rfind("/dev/", 0) == 0 ? device.substr(5) : device;
}

std::string choose_device(int ephemeral_gib, int swap_mib, const std::vector<std::string>& taken,
                          const std::string& requested) {
  const auto fixed = flavor_devices(ephemeral_gib, swap_mib);
  const char first = static_cast<char>('a' + fixed.size());
  if (requested.empty()) {
    for (char c = first; c <= 'z'; ++c)
      if (!contains(taken, device_of(c))) return device_of(c);
    throw resource_exhausted("the server has no free device name left (/dev/vd" + std::string(1, first) +
                             " .. /dev/vdz are taken): detach a volume first");
  }
  std::string device = requested.rfind("/dev/", 0) == 0 ? requested : "/dev/" + requested;
  bool shaped = device.size() == 8 && device.compare(0, 7, "/dev/vd") == 0 && device[7] >= 'a' && device[7] <= 'z';
  if (!shaped) throw invalid_argument("device " + requested + " is not a virtio disk name like /dev/vdb");
  if (contains(fixed, device) || device[7] < first)
    throw invalid_argument("device " + device + " is the server's own disk (root, ephemeral or swap); volumes "
                           "start at /dev/vd" + std::string(1, first));
  if (contains(taken, device)) throw already_exists("device", device);
  return device;
}

}  // namespace stratus::compute
