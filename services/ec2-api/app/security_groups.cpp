// Security groups over the network service's groups and rules.
#include "services/ec2-api/app/actions.h"
#include "services/ec2-api/domain/ec2_error.h"
#include "services/ec2-api/domain/ids.h"
#include "services/ec2-api/domain/permissions.h"

namespace stratus::ec2 {
namespace {

namespace net = cloud::network::v1;
const ResourceKind kGroup{"InvalidGroup", "security group"};

Rule rule_of(const net::SecurityGroupRule& r) {
  Rule rule;
  rule.ethertype = r.ethertype();
  rule.protocol = r.protocol();
  if (r.has_port_range_min()) rule.port_min = r.port_range_min();
  if (r.has_port_range_max()) rule.port_max = r.port_range_max();
  if (r.has_icmp_type()) rule.icmp_type = r.icmp_type();
  if (r.has_icmp_code()) rule.icmp_code = r.icmp_code();
  rule.remote_ip_prefix = r.remote_ip_prefix();
  rule.remote_group = r.remote_group_id();
  rule.description = r.description();
  return rule;
}

// GroupId (sg-...) or GroupName, as our reference (UUID or name).
std::string group_reference(const QueryParams& params) {
  if (auto id = params.find("GroupId"); id && !id->empty()) {
    std::string uuid = uuid_of(IdKind::SecurityGroup, *id);
    if (uuid.empty()) throw Ec2Error("InvalidGroupId.Malformed", "Invalid id: \"" + echo(*id) + "\"");
    return uuid;
  }
  if (auto name = params.find("GroupName"); name && !name->empty()) return *name;
  throw missing_parameter("GroupId");
}

net::SecurityGroup get_group(const Backends& b, const std::string& reference, const std::string& token) {
  net::GetSecurityGroupRequest request;
  request.set_security_group(reference);
  try {
    return call(b, *b.network, &net::Network::Stub::GetSecurityGroup, request, token, "reading a security group");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::NotFound)
      throw Ec2Error("InvalidGroup.NotFound", "The security group '" + echo(reference) + "' does not exist");
    throw from_service_error(e, kGroup);
  }
}

void permission_items(pugi::xml_node set, const std::vector<Rule>& rules, const std::vector<net::SecurityGroup>& groups) {
  for (const auto& p : permissions_from_rules(rules)) {
    auto item = set.append_child("item");
    add_text(item, "ipProtocol", p.ip_protocol);
    if (p.from_port) add_int(item, "fromPort", *p.from_port);
    if (p.to_port) add_int(item, "toPort", *p.to_port);
    auto pairs = item.append_child("groups");
    for (const auto& id : p.group_ids) {
      auto pair = pairs.append_child("item");
      auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.id() == id; });
      if (g != groups.end()) add_text(pair, "userId", g->project_id());
      add_text(pair, "groupId", to_ec2_id(IdKind::SecurityGroup, id));
      if (g != groups.end()) add_text(pair, "groupName", g->name());
    }
    auto v4 = item.append_child("ipRanges");
    for (const auto& [cidr, description] : p.ipv4_ranges) {
      auto range = v4.append_child("item");
      add_text(range, "cidrIp", cidr);
      if (!description.empty()) add_text(range, "description", description);
    }
    auto v6 = item.append_child("ipv6Ranges");
    for (const auto& [cidr, description] : p.ipv6_ranges) {
      auto range = v6.append_child("item");
      add_text(range, "cidrIpv6", cidr);
      if (!description.empty()) add_text(range, "description", description);
    }
    item.append_child("prefixListIds");
  }
}

}  // namespace

void Actions::create_security_group(const ActionContext& c) const {
  net::CreateSecurityGroupRequest request;
  request.set_name(c.params.require("GroupName"));
  request.set_description(c.params.require("GroupDescription"));
  if (request.name().size() > 255 || request.description().size() > 255)
    throw invalid_parameter_value("GroupName and GroupDescription are at most 255 characters");
  if (request.name().rfind("sg-", 0) == 0)
    throw invalid_parameter_value("Group names may not be in the format sg-*");
  net::SecurityGroup created;
  try {
    created = call(backends_, *backends_.network, &net::Network::Stub::CreateSecurityGroup, request,
                   c.requester.token, "creating a security group");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::AlreadyExists)
      throw Ec2Error("InvalidGroup.Duplicate", "The security group '" + echo(request.name()) + "' already exists");
    throw from_service_error(e, kGroup);
  }
  add_bool(c.response, "return", true);
  add_text(c.response, "groupId", to_ec2_id(IdKind::SecurityGroup, created.id()));
}

