#pragma once
// The network service's use cases: what each API call does, in terms of the store and the
// pure domain (IPAM, rules, quotas). Handlers (api/) translate messages and call these; every
// method that acts for somebody takes the verified Caller and checks policy itself. Every
// change enqueues its events in the same transaction (events.h).
//
// Tenancy: a resource of another project is answered NOT_FOUND, as if it did not exist;
// shared and external networks (and their subnets) are visible to all. Admins see all.
#include <optional>
#include <random>
#include <mutex>
#include <string>
#include <vector>

#include "common/auth/policy.h"
#include "common/db/pool.h"
#include "common/log/log.h"
#include "services/network/domain/ipam.h"
#include "services/network/domain/quota.h"
#include "services/network/domain/security_rules.h"
#include "services/network/domain/segmentation.h"
#include "services/network/store/network_store.h"

namespace stratus::network {

inline constexpr int kMinMtu = 576;  // the smallest datagram every IPv4 host must accept

struct Settings {
  QuotaLimits default_quota;
  SegmentationRange segmentation;
  int default_mtu = 1450;  // room for a tunnel header inside a 1500-byte underlay; also the ceiling
  std::string events_exchange = "stratus.events";
};

struct NetworkSpec {
  std::string name;
  bool shared = false;
  bool external = false;
  int mtu = 0;          // 0: Settings::default_mtu
  std::string project;  // admin: on behalf of this project id
};
struct NetworkChanges {
  std::optional<std::string> name;
  std::optional<bool> shared;
};
struct NetworkView {
  NetworkRow network;
  std::vector<std::string> subnet_ids;
};

struct SubnetSpec {
  std::string name;
  std::string network;
  SubnetRequest layout;
};

struct FixedIpSpec {
  std::string subnet;      // optional
  std::string ip_address;  // optional
};
struct PortSpec {
  std::string name;
  std::string network;
  std::vector<FixedIpSpec> fixed_ips;
  std::string mac_address;
  std::optional<std::vector<std::string>> security_groups;  // nullopt: the project's default
  std::string device_owner, device_id, host;
  std::string project;  // admin: on behalf of this project id
};
struct PortChanges {
  std::optional<std::string> name, device_owner, device_id, host;
  std::optional<std::vector<std::string>> security_groups;
};
struct PortQuery {
  std::string network, device_id, host, project;
};

struct SecurityGroupView {
  SecurityGroupRow group;
  std::vector<RuleRow> rules;
};
struct SecurityGroupChanges {
  std::optional<std::string> name, description;
};
struct RuleSpec {
  std::string security_group;
  RuleRequest rule;           // remote_group_id is filled from remote_group
  std::string remote_group;   // id or name
  std::string description;
};

struct QuotaView {
  std::string project_id;
  QuotaLimits limits, in_use;
};
struct QuotaChanges {
  std::optional<int> networks, subnets, ports, security_groups, security_group_rules, floating_ips;
};

// ---- the agent's view of a port ----
struct BoundFixedIpView {
  FixedIpRow fixed_ip;
  SubnetRow subnet;
};
struct BoundRuleView {
  RuleRow rule;
  std::vector<std::string> remote_ip_addresses;  // members of remote_group_id
};
struct BoundFloatingIpView {
  FloatingIpRow floating_ip;
  NetworkRow external_network;
  SubnetRow external_subnet;
};
struct PortBindingView {
  PortRow port;
  NetworkRow network;
  std::vector<BoundFixedIpView> fixed_ips;
  std::vector<BoundRuleView> rules;
  std::vector<BoundFloatingIpView> floating_ips;
};

class Networking {
 public:
  Networking(db::Pool& pool, Settings settings, log::Logger logger);

  // ---- networks ----
  NetworkView create_network(const auth::Caller& caller, const NetworkSpec& spec);
  NetworkView get_network(const auth::Caller& caller, const std::string& network);
  std::vector<NetworkView> list_networks(const auth::Caller& caller, const std::string& project, bool external_only);
  NetworkView update_network(const auth::Caller& caller, const std::string& network, const NetworkChanges& changes);
  void delete_network(const auth::Caller& caller, const std::string& network);

  // ---- subnets ----
  SubnetRow create_subnet(const auth::Caller& caller, const SubnetSpec& spec);
  SubnetRow get_subnet(const auth::Caller& caller, const std::string& subnet);
  std::vector<SubnetRow> list_subnets(const auth::Caller& caller, const std::string& network);
  void delete_subnet(const auth::Caller& caller, const std::string& subnet);

