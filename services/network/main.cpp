// stratus-network: networks, subnets, IP allocation, ports, security groups, floating IPs.
//
//   stratus-network --config /etc/stratus/network.conf
//
// Settings (file or STRATUS_* environment): server.listen (127.0.0.1:7300), db.url,
// db.pool_size, bus.url, identity.{url, service_user, service_password, service_project},
// network.{public_endpoint, segmentation_range (100-4000), default_mtu (1450),
// quota_networks, quota_subnets, quota_ports, quota_security_groups,
// quota_security_group_rules, quota_floating_ips}, log.{level, format}. See docs/network.md.
#include "common/config/config.h"
#include "common/rpc/service_main.h"
#include "common/service/service_runtime.h"
#include "services/network/api/network_api.h"

using namespace stratus;

namespace {

int quota_setting(const Config& config, const std::string& name, int fallback) {
  long value = config.get_int("network.quota_" + name, fallback);
  if (value < -1) throw std::invalid_argument("network.quota_" + name + " must be a count or -1 (unlimited)");
  return static_cast<int>(value);
}

network::Settings settings_from(const Config& config) {
  network::Settings s;
  auto& q = s.default_quota;
  q.networks = quota_setting(config, "networks", q.networks);
  q.subnets = quota_setting(config, "subnets", q.subnets);
  q.ports = quota_setting(config, "ports", q.ports);
  q.security_groups = quota_setting(config, "security_groups", q.security_groups);
  q.security_group_rules = quota_setting(config, "security_group_rules", q.security_group_rules);
  q.floating_ips = quota_setting(config, "floating_ips", q.floating_ips);
  s.segmentation = network::parse_segmentation_range(config.get("network.segmentation_range", "100-4000"));
  s.default_mtu = static_cast<int>(config.get_int("network.default_mtu", 1450));
  if (s.default_mtu < 576 || s.default_mtu > 9000)
    throw std::invalid_argument("network.default_mtu must be between 576 and 9000");
  return s;
}

int run(const Config& config) {
  auto settings = settings_from(config);
  ServiceRuntime runtime(config, {"network", "127.0.0.1:7300", &db::network_migrations()});
  network::Networking networking(runtime.pool(), settings, runtime.logger().child("networking"));
  network::NetworkApi api(networking, runtime.authenticator(), runtime.logger().child("api"));
  network::NetworkAgentApi agent_api(networking, runtime.authenticator(), runtime.logger().child("agent-api"));
  runtime.serve({&api, &agent_api});
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return rpc::service_main(argc, argv, "stratus-network", run); }