void Actions::describe_security_groups(const ActionContext& c) const {
  auto names = c.params.list("GroupName");
  auto ids = c.params.list("GroupId");
  std::vector<std::string> uuids;
  for (const auto& id : ids) {
    uuids.push_back(uuid_of(IdKind::SecurityGroup, id));
    if (uuids.back().empty()) throw Ec2Error("InvalidGroupId.Malformed", "Invalid id: \"" + echo(id) + "\"");
  }
  FilterSet filters(c.params.filters(), {"group-name", "group-id", "description", "owner-id"});
  net::ListSecurityGroupsResponse listed;
  try {
    listed = call(backends_, *backends_.network, &net::Network::Stub::ListSecurityGroups, net::ListSecurityGroupsRequest(),
                  c.requester.token, "listing security groups");
  } catch (const Error& e) {
    throw from_service_error(e, kGroup);
  }
  std::vector<net::SecurityGroup> groups(listed.security_groups().begin(), listed.security_groups().end());
  for (const auto& n : names)
    if (std::none_of(groups.begin(), groups.end(), [&](const auto& g) { return g.name() == n; }))
      throw Ec2Error("InvalidGroup.NotFound", "The security group '" + echo(n) + "' does not exist");
  for (size_t i = 0; i < uuids.size(); ++i)
    if (std::none_of(groups.begin(), groups.end(), [&](const auto& g) { return g.id() == uuids[i]; }))
      throw Ec2Error("InvalidGroup.NotFound", "The security group '" + echo(ids[i]) + "' does not exist");
  auto set = c.response.append_child("securityGroupInfo");
  for (const auto& g : groups) {
    if (!names.empty() && std::find(names.begin(), names.end(), g.name()) == names.end()) continue;
    if (!uuids.empty() && std::find(uuids.begin(), uuids.end(), g.id()) == uuids.end()) continue;
    std::string ec2_id = to_ec2_id(IdKind::SecurityGroup, g.id());
    bool match = filters.matches([&](const std::string& name) -> std::vector<std::string> {
      if (name == "group-name") return {g.name()};
      if (name == "group-id") return {ec2_id};
      if (name == "description") return {g.description()};
      return {g.project_id()};
    });
    if (!match) continue;
    auto item = set.append_child("item");
    add_text(item, "ownerId", g.project_id());
    add_text(item, "groupId", ec2_id);
    add_text(item, "groupName", g.name());
    add_text(item, "groupDescription", g.description());
    std::vector<Rule> ingress, egress;
    for (const auto& r : g.rules()) (r.direction() == "egress" ? egress : ingress).push_back(rule_of(r));
    permission_items(item.append_child("ipPermissions"), ingress, groups);
    permission_items(item.append_child("ipPermissionsEgress"), egress, groups);
    item.append_child("tagSet");
  }
}

void Actions::delete_security_group(const ActionContext& c) const {
  net::DeleteSecurityGroupRequest request;
  request.set_security_group(group_reference(c.params));
  try {
    call(backends_, *backends_.network, &net::Network::Stub::DeleteSecurityGroup, request, c.requester.token,
         "deleting a security group");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::NotFound)
      throw Ec2Error("InvalidGroup.NotFound", "The security group '" + echo(request.security_group()) + "' does not exist");
    if (e.code() == ErrorCode::FailedPrecondition) throw Ec2Error("DependencyViolation", e.what());
    throw from_service_error(e, kGroup);
  }
  add_bool(c.response, "return", true);
}

void Actions::authorize_security_group_ingress(const ActionContext& c) const { change_ingress(c, true); }
void Actions::revoke_security_group_ingress(const ActionContext& c) const { change_ingress(c, false); }

void Actions::change_ingress(const ActionContext& c, bool authorize) const {
  auto group = get_group(backends_, group_reference(c.params), c.requester.token);
  auto wanted = rules_from_request(c.params);
  // Remote groups named by name are compared and created by id.
  for (auto& rule : wanted)
    if (!rule.remote_group.empty()) rule.remote_group = get_group(backends_, rule.remote_group, c.requester.token).id();
  auto find_existing = [&](const Rule& rule) -> const net::SecurityGroupRule* {
    for (const auto& r : group.rules())
      if (r.direction() == "ingress" && rule_of(r).same_traffic(rule)) return &r;
    return nullptr;
  };
  // Checked for every rule before any change, so a refused request changes nothing.
  for (const auto& rule : wanted) {
    bool exists = find_existing(rule) != nullptr;
    if (authorize && exists)
      throw Ec2Error("InvalidPermission.Duplicate", "the specified rule (" + rule.protocol + " from " +
                                                        (rule.remote_group.empty() ? rule.remote_ip_prefix : rule.remote_group) +
                                                        ") already exists");
    if (!authorize && !exists)
      throw Ec2Error("InvalidPermission.NotFound", "The specified rule does not exist in this security group.");
  }
  try {
    for (const auto& rule : wanted) {
      if (authorize) {
        net::CreateSecurityGroupRuleRequest request;
        request.set_security_group(group.id());
        request.set_direction("ingress");
        request.set_ethertype(rule.ethertype);
        request.set_protocol(rule.protocol);
        if (rule.port_min) request.set_port_range_min(*rule.port_min);
        if (rule.port_max) request.set_port_range_max(*rule.port_max);
        if (rule.icmp_type) request.set_icmp_type(*rule.icmp_type);
        if (rule.icmp_code) request.set_icmp_code(*rule.icmp_code);
        request.set_remote_ip_prefix(rule.remote_ip_prefix);
        request.set_remote_group(rule.remote_group);
        request.set_description(rule.description);
        call(backends_, *backends_.network, &net::Network::Stub::CreateSecurityGroupRule, request, c.requester.token,
             "creating a security group rule");
      } else {
        net::DeleteSecurityGroupRuleRequest request;
        request.set_rule_id(find_existing(rule)->id());
        call(backends_, *backends_.network, &net::Network::Stub::DeleteSecurityGroupRule, request, c.requester.token,
             "deleting a security group rule");
      }
    }
  } catch (const Error& e) {
    if (e.code() == ErrorCode::AlreadyExists) throw Ec2Error("InvalidPermission.Duplicate", e.what());
    if (e.code() == ErrorCode::NotFound) throw Ec2Error("InvalidPermission.NotFound", e.what());
    throw from_service_error(e, kGroup);
  }
  add_bool(c.response, "return", true);
}

}  // namespace stratus::ec2