  // ---- ports ----
  PortRow create_port(const auth::Caller& caller, const PortSpec& spec);
  PortRow get_port(const auth::Caller& caller, const std::string& port);
  std::vector<PortRow> list_ports(const auth::Caller& caller, const PortQuery& query);
  PortRow update_port(const auth::Caller& caller, const std::string& port, const PortChanges& changes);
  void delete_port(const auth::Caller& caller, const std::string& port);

  // ---- security groups ----
  SecurityGroupView create_security_group(const auth::Caller& caller, const std::string& name,
                                          const std::string& description);
  SecurityGroupView get_security_group(const auth::Caller& caller, const std::string& group);
  std::vector<SecurityGroupView> list_security_groups(const auth::Caller& caller, const std::string& project);
  SecurityGroupView update_security_group(const auth::Caller& caller, const std::string& group,
                                          const SecurityGroupChanges& changes);
  void delete_security_group(const auth::Caller& caller, const std::string& group);
  RuleRow create_rule(const auth::Caller& caller, const RuleSpec& spec);
  RuleRow get_rule(const auth::Caller& caller, const std::string& rule_id);
  std::vector<RuleRow> list_rules(const auth::Caller& caller, const std::string& group);
  void delete_rule(const auth::Caller& caller, const std::string& rule_id);

  // ---- floating IPs ----
  FloatingIpRow create_floating_ip(const auth::Caller& caller, const std::string& floating_network,
                                   const std::string& port, const std::string& fixed_ip_address);
  FloatingIpRow get_floating_ip(const auth::Caller& caller, const std::string& floating_ip);
  std::vector<FloatingIpRow> list_floating_ips(const auth::Caller& caller, const std::string& project,
                                               const std::string& port);
  FloatingIpRow associate_floating_ip(const auth::Caller& caller, const std::string& floating_ip,
                                      const std::string& port, const std::string& fixed_ip_address);
  FloatingIpRow disassociate_floating_ip(const auth::Caller& caller, const std::string& floating_ip);
  void delete_floating_ip(const auth::Caller& caller, const std::string& floating_ip);

  // ---- quotas ----
  QuotaView get_quota(const auth::Caller& caller, const std::string& project);
  QuotaView set_quota(const auth::Caller& caller, const std::string& project, const QuotaChanges& changes);

  // ---- for the network agents (admin) ----
  PortBindingView port_binding(const auth::Caller& caller, const std::string& port_id);
  // Several ports in one transaction; those gone or bound to another host are left out.
  std::vector<PortBindingView> port_bindings(const auth::Caller& caller, const std::vector<std::string>& port_ids);
  std::vector<PortBindingView> ports_on_host(const auth::Caller& caller, const std::string& host);
  std::vector<MemberRow> security_group_members(const auth::Caller& caller, const std::string& group_id);
  PortRow update_port_status(const auth::Caller& caller, const std::string& port_id, const std::string& host,
                             const std::string& status);

 private:
  // The project a call acts in: the caller's, or for admins the one the request names.
  std::string acting_project(const auth::Caller& caller, const std::string& requested) const;
  QuotaLimits limits_of(pqxx::work& tx, const std::string& project_id);
  NetworkRow require_network(pqxx::work& tx, const auth::Caller& caller, const std::string& ref);
  SubnetRow require_subnet(pqxx::work& tx, const auth::Caller& caller, const std::string& ref);
  PortRow require_port(pqxx::work& tx, const auth::Caller& caller, const std::string& ref);
  SecurityGroupRow require_group(pqxx::work& tx, const auth::Caller& caller, const std::string& ref,
                                 const std::string& project_id);
  FloatingIpRow require_floating_ip(pqxx::work& tx, const auth::Caller& caller, const std::string& ref,
                                    bool for_update = false);
  // Makes the project's default group (and its rules) when it has none yet.
  void ensure_default_group(pqxx::work& tx, const std::string& project_id);
  std::vector<std::string> resolve_groups(pqxx::work& tx, const auth::Caller& caller, const std::string& project_id,
                                          const std::optional<std::vector<std::string>>& refs);
  void allocate_fixed_ips(pqxx::work& tx, const auth::Caller& caller, PortRow& port,
                          const std::vector<FixedIpSpec>& requested);
  std::string fresh_mac(pqxx::work& tx, const std::string& network_id);
  std::string random_mac();
  FloatingIpRow associate(pqxx::work& tx, const auth::Caller& caller, FloatingIpRow fip, const std::string& port,
                          const std::string& fixed_ip_address);
  PortBindingView binding_of(pqxx::work& tx, const PortRow& port);
  std::vector<SecurityGroupView> with_rules(pqxx::work& tx, const std::vector<SecurityGroupRow>& groups);

  db::Pool& pool_;
  Settings settings_;
  log::Logger logger_;
  std::mutex random_mutex_;
  std::mt19937_64 random_;
};

}  // namespace stratus::network
