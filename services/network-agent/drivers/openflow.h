#pragma once
// The seam to the switch's flow tables.
#include <string>

#include "domain/flow.h"

namespace stratus::network_agent {

class FlowProgrammer {
 public:
  virtual ~FlowProgrammer() = default;
  // The flows the agent owns on `bridge` (flows OVS learned itself are left out).
  virtual FlowSet dump(const std::string& bridge) = 0;
  // Applies the whole diff atomically: packets see the old flows or the new, never a mix.
  // Throws stratus::Error when the switch refuses; then nothing changed.
  virtual void apply(const std::string& bridge, const FlowDiff& diff) = 0;
};

// ovs-ofctl -O OpenFlow15: one `--bundle add-flows` per change, whose lines are
// `delete_strict ...` then `add ...`, so a change is one OpenFlow bundle (atomic), and only
// the flows that differ are touched (established connections keep their flows).
class OvsOfctlProgrammer : public FlowProgrammer {
 public:
  explicit OvsOfctlProgrammer(std::string ovs_ofctl = "ovs-ofctl") : ovs_ofctl_(std::move(ovs_ofctl)) {}
  FlowSet dump(const std::string& bridge) override;
  void apply(const std::string& bridge, const FlowDiff& diff) override;

 private:
  std::string ovs_ofctl_;
};

// Runs a shell command; returns its exit status and what it wrote to stdout and stderr.
struct CommandResult {
  int status = -1;
  std::string output;
};
CommandResult run_command(const std::string& command);

}  // namespace stratus::network_agent
