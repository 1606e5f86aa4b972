#include "services/network/api/network_api.h"

#include "common/rpc/status.h"

namespace stratus::network {
namespace {

void set_time(google::protobuf::Timestamp* t, int64_t unix_seconds) { t->set_seconds(unix_seconds); }

std::optional<int> optional_of(bool present, int value) { return present ? std::optional<int>(value) : std::nullopt; }

void to_proto(const NetworkView& view, v1::NetworkInfo* out) {
  const auto& n = view.network;
  out->set_id(n.id);
  out->set_name(n.name);
  out->set_project_id(n.project_id);
  out->set_shared(n.shared);
  out->set_external(n.external);
  out->set_mtu(n.mtu);
  out->set_segmentation_id(n.segmentation_id);
  for (const auto& s : view.subnet_ids) out->add_subnet_ids(s);
  set_time(out->mutable_created_at(), n.created_at);
}

void to_proto(const HostRouteSpec& r, v1::HostRoute* out) {
  out->set_destination(r.destination);
  out->set_nexthop(r.nexthop);
}

void to_proto(const SubnetRow& s, v1::Subnet* out) {
  out->set_id(s.id);
  out->set_name(s.name);
  out->set_project_id(s.project_id);
  out->set_network_id(s.network_id);
  out->set_ip_version(4);
  out->set_cidr(s.cidr);
  out->set_gateway_ip(s.gateway_ip);
  for (const auto& p : s.pools) {
    auto* pool = out->add_allocation_pools();
    pool->set_start(format_ipv4(p.first));
    pool->set_end(format_ipv4(p.last));
  }
  for (const auto& d : s.dns_nameservers) out->add_dns_nameservers(d);
  for (const auto& r : s.host_routes) to_proto(r, out->add_host_routes());
  out->set_gateway_mac(s.gateway_mac);
  set_time(out->mutable_created_at(), s.created_at);
}

void to_proto(const PortRow& p, v1::Port* out) {
  out->set_id(p.id);
  out->set_name(p.name);
  out->set_project_id(p.project_id);
  out->set_network_id(p.network_id);
  out->set_mac_address(p.mac_address);
  for (const auto& ip : p.fixed_ips) {
    auto* f = out->add_fixed_ips();
    f->set_subnet_id(ip.subnet_id);
    f->set_ip_address(ip.ip_address);
  }
  out->set_device_owner(p.device_owner);
  out->set_device_id(p.device_id);
  for (const auto& g : p.security_group_ids) out->add_security_group_ids(g);
  out->set_host(p.host);
  out->set_status(p.status);
  set_time(out->mutable_created_at(), p.created_at);
}

void to_proto(const RuleRow& row, v1::SecurityGroupRule* out) {
  const Rule& r = row.rule;
  out->set_id(row.id);
  out->set_security_group_id(row.security_group_id);
  out->set_project_id(row.project_id);
  out->set_direction(r.direction);
  out->set_ethertype(r.ethertype);
  out->set_protocol(r.protocol);
  if (r.port_range_min) out->set_port_range_min(*r.port_range_min);
  if (r.port_range_max) out->set_port_range_max(*r.port_range_max);
  if (r.icmp_type) out->set_icmp_type(*r.icmp_type);
  if (r.icmp_code) out->set_icmp_code(*r.icmp_code);
  out->set_remote_ip_prefix(r.remote_ip_prefix);
  out->set_remote_group_id(r.remote_group_id);
  out->set_description(row.description);
  set_time(out->mutable_created_at(), row.created_at);
}

void to_proto(const SecurityGroupView& view, v1::SecurityGroup* out) {
  out->set_id(view.group.id);
  out->set_name(view.group.name);
  out->set_project_id(view.group.project_id);
  out->set_description(view.group.description);
  for (const auto& r : view.rules) to_proto(r, out->add_rules());
  set_time(out->mutable_created_at(), view.group.created_at);
}

void to_proto(const FloatingIpRow& f, v1::FloatingIp* out) {
  out->set_id(f.id);
  out->set_project_id(f.project_id);
  out->set_floating_ip_address(f.address);
  out->set_floating_network_id(f.network_id);
  out->set_port_id(f.port_id);
  out->set_fixed_ip_address(f.fixed_ip_address);
  out->set_status(f.port_id.empty() ? "DOWN" : "ACTIVE");
  out->set_mac_address(f.mac_address);
  set_time(out->mutable_created_at(), f.created_at);
}

void to_proto(const QuotaLimits& q, v1::QuotaLimits* out) {
  out->set_networks(q.networks);
  out->set_subnets(q.subnets);
  out->set_ports(q.ports);
  out->set_security_groups(q.security_groups);
  out->set_security_group_rules(q.security_group_rules);
  out->set_floating_ips(q.floating_ips);
}

void to_proto(const QuotaView& q, v1::Quota* out) {
  out->set_project_id(q.project_id);
  to_proto(q.limits, out->mutable_limits());
  to_proto(q.in_use, out->mutable_in_use());
}

void to_proto(const BoundRuleView& bound, v1::BoundSecurityGroupRule* out) {
  const Rule& r = bound.rule.rule;
  out->set_id(bound.rule.id);
  out->set_security_group_id(bound.rule.security_group_id);
  out->set_direction(r.direction);
  out->set_ethertype(r.ethertype);
  out->set_ip_protocol(r.ip_protocol);
  if (r.port_range_min) out->set_port_range_min(*r.port_range_min);
  if (r.port_range_max) out->set_port_range_max(*r.port_range_max);
  if (r.icmp_type) out->set_icmp_type(*r.icmp_type);
  if (r.icmp_code) out->set_icmp_code(*r.icmp_code);
  out->set_remote_ip_prefix(r.remote_ip_prefix);
  out->set_remote_group_id(r.remote_group_id);
  for (const auto& ip : bound.remote_ip_addresses) out->add_remote_ip_addresses(ip);
}

void to_proto(const PortBindingView& b, v1::PortBinding* out) {
  out->set_port_id(b.port.id);
  out->set_project_id(b.port.project_id);
  out->set_network_id(b.network.id);
  out->set_segmentation_id(b.network.segmentation_id);
  out->set_mtu(b.network.mtu);
  out->set_mac_address(b.port.mac_address);
  for (const auto& ip : b.fixed_ips) {
    auto* f = out->add_fixed_ips();
    f->set_ip_address(ip.fixed_ip.ip_address);
    f->set_subnet_id(ip.subnet.id);
    f->set_cidr(ip.subnet.cidr);
    f->set_gateway_ip(ip.subnet.gateway_ip);
    f->set_gateway_mac(ip.subnet.gateway_mac);
    for (const auto& d : ip.subnet.dns_nameservers) f->add_dns_nameservers(d);
    for (const auto& r : ip.subnet.host_routes) to_proto(r, f->add_host_routes());
  }
  for (const auto& g : b.port.security_group_ids) out->add_security_group_ids(g);
  for (const auto& r : b.rules) to_proto(r, out->add_security_group_rules());
  for (const auto& f : b.floating_ips) {
    auto* fip = out->add_floating_ips();
    fip->set_id(f.floating_ip.id);
    fip->set_floating_ip_address(f.floating_ip.address);
    fip->set_fixed_ip_address(f.floating_ip.fixed_ip_address);
    fip->set_mac_address(f.floating_ip.mac_address);
    fip->set_external_network_id(f.external_network.id);
    fip->set_external_segmentation_id(f.external_network.segmentation_id);
    fip->set_external_cidr(f.external_subnet.cidr);
    fip->set_external_gateway_ip(f.external_subnet.gateway_ip);
  }
  out->set_host(b.port.host);
  out->set_status(b.port.status);
  out->set_device_owner(b.port.device_owner);
  out->set_device_id(b.port.device_id);
}

std::optional<std::vector<std::string>> group_refs(bool present, const v1::SecurityGroupRefs& refs) {
  if (!present) return std::nullopt;
  return std::vector<std::string>(refs.security_groups().begin(), refs.security_groups().end());
}

}  // namespace

// ---- networks ----
grpc::Status NetworkApi::CreateNetwork(grpc::ServerContext* ctx, const v1::CreateNetworkRequest* req,
                                       v1::NetworkInfo* resp) {
  return rpc::serve(logger_, "CreateNetwork", [&] {
    NetworkSpec spec{req->name(), req->shared(), req->external(), req->mtu(), req->project()};
    to_proto(networking_.create_network(auth_.authenticate(*ctx), spec), resp);
  });
}

grpc::Status NetworkApi::GetNetwork(grpc::ServerContext* ctx, const v1::GetNetworkRequest* req, v1::NetworkInfo* resp) {
  return rpc::serve(logger_, "GetNetwork",
                    [&] { to_proto(networking_.get_network(auth_.authenticate(*ctx), req->network()), resp); });
}

grpc::Status NetworkApi::ListNetworks(grpc::ServerContext* ctx, const v1::ListNetworksRequest* req,
                                      v1::ListNetworksResponse* resp) {
  return rpc::serve(logger_, "ListNetworks", [&] {
    for (const auto& n : networking_.list_networks(auth_.authenticate(*ctx), req->project(), req->external_only()))
      to_proto(n, resp->add_networks());
  });
}

grpc::Status NetworkApi::UpdateNetwork(grpc::ServerContext* ctx, const v1::UpdateNetworkRequest* req,
                                       v1::NetworkInfo* resp) {
  return rpc::serve(logger_, "UpdateNetwork", [&] {
    NetworkChanges changes;
    if (req->has_name()) changes.name = req->name();
    if (req->has_shared()) changes.shared = req->shared();
    to_proto(networking_.update_network(auth_.authenticate(*ctx), req->network(), changes), resp);
  });
}

grpc::Status NetworkApi::DeleteNetwork(grpc::ServerContext* ctx, const v1::DeleteNetworkRequest* req, v1::Empty*) {
  return rpc::serve(logger_, "DeleteNetwork",
                    [&] { networking_.delete_network(auth_.authenticate(*ctx), req->network()); });
}

// ---- subnets ----
grpc::Status NetworkApi::CreateSubnet(grpc::ServerContext* ctx, const v1::CreateSubnetRequest* req, v1::Subnet* resp) {
  return rpc::serve(logger_, "CreateSubnet", [&] {
    SubnetSpec spec;
    spec.name = req->name();
    spec.network = req->network();
    spec.layout.cidr = req->cidr();
    spec.layout.gateway_ip = req->gateway_ip();
    spec.layout.no_gateway = req->no_gateway();
    for (const auto& p : req->allocation_pools()) spec.layout.allocation_pools.emplace_back(p.start(), p.end());
    spec.layout.dns_nameservers.assign(req->dns_nameservers().begin(), req->dns_nameservers().end());
    for (const auto& r : req->host_routes()) spec.layout.host_routes.push_back({r.destination(), r.nexthop()});
    to_proto(networking_.create_subnet(auth_.authenticate(*ctx), spec), resp);
  });
}

grpc::Status NetworkApi::GetSubnet(grpc::ServerContext* ctx, const v1::GetSubnetRequest* req, v1::Subnet* resp) {
  return rpc::serve(logger_, "GetSubnet",
                    [&] { to_proto(networking_.get_subnet(auth_.authenticate(*ctx), req->subnet()), resp); });
}

grpc::Status NetworkApi::ListSubnets(grpc::ServerContext* ctx, const v1::ListSubnetsRequest* req,
                                     v1::ListSubnetsResponse* resp) {
  return rpc::serve(logger_, "ListSubnets", [&] {
    for (const auto& s : networking_.list_subnets(auth_.authenticate(*ctx), req->network()))
      to_proto(s, resp->add_subnets());
  });
}

grpc::Status NetworkApi::DeleteSubnet(grpc::ServerContext* ctx, const v1::DeleteSubnetRequest* req, v1::Empty*) {
  return rpc::serve(logger_, "DeleteSubnet", [&] { networking_.delete_subnet(auth_.authenticate(*ctx), req->subnet()); });
}

// ---- ports ----
grpc::Status NetworkApi::CreatePort(grpc::ServerContext* ctx, const v1::CreatePortRequest* req, v1::Port* resp) {
  return rpc::serve(logger_, "CreatePort", [&] {
    PortSpec spec;
    spec.name = req->name();
    spec.network = req->network();
    for (const auto& f : req->fixed_ips()) spec.fixed_ips.push_back({f.subnet(), f.ip_address()});
    spec.mac_address = req->mac_address();
    spec.security_groups = group_refs(req->has_security_groups(), req->security_groups());
    spec.device_owner = req->device_owner();
    spec.device_id = req->device_id();
    spec.host = req->host();
    spec.project = req->project();
    to_proto(networking_.create_port(auth_.authenticate(*ctx), spec), resp);
  });
}

grpc::Status NetworkApi::GetPort(grpc::ServerContext* ctx, const v1::GetPortRequest* req, v1::Port* resp) {
  return rpc::serve(logger_, "GetPort", [&] { to_proto(networking_.get_port(auth_.authenticate(*ctx), req->port()), resp); });
}

grpc::Status NetworkApi::ListPorts(grpc::ServerContext* ctx, const v1::ListPortsRequest* req,
                                   v1::ListPortsResponse* resp) {
  return rpc::serve(logger_, "ListPorts", [&] {
    PortQuery query{req->network(), req->device_id(), req->host(), req->project()};
    for (const auto& p : networking_.list_ports(auth_.authenticate(*ctx), query)) to_proto(p, resp->add_ports());
  });
}

grpc::Status NetworkApi::UpdatePort(grpc::ServerContext* ctx, const v1::UpdatePortRequest* req, v1::Port* resp) {
  return rpc::serve(logger_, "UpdatePort", [&] {
    PortChanges changes;
    if (req->has_name()) changes.name = req->name();
    if (req->has_device_owner()) changes.device_owner = req->device_owner();
    if (req->has_device_id()) changes.device_id = req->device_id();
    if (req->has_host()) changes.host = req->host();
    changes.security_groups = group_refs(req->has_security_groups(), req->security_groups());
    to_proto(networking_.update_port(auth_.authenticate(*ctx), req->port(), changes), resp);
  });
}

grpc::Status NetworkApi::DeletePort(grpc::ServerContext* ctx, const v1::DeletePortRequest* req, v1::Empty*) {
  return rpc::serve(logger_, "DeletePort", [&] { networking_.delete_port(auth_.authenticate(*ctx), req->port()); });
}

// ---- security groups ----
grpc::Status NetworkApi::CreateSecurityGroup(grpc::ServerContext* ctx, const v1::CreateSecurityGroupRequest* req,
                                             v1::SecurityGroup* resp) {
  return rpc::serve(logger_, "CreateSecurityGroup", [&] {
    to_proto(networking_.create_security_group(auth_.authenticate(*ctx), req->name(), req->description()), resp);
  });
}

grpc::Status NetworkApi::GetSecurityGroup(grpc::ServerContext* ctx, const v1::GetSecurityGroupRequest* req,
                                          v1::SecurityGroup* resp) {
  return rpc::serve(logger_, "GetSecurityGroup", [&] {
    to_proto(networking_.get_security_group(auth_.authenticate(*ctx), req->security_group()), resp);
  });
}

grpc::Status NetworkApi::ListSecurityGroups(grpc::ServerContext* ctx, const v1::ListSecurityGroupsRequest* req,
                                            v1::ListSecurityGroupsResponse* resp) {
  return rpc::serve(logger_, "ListSecurityGroups", [&] {
    for (const auto& g : networking_.list_security_groups(auth_.authenticate(*ctx), req->project()))
      to_proto(g, resp->add_security_groups());
  });
}

grpc::Status NetworkApi::UpdateSecurityGroup(grpc::ServerContext* ctx, const v1::UpdateSecurityGroupRequest* req,
                                             v1::SecurityGroup* resp) {
  return rpc::serve(logger_, "UpdateSecurityGroup", [&] {
    SecurityGroupChanges changes;
    if (req->has_name()) changes.name = req->name();
    if (req->has_description()) changes.description = req->description();
    to_proto(networking_.update_security_group(auth_.authenticate(*ctx), req->security_group(), changes), resp);
  });
}

grpc::Status NetworkApi::DeleteSecurityGroup(grpc::ServerContext* ctx, const v1::DeleteSecurityGroupRequest* req,
                                             v1::Empty*) {
  return rpc::serve(logger_, "DeleteSecurityGroup",
                    [&] { networking_.delete_security_group(auth_.authenticate(*ctx), req->security_group()); });
}

grpc::Status NetworkApi::CreateSecurityGroupRule(grpc::ServerContext* ctx,
                                                 const v1::CreateSecurityGroupRuleRequest* req,
                                                 v1::SecurityGroupRule* resp) {
  return rpc::serve(logger_, "CreateSecurityGroupRule", [&] {
    RuleSpec spec;
    spec.security_group = req->security_group();
    spec.rule.direction = req->direction();
    spec.rule.ethertype = req->ethertype();
    spec.rule.protocol = req->protocol();
    spec.rule.port_range_min = optional_of(req->has_port_range_min(), req->port_range_min());
    spec.rule.port_range_max = optional_of(req->has_port_range_max(), req->port_range_max());
    spec.rule.icmp_type = optional_of(req->has_icmp_type(), req->icmp_type());
    spec.rule.icmp_code = optional_of(req->has_icmp_code(), req->icmp_code());
    spec.rule.remote_ip_prefix = req->remote_ip_prefix();
    spec.remote_group = req->remote_group();
    spec.description = req->description();
    to_proto(networking_.create_rule(auth_.authenticate(*ctx), spec), resp);
  });
}

grpc::Status NetworkApi::GetSecurityGroupRule(grpc::ServerContext* ctx, const v1::GetSecurityGroupRuleRequest* req,
                                              v1::SecurityGroupRule* resp) {
  return rpc::serve(logger_, "GetSecurityGroupRule",
                    [&] { to_proto(networking_.get_rule(auth_.authenticate(*ctx), req->rule_id()), resp); });
}

grpc::Status NetworkApi::ListSecurityGroupRules(grpc::ServerContext* ctx, const v1::ListSecurityGroupRulesRequest* req,
                                                v1::ListSecurityGroupRulesResponse* resp) {
  return rpc::serve(logger_, "ListSecurityGroupRules", [&] {
    for (const auto& r : networking_.list_rules(auth_.authenticate(*ctx), req->security_group()))
      to_proto(r, resp->add_rules());
  });
}

grpc::Status NetworkApi::DeleteSecurityGroupRule(grpc::ServerContext* ctx,
                                                 const v1::DeleteSecurityGroupRuleRequest* req, v1::Empty*) {
  return rpc::serve(logger_, "DeleteSecurityGroupRule",
                    [&] { networking_.delete_rule(auth_.authenticate(*ctx), req->rule_id()); });
}

// ---- floating IPs ----
grpc::Status NetworkApi::CreateFloatingIp(grpc::ServerContext* ctx, const v1::CreateFloatingIpRequest* req,
                                          v1::FloatingIp* resp) {
  return rpc::serve(logger_, "CreateFloatingIp", [&] {
    to_proto(networking_.create_floating_ip(auth_.authenticate(*ctx), req->floating_network(), req->port(),
                                            req->fixed_ip_address()),
             resp);
  });
}

grpc::Status NetworkApi::GetFloatingIp(grpc::ServerContext* ctx, const v1::GetFloatingIpRequest* req,
                                       v1::FloatingIp* resp) {
  return rpc::serve(logger_, "GetFloatingIp",
                    [&] { to_proto(networking_.get_floating_ip(auth_.authenticate(*ctx), req->floating_ip()), resp); });
}

grpc::Status NetworkApi::ListFloatingIps(grpc::ServerContext* ctx, const v1::ListFloatingIpsRequest* req,
                                         v1::ListFloatingIpsResponse* resp) {
  return rpc::serve(logger_, "ListFloatingIps", [&] {
    for (const auto& f : networking_.list_floating_ips(auth_.authenticate(*ctx), req->project(), req->port()))
      to_proto(f, resp->add_floating_ips());
  });
}

grpc::Status NetworkApi::AssociateFloatingIp(grpc::ServerContext* ctx, const v1::AssociateFloatingIpRequest* req,
                                             v1::FloatingIp* resp) {
  return rpc::serve(logger_, "AssociateFloatingIp", [&] {
    to_proto(networking_.associate_floating_ip(auth_.authenticate(*ctx), req->floating_ip(), req->port(),
                                               req->fixed_ip_address()),
             resp);
  });
}

grpc::Status NetworkApi::DisassociateFloatingIp(grpc::ServerContext* ctx, const v1::DisassociateFloatingIpRequest* req,
                                                v1::FloatingIp* resp) {
  return rpc::serve(logger_, "DisassociateFloatingIp", [&] {
    to_proto(networking_.disassociate_floating_ip(auth_.authenticate(*ctx), req->floating_ip()), resp);
  });
}

grpc::Status NetworkApi::DeleteFloatingIp(grpc::ServerContext* ctx, const v1::DeleteFloatingIpRequest* req,
                                          v1::Empty*) {
  return rpc::serve(logger_, "DeleteFloatingIp",
                    [&] { networking_.delete_floating_ip(auth_.authenticate(*ctx), req->floating_ip()); });
}

// ---- quotas ----
grpc::Status NetworkApi::GetQuota(grpc::ServerContext* ctx, const v1::GetQuotaRequest* req, v1::Quota* resp) {
  return rpc::serve(logger_, "GetQuota",
                    [&] { to_proto(networking_.get_quota(auth_.authenticate(*ctx), req->project()), resp); });
}

grpc::Status NetworkApi::SetQuota(grpc::ServerContext* ctx, const v1::SetQuotaRequest* req, v1::Quota* resp) {
  return rpc::serve(logger_, "SetQuota", [&] {
    QuotaChanges c;
    if (req->has_networks()) c.networks = req->networks();
    if (req->has_subnets()) c.subnets = req->subnets();
    if (req->has_ports()) c.ports = req->ports();
    if (req->has_security_groups()) c.security_groups = req->security_groups();
    if (req->has_security_group_rules()) c.security_group_rules = req->security_group_rules();
    if (req->has_floating_ips()) c.floating_ips = req->floating_ips();
    to_proto(networking_.set_quota(auth_.authenticate(*ctx), req->project(), c), resp);
  });
}

// ---- for the network agents ----
// ---- NetworkAgent ----

grpc::Status NetworkAgentApi::GetPortBinding(grpc::ServerContext* ctx, const v1::GetPortBindingRequest* req,
                                        v1::PortBinding* resp) {
  return rpc::serve(logger_, "GetPortBinding",
                    [&] { to_proto(networking_.port_binding(auth_.authenticate(*ctx), req->port_id()), resp); });
}

grpc::Status NetworkAgentApi::GetPortBindings(grpc::ServerContext* ctx, const v1::GetPortBindingsRequest* req,
                                              v1::GetPortBindingsResponse* resp) {
  return rpc::serve(logger_, "GetPortBindings", [&] {
    std::vector<std::string> ids(req->port_ids().begin(), req->port_ids().end());
    for (const auto& b : networking_.port_bindings(auth_.authenticate(*ctx), ids)) to_proto(b, resp->add_bindings());
  });
}

grpc::Status NetworkAgentApi::ListPortsOnHost(grpc::ServerContext* ctx, const v1::ListPortsOnHostRequest* req,
                                         v1::ListPortsOnHostResponse* resp) {
  return rpc::serve(logger_, "ListPortsOnHost", [&] {
    for (const auto& b : networking_.ports_on_host(auth_.authenticate(*ctx), req->host()))
      to_proto(b, resp->add_bindings());
  });
}

grpc::Status NetworkAgentApi::GetSecurityGroupMembers(grpc::ServerContext* ctx,
                                                 const v1::GetSecurityGroupMembersRequest* req,
                                                 v1::SecurityGroupMembers* resp) {
  return rpc::serve(logger_, "GetSecurityGroupMembers", [&] {
    resp->set_security_group_id(req->security_group_id());
    for (const auto& m : networking_.security_group_members(auth_.authenticate(*ctx), req->security_group_id())) {
      auto* out = resp->add_members();
      out->set_port_id(m.port_id);
      out->set_mac_address(m.mac_address);
      out->set_host(m.host);
      for (const auto& ip : m.ip_addresses) out->add_ip_addresses(ip);
    }
  });
}

grpc::Status NetworkAgentApi::UpdatePortStatus(grpc::ServerContext* ctx, const v1::UpdatePortStatusRequest* req,
                                          v1::Port* resp) {
  return rpc::serve(logger_, "UpdatePortStatus", [&] {
    to_proto(networking_.update_port_status(auth_.authenticate(*ctx), req->port_id(), req->host(), req->status()),
             resp);
  });
}

}  // namespace stratus::network
