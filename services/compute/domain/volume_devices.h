#pragma once
// Device names of an instance's volumes, pure. The agent lays the domain's virtio disks out
// as vda (root), then the flavor's ephemeral disk and swap disk in that order; volumes take
// the next names, /dev/vdb .. /dev/vdz, as Nova's libvirt driver does. The guest names disks
// in the order they appear on the bus, so the name is what a user finds in a guest that had
// no other disk hot-plugged out of order.
#include <optional>
#include <string>
#include <vector>

namespace stratus::compute {

// The disks of a flavor that come before volumes: {"/dev/vda", "/dev/vdb" (ephemeral) ...}.
std::vector<std::string> flavor_devices(int ephemeral_gib, int swap_mib);

// The device for a new volume. `requested` empty: the first name after the flavor's disks not
// in `taken`. Otherwise it must be /dev/vdX (or vdX), free, and after the flavor's disks:
// INVALID_ARGUMENT / ALREADY_EXISTS naming what is wrong. RESOURCE_EXHAUSTED past /dev/vdz.
std::string choose_device(int ephemeral_gib, int swap_mib, const std::vector<std::string>& taken,
                          const std::string& requested);

// "vdb" for "/dev/vdb" (the domain XML's target dev); the input unchanged when it has no /dev/.
std::string target_dev(const std::string& device);

}  // namespace stratus::compute
