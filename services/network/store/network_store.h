#pragma once
// The network service's SQL, one section per table. Every function runs in the caller's
// transaction, so a use case combines several writes and its outbox events atomically.
// Lookups take a resource reference (id or name); visibility is the domain's business.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "common/db/migrations.h"
#include "services/network/domain/ipam.h"
#include "services/network/domain/quota.h"
#include "services/network/domain/security_rules.h"

namespace stratus::db {
const std::vector<Migration>& network_migrations();  // generated from migrations/
}

namespace stratus::network {

struct NetworkRow {
  std::string id, project_id, name;
  bool shared = false;
  bool external = false;
  int mtu = 1450;
  int segmentation_id = 0;
  int64_t created_at = 0;
};

struct SubnetRow {
  std::string id, project_id, network_id, name;
  std::string cidr, gateway_ip, gateway_mac;  // gateway_ip empty: none
  std::vector<IpRange> pools;
  std::vector<std::string> dns_nameservers;
  std::vector<HostRouteSpec> host_routes;
  int64_t created_at = 0;

  // The layout the domain validates against (the stored forms are already valid).
  SubnetLayout layout() const;
};

struct FixedIpRow {
  std::string subnet_id, ip_address;
};

struct PortRow {
  std::string id, project_id, network_id, name, mac_address;
  std::string device_owner, device_id, host;
  std::string status = "DOWN";
  std::vector<FixedIpRow> fixed_ips;
  std::vector<std::string> security_group_ids;
  int64_t created_at = 0;
};

struct SecurityGroupRow {
  std::string id, project_id, name, description;
  int64_t created_at = 0;
};

struct RuleRow {
  std::string id, security_group_id, project_id, description;
  Rule rule;
  int64_t created_at = 0;
};

struct FloatingIpRow {
  std::string id, project_id, network_id, subnet_id, address, mac_address;
  std::string port_id, fixed_ip_address;  // empty: not associated
  int64_t created_at = 0;
};

// A port as a member of a security group: what remote-group rules match on.
struct MemberRow {
  std::string port_id, mac_address, host;
  std::vector<std::string> ip_addresses;
};

// A port and its binding host, for the targets of events.
struct PortHost {
  std::string port_id, host;
};

namespace store {

// Serializes the quota check-and-insert of one project across replicas.
void lock_project(pqxx::work& tx, const std::string& project_id);
// Counts of a project's resources, for quotas ("networks", "ports", ...).
QuotaLimits usage(pqxx::work& tx, const std::string& project_id);
QuotaLimits quota(pqxx::work& tx, const std::string& project_id, const QuotaLimits& defaults);
void set_quota(pqxx::work& tx, const std::string& project_id, const QuotaLimits& limits);

// networks
void insert_network(pqxx::work& tx, const NetworkRow& n);  // ALREADY_EXISTS on the name
std::optional<NetworkRow> find_network_by_id(pqxx::work& tx, const std::string& id);
// A network named `name` in `project_id`, else a shared or external one of that name.
std::optional<NetworkRow> find_network_by_name(pqxx::work& tx, const std::string& name, const std::string& project_id);
// `project_id` empty: every network; otherwise that project's plus shared and external ones.
std::vector<NetworkRow> list_networks(pqxx::work& tx, const std::string& project_id);
std::set<int> used_segmentation_ids(pqxx::work& tx);
void update_network(pqxx::work& tx, const NetworkRow& n);
void delete_network(pqxx::work& tx, const std::string& id);
int count_ports_on_network(pqxx::work& tx, const std::string& network_id);

// subnets
void insert_subnet(pqxx::work& tx, const SubnetRow& s);
std::optional<SubnetRow> find_subnet(pqxx::work& tx, const std::string& id_or_name, const std::string& project_id);
std::vector<SubnetRow> subnets_of_network(pqxx::work& tx, const std::string& network_id);
std::vector<SubnetRow> list_subnets(pqxx::work& tx, const std::string& project_id);  // empty: all
void delete_subnet(pqxx::work& tx, const std::string& id);
// Takes the subnet's row lock: allocations on one subnet run one at a time.
void lock_subnet(pqxx::work& tx, const std::string& subnet_id);
std::set<Ipv4> allocated_addresses(pqxx::work& tx, const std::string& subnet_id);
void insert_port_allocation(pqxx::work& tx, const std::string& subnet_id, const std::string& address,
                            const std::string& port_id);
void insert_floating_allocation(pqxx::work& tx, const std::string& subnet_id, const std::string& address,
                                const std::string& floating_ip_id);

// ports
void insert_port(pqxx::work& tx, const PortRow& p);  // not its addresses nor groups
std::optional<PortRow> find_port(pqxx::work& tx, const std::string& id_or_name, const std::string& project_id);
struct PortFilter {
  std::string project_id, network_id, device_id, host;  // empty: any
};
std::vector<PortRow> list_ports(pqxx::work& tx, const PortFilter& filter);
void update_port(pqxx::work& tx, const PortRow& p);  // name, device, host, status
void set_port_security_groups(pqxx::work& tx, const std::string& port_id, const std::vector<std::string>& groups);
void delete_port(pqxx::work& tx, const std::string& id);  // its addresses go with it
bool mac_in_use(pqxx::work& tx, const std::string& network_id, const std::string& mac);
// Whether projects other than `owner_project_id` have ports on the network (locks it first,
// so a port cannot slip in while it is being unshared).
bool has_foreign_ports(pqxx::work& tx, const std::string& network_id, const std::string& owner_project_id);

// security groups and rules
void insert_security_group(pqxx::work& tx, const SecurityGroupRow& g);  // ALREADY_EXISTS on the name
// Inserts the project's default group unless it exists; true when this call made it.
bool insert_default_group_if_absent(pqxx::work& tx, const SecurityGroupRow& g);
std::optional<SecurityGroupRow> find_security_group(pqxx::work& tx, const std::string& id_or_name,
                                                    const std::string& project_id);
std::vector<SecurityGroupRow> list_security_groups(pqxx::work& tx, const std::string& project_id);  // empty: all
void update_security_group(pqxx::work& tx, const SecurityGroupRow& g);
void delete_security_group(pqxx::work& tx, const std::string& id);
int count_ports_in_group(pqxx::work& tx, const std::string& group_id);
int count_rules_naming_remote_group(pqxx::work& tx, const std::string& group_id);
void insert_rule(pqxx::work& tx, const RuleRow& r);
std::optional<RuleRow> find_rule(pqxx::work& tx, const std::string& id);
std::vector<RuleRow> rules_of_groups(pqxx::work& tx, const std::vector<std::string>& group_ids);
void delete_rule(pqxx::work& tx, const std::string& id);
// Members' addresses, on one network when `network_id` is set: an address means something
// only on its own network, so a remote-group rule must not match the same address elsewhere.
std::vector<MemberRow> members_of_group(pqxx::work& tx, const std::string& group_id,
                                        const std::string& network_id = "");
// Ports whose binding depends on the group: its members and the members of every group
// with a rule whose remote group it is.
std::vector<PortHost> ports_affected_by_group(pqxx::work& tx, const std::string& group_id);

// floating IPs
void insert_floating_ip(pqxx::work& tx, const FloatingIpRow& f);  // not its allocation
// By id or address.
// `for_update` locks the row, so concurrent associate/disassociate/delete of one floating IP
// serialise and each event names the right previous port.
std::optional<FloatingIpRow> find_floating_ip(pqxx::work& tx, const std::string& id_or_address,
                                              bool for_update = false);
std::vector<FloatingIpRow> list_floating_ips(pqxx::work& tx, const std::string& project_id,
                                             const std::string& port_id);  // empty: any
void update_floating_ip_association(pqxx::work& tx, const FloatingIpRow& f);
void delete_floating_ip(pqxx::work& tx, const std::string& id);  // its allocation goes with it

}  // namespace store
}  // namespace stratus::network
