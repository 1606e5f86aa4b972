#include "drivers/openflow.h"

#include <arpa/inet.h>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error/error.h"
#include "common/process/run.h"
#include "domain/flow_compiler.h"

namespace stratus::network_agent {

namespace {

// Bridge names go into a shell command: allow only what OVS bridge names use.
const std::string& checked_bridge(const std::string& bridge) {
  if (bridge.empty() || bridge.size() > 64) throw invalid_argument("bad bridge name '" + bridge + "'");
  for (char c : bridge)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      throw invalid_argument("bad bridge name '" + bridge + "'");
  return bridge;
}

// A temporary file removed when it goes out of scope.
class TempFile {
 public:
  TempFile() {
    char name[] = "/tmp/stratus-flows-XXXXXX";
    int fd = mkstemp(name);
    if (fd < 0) throw Error(ErrorCode::Internal, "cannot create a temporary file for flows");
    close(fd);
    path_ = name;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// "fa:16:3e:00:0f:10" -> "fa163e000f10"; only well-formed MACs.
std::string mac_hex(const std::string& mac) {
  unsigned bytes[6];
  char extra;
  if (mac.size() != 17 ||
      std::sscanf(mac.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &bytes[0], &bytes[1], &bytes[2], &bytes[3], &bytes[4],
                  &bytes[5], &extra) != 6)
    throw invalid_argument("bad MAC address '" + mac + "'");
  char out[13];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x%02x%02x", bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]);
  return out;
}

std::string ipv4_hex(const std::string& address) {
  in_addr parsed{};
  if (inet_pton(AF_INET, address.c_str(), &parsed) != 1) throw invalid_argument("bad IPv4 address '" + address + "'");
  const auto* b = reinterpret_cast<const unsigned char*>(&parsed.s_addr);
  char out[9];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
  return out;
}

}  // namespace

std::string arp_request_hex(const ArpProbe& probe) {
  std::string sender = mac_hex(probe.sender_mac);
  // Ethernet: broadcast, from the floating IP's MAC, ARP. ARP: Ethernet/IPv4, request.
  return "ffffffffffff" + sender + "0806" + "0001" "0800" "06" "04" "0001" + sender + ipv4_hex(probe.sender_ip) +
         "000000000000" + ipv4_hex(probe.target_ip);
}

FlowSet OvsOfctlProgrammer::dump(const std::string& bridge) {
  auto result = process::run_command(ovs_ofctl_ + " -O OpenFlow15 --no-names --no-stats dump-flows " + checked_bridge(bridge));
  if (result.status != 0) throw unavailable("ovs-ofctl dump-flows " + bridge + ": " + result.output);
  FlowSet flows;
  std::istringstream lines(result.output);
  std::string line;
  while (std::getline(lines, line)) {
    auto flow = parse_dumped_flow(line);
    if (flow && flow->cookie != kLearnedCookie) flows.insert(*flow);
  }
  return flows;
}

void OvsOfctlProgrammer::apply(const std::string& bridge, const FlowDiff& diff) {
  if (diff.empty()) return;
  TempFile file;
  {
    std::ofstream out(file.path());
    // Deletes first: an add of the same key later in the bundle must survive.
    for (const auto& flow : diff.to_delete) out << delete_command(flow) << "\n";
    for (const auto& flow : diff.to_add) out << add_command(flow) << "\n";
  }
  auto result = process::run_command(ovs_ofctl_ + " -O OpenFlow15 --bundle add-flows " + checked_bridge(bridge) + " " +
                            file.path());
  if (result.status != 0)
    throw Error(ErrorCode::Internal, "ovs-ofctl --bundle add-flows " + bridge + " failed: " + result.output);
}

}  // namespace stratus::network_agent

namespace stratus::network_agent {

void OvsOfctlProgrammer::send_arp_request(const std::string& bridge, const ArpProbe& probe) {
  // Only hex digits and the checked bridge name reach the shell.
  auto result = process::run_command(ovs_ofctl_ + " -O OpenFlow15 packet-out " + checked_bridge(bridge) +
                            " in_port=controller,packet=" + arp_request_hex(probe) + ",actions=NORMAL");
  if (result.status != 0)
    throw Error(ErrorCode::Internal, "ovs-ofctl packet-out " + bridge + " failed: " + result.output);
}

}  // namespace stratus::network_agent

namespace stratus::network_agent {

void OvsOfctlProgrammer::flush_conntrack_zone(int zone) {
  if (zone < 0 || zone > 0xffff) throw invalid_argument("bad conntrack zone " + std::to_string(zone));
  auto result = process::run_command(ovs_appctl_ + " dpctl/flush-conntrack zone=" + std::to_string(zone));
  if (result.status != 0)
    throw Error(ErrorCode::Internal, "ovs-appctl dpctl/flush-conntrack zone=" + std::to_string(zone) +
                                         " failed: " + result.output);
}

}  // namespace stratus::network_agent
