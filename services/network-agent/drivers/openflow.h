#pragma once
// The seam to the switch's flow tables.
#include <string>

#include "domain/flow.h"
#include "domain/flow_compiler.h"

namespace stratus::network_agent {

class FlowProgrammer {
 public:
  virtual ~FlowProgrammer() = default;
  // The flows the agent owns on `bridge` (flows OVS learned itself are left out).
  virtual FlowSet dump(const std::string& bridge) = 0;
  // Applies the whole diff atomically: packets see the old flows or the new, never a mix.
  // Throws stratus::Error when the switch refuses; then nothing changed.
  virtual void apply(const std::string& bridge, const FlowDiff& diff) = 0;
  // Broadcasts the ARP request `probe` on `bridge` (a packet-out through NORMAL), as a host
  // holding the floating address would. Throws stratus::Error when the switch refuses.
  virtual void send_arp_request(const std::string& bridge, const ArpProbe& probe) = 0;
  // Forgets every conntrack entry of `zone` (a port's firewall or NAT zone whose owner left:
  // its entries must not carry over to the next port given that ofport). Throws
  // stratus::Error when the datapath refuses.
  virtual void flush_conntrack_zone(int zone) = 0;
};

// ovs-ofctl -O OpenFlow15: one `--bundle add-flows` per change, whose lines are
// `delete_strict ...` then `add ...`, so a change is one OpenFlow bundle (atomic), and only
// the flows that differ are touched (established connections keep their flows).
class OvsOfctlProgrammer : public FlowProgrammer {
 public:
  explicit OvsOfctlProgrammer(std::string ovs_ofctl = "ovs-ofctl", std::string ovs_appctl = "ovs-appctl")
      : ovs_ofctl_(std::move(ovs_ofctl)), ovs_appctl_(std::move(ovs_appctl)) {}
  FlowSet dump(const std::string& bridge) override;
  void apply(const std::string& bridge, const FlowDiff& diff) override;
  void send_arp_request(const std::string& bridge, const ArpProbe& probe) override;
  // ovs-appctl dpctl/flush-conntrack zone=N
  void flush_conntrack_zone(int zone) override;

 private:
  std::string ovs_ofctl_;
  std::string ovs_appctl_;
};

// The 42 bytes of the Ethernet frame of an ARP request, as hex digits (what `ovs-ofctl
// packet-out` takes); throws stratus::Error(InvalidArgument) on a bad MAC or IPv4 address.
std::string arp_request_hex(const ArpProbe& probe);

}  // namespace stratus::network_agent
