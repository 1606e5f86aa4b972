// Commands of the network service: network, subnet, port, security-group (and rule),
// floating-ip. Handlers only turn arguments into requests and responses into output.
#include <algorithm>
#include <cctype>

#include "compute/v1/compute.grpc.pb.h"
#include "network/v1/network.grpc.pb.h"
#include "tools/cloudctl/commands.h"
#include "tools/cloudctl/handler_support.h"
#include "tools/cloudctl/output.h"
#include "tools/cloudctl/session.h"

namespace stratus::cloudctl {

namespace {

namespace net = cloud::network::v1;
using Stub = net::Network::Stub;

// A whole decimal number for `--name`, else a usage error (the service checks the range).
int number_option(const std::string& name, const std::string& text) {
  bool digits = !text.empty() && text.size() <= 9 &&
                std::all_of(text.begin() + (text[0] == '-' ? 1 : 0), text.end(), [](unsigned char c) { return std::isdigit(c); });
  if (!digits || text == "-") throw UsageError("--" + name + " needs a number, got '" + text + "'");
  return std::stoi(text);
}

// ---- networks ----

const std::vector<std::string> kNetworkColumns{"id", "name", "shared", "external", "segmentation_id", "subnet_ids"};

void network_create(CommandContext& ctx) {
  net::CreateNetworkRequest request;
  request.set_name(argument(ctx, 0));
  request.set_external(ctx.args.flag("external"));
  request.set_shared(ctx.args.flag("shared"));
  if (auto mtu = ctx.args.value("mtu")) request.set_mtu(number_option("mtu", *mtu));
  request.set_project(ctx.args.value_or("project", ""));
  ctx.output.object(call_service(ctx, "network", &Stub::CreateNetwork, request));
}

void network_list(CommandContext& ctx) {
  net::ListNetworksRequest request;
  request.set_external_only(ctx.args.flag("external"));
  ctx.output.list(call_service(ctx, "network", &Stub::ListNetworks, request).networks(), kNetworkColumns);
}

void network_show(CommandContext& ctx) {
  net::GetNetworkRequest request;
  request.set_network(argument(ctx, 0));
  ctx.output.object(call_service(ctx, "network", &Stub::GetNetwork, request));
}

void network_delete(CommandContext& ctx) {
  net::DeleteNetworkRequest request;
  request.set_network(argument(ctx, 0));
  call_service(ctx, "network", &Stub::DeleteNetwork, request);
}

// ---- subnets ----

void subnet_create(CommandContext& ctx) {
  net::CreateSubnetRequest request;
  request.set_name(argument(ctx, 0));
  request.set_network(required_option(ctx, "network"));
  request.set_cidr(required_option(ctx, "cidr"));
  request.set_gateway_ip(ctx.args.value_or("gateway", ""));
  request.set_no_gateway(ctx.args.flag("no-gateway"));
  for (const auto& pool : ctx.args.values("pool")) {
    auto dash = pool.find('-');
    if (dash == std::string::npos) throw UsageError("--pool takes START-END, got '" + pool + "'");
    auto* range = request.add_allocation_pools();
    range->set_start(pool.substr(0, dash));
    range->set_end(pool.substr(dash + 1));
  }
  for (const auto& dns : ctx.args.values("dns")) request.add_dns_nameservers(dns);
  for (const auto& route : ctx.args.values("host-route")) {
    auto eq = route.find('=');
    if (eq == std::string::npos) throw UsageError("--host-route takes DESTINATION=NEXTHOP, got '" + route + "'");
    auto* r = request.add_host_routes();
    r->set_destination(route.substr(0, eq));
    r->set_nexthop(route.substr(eq + 1));
  }
  ctx.output.object(call_service(ctx, "network", &Stub::CreateSubnet, request));
}

void subnet_list(CommandContext& ctx) {
  net::ListSubnetsRequest request;
  request.set_network(ctx.args.value_or("network", ""));
  ctx.output.list(call_service(ctx, "network", &Stub::ListSubnets, request).subnets(),
                  {"id", "name", "network_id", "cidr", "gateway_ip"});
}

void subnet_show(CommandContext& ctx) {
  net::GetSubnetRequest request;
  request.set_subnet(argument(ctx, 0));
  ctx.output.object(call_service(ctx, "network", &Stub::GetSubnet, request));
}

void subnet_delete(CommandContext& ctx) {
  net::DeleteSubnetRequest request;
  request.set_subnet(argument(ctx, 0));
  call_service(ctx, "network", &Stub::DeleteSubnet, request);
}

// ---- ports ----

const std::vector<std::string> kPortColumns{"id", "name", "mac_address", "fixed_ips", "status", "device_id"};

void port_create(CommandContext& ctx) {
  net::CreatePortRequest request;
  request.set_name(argument(ctx, 0));
  request.set_network(required_option(ctx, "network"));
  for (const auto& ip : ctx.args.values("fixed-ip")) request.add_fixed_ips()->set_ip_address(ip);
  auto groups = ctx.args.values("security-group");
  if (!groups.empty() && ctx.args.flag("no-security-group"))
    throw UsageError("give --security-group or --no-security-group, not both");
  if (ctx.args.flag("no-security-group")) request.mutable_security_groups();  // present and empty: none
  for (const auto& g : groups) request.mutable_security_groups()->add_security_groups(g);
  request.set_mac_address(ctx.args.value_or("mac-address", ""));
  request.set_device_id(ctx.args.value_or("device-id", ""));
  request.set_device_owner(ctx.args.value_or("device-owner", ""));
  request.set_host(ctx.args.value_or("host", ""));        // admins (compute binds instances' ports)
  request.set_project(ctx.args.value_or("project", ""));  // admins: on behalf of that project
  ctx.output.object(call_service(ctx, "network", &Stub::CreatePort, request));
}

void port_list(CommandContext& ctx) {
  net::ListPortsRequest request;
  request.set_device_id(ctx.args.value_or("server", ""));
  request.set_network(ctx.args.value_or("network", ""));
  ctx.output.list(call_service(ctx, "network", &Stub::ListPorts, request).ports(), kPortColumns);
}

void port_show(CommandContext& ctx) {
  net::GetPortRequest request;
  request.set_port(argument(ctx, 0));
  ctx.output.object(call_service(ctx, "network", &Stub::GetPort, request));
}

void port_delete(CommandContext& ctx) {
  net::DeletePortRequest request;
  request.set_port(argument(ctx, 0));
  call_service(ctx, "network", &Stub::DeletePort, request);
}

// ---- security groups and rules ----

void group_create(CommandContext& ctx) {
  net::CreateSecurityGroupRequest request;
  request.set_name(argument(ctx, 0));
  request.set_description(ctx.args.value_or("description", ""));
  ctx.output.object(call_service(ctx, "network", &Stub::CreateSecurityGroup, request));
}

void group_list(CommandContext& ctx) {
  auto response = call_service(ctx, "network", &Stub::ListSecurityGroups, net::ListSecurityGroupsRequest());
  ctx.output.list(response.security_groups(), {"id", "name", "description"});
}

void group_show(CommandContext& ctx) {
  net::GetSecurityGroupRequest request;
  request.set_security_group(argument(ctx, 0));
  ctx.output.object(call_service(ctx, "network", &Stub::GetSecurityGroup, request));
}

void group_delete(CommandContext& ctx) {
  net::DeleteSecurityGroupRequest request;
  request.set_security_group(argument(ctx, 0));
  call_service(ctx, "network", &Stub::DeleteSecurityGroup, request);
}

// "--port 22" or "--port 8000:8080".
// A rule's unset ports or ICMP type/code mean every one: "any" where the protocol has them,
// empty where it has none (a tcp rule has no ICMP type), never "0", which reads as port 0.
std::string any_when_unset(const google::protobuf::Message& rule, const std::string& text, bool icmp_field) {
  if (!text.empty()) return text;
  std::string protocol = field_text(rule, "protocol");
  bool icmp = protocol == "icmp" || protocol == "ipv6-icmp";
  bool ports = protocol == "tcp" || protocol == "udp" || protocol == "132";
  return (icmp_field ? icmp : ports) ? "any" : "";
}

const CellFormats kRuleFormats = {
    {"port_range_min", [](const auto& rule, const auto& text) { return any_when_unset(rule, text, false); }},
    {"port_range_max", [](const auto& rule, const auto& text) { return any_when_unset(rule, text, false); }},
    {"icmp_type", [](const auto& rule, const auto& text) { return any_when_unset(rule, text, true); }},
    {"icmp_code", [](const auto& rule, const auto& text) { return any_when_unset(rule, text, true); }},
};

void set_port_range(net::CreateSecurityGroupRuleRequest& request, const std::string& text) {
  auto colon = text.find(':');
  request.set_port_range_min(number_option("port", text.substr(0, colon)));
  request.set_port_range_max(colon == std::string::npos ? request.port_range_min()
                                                        : number_option("port", text.substr(colon + 1)));
}

void rule_create(CommandContext& ctx) {
  net::CreateSecurityGroupRuleRequest request;
  request.set_security_group(argument(ctx, 0));
  request.set_direction(ctx.args.value_or("direction", "ingress"));
  request.set_ethertype(ctx.args.value_or("ethertype", "IPv4"));
  request.set_protocol(ctx.args.value_or("protocol", "any"));
  if (auto port = ctx.args.value("port")) set_port_range(request, *port);
  if (auto type = ctx.args.value("icmp-type")) request.set_icmp_type(number_option("icmp-type", *type));
  if (auto code = ctx.args.value("icmp-code")) request.set_icmp_code(number_option("icmp-code", *code));
  request.set_remote_ip_prefix(ctx.args.value_or("remote-ip", ""));
  request.set_remote_group(ctx.args.value_or("remote-group", ""));
  request.set_description(ctx.args.value_or("description", ""));
  ctx.output.object(call_service(ctx, "network", &Stub::CreateSecurityGroupRule, request), kRuleFormats);
}

void rule_list(CommandContext& ctx) {
  net::ListSecurityGroupRulesRequest request;
  request.set_security_group(argument(ctx, 0));
  ctx.output.list(call_service(ctx, "network", &Stub::ListSecurityGroupRules, request).rules(),
                  {"id", "direction", "ethertype", "protocol", "port_range_min", "port_range_max", "icmp_type",
                   "icmp_code", "remote_ip_prefix", "remote_group_id"},
                  kRuleFormats);
}

void rule_delete(CommandContext& ctx) {
  net::DeleteSecurityGroupRuleRequest request;
  request.set_rule_id(argument(ctx, 0));
  call_service(ctx, "network", &Stub::DeleteSecurityGroupRule, request);
}

// ---- floating IPs ----

const std::vector<std::string> kFloatingColumns{"id", "floating_ip_address", "fixed_ip_address", "port_id", "status"};

void floating_create(CommandContext& ctx) {
  net::CreateFloatingIpRequest request;
  request.set_floating_network(ctx.args.value_or("pool", ""));
  request.set_port(ctx.args.value_or("port", ""));
  ctx.output.object(call_service(ctx, "network", &Stub::CreateFloatingIp, request));
}

void floating_list(CommandContext& ctx) {
  auto response = call_service(ctx, "network", &Stub::ListFloatingIps, net::ListFloatingIpsRequest());
  ctx.output.list(response.floating_ips(), kFloatingColumns);
}

void floating_show(CommandContext& ctx) {
  net::GetFloatingIpRequest request;
  request.set_floating_ip(argument(ctx, 0));
  ctx.output.object(call_service(ctx, "network", &Stub::GetFloatingIp, request));
}

void floating_delete(CommandContext& ctx) {
  net::DeleteFloatingIpRequest request;
  request.set_floating_ip(argument(ctx, 0));
  call_service(ctx, "network", &Stub::DeleteFloatingIp, request);
}

// The port of a server (its name or id, as compute resolves it): the first with a fixed address.
std::string port_of_server(CommandContext& ctx, const std::string& server) {
  namespace cv1 = cloud::compute::v1;
  cv1::GetServerRequest request;
  request.set_server(server);
  auto found = call_service(ctx, "compute", &cv1::Compute::Stub::GetServer, request);
  for (const auto& network : found.addresses())
    for (const auto& address : network.second.addresses())
      if (address.type() == "fixed" && !address.port_id().empty()) return address.port_id();
  throw UsageError("server " + server + " has no port with a fixed address (name the port with --port PORT)");
}

void floating_associate(CommandContext& ctx) {
  const auto& positionals = ctx.args.positionals();
  auto port = ctx.args.value("port");
  if (port && positionals.size() > 1) throw UsageError("give a SERVER or --port PORT, not both");
  if (!port && positionals.size() < 2) throw UsageError("give a SERVER or --port PORT");
  net::AssociateFloatingIpRequest request;
  request.set_floating_ip(argument(ctx, 0));
  request.set_port(port ? *port : port_of_server(ctx, positionals[1]));
  request.set_fixed_ip_address(ctx.args.value_or("fixed-ip", ""));
  ctx.output.object(call_service(ctx, "network", &Stub::AssociateFloatingIp, request));
}

void floating_disassociate(CommandContext& ctx) {
  net::DisassociateFloatingIpRequest request;
  request.set_floating_ip(argument(ctx, 0));
  ctx.output.object(call_service(ctx, "network", &Stub::DisassociateFloatingIp, request));
}

}  // namespace

void add_network_commands(CommandTable& table) {
  // words, arguments, optional arguments, options, options usage, summary, handler
  table.add({{"network", "create"}, {"NAME"}, {},
             {flag_option("external"), flag_option("shared"), value_option("mtu"), value_option("project")},
             "[--external] [--shared] [--mtu N] [--project PROJECT_ID]",
             "create a network (--external, --shared and --project: admin)", network_create});
  table.add({{"network", "list"}, {}, {}, {flag_option("external")}, "[--external]",
             "list your networks and the shared and external ones", network_list});
  table.add({{"network", "show"}, {"NETWORK"}, {}, {}, "", "show a network", network_show});
  table.add({{"network", "delete"}, {"NETWORK"}, {}, {}, "", "delete a network and its subnets", network_delete});

  table.add({{"subnet", "create"}, {"NAME"}, {},
             {value_option("network"), value_option("cidr"), value_option("gateway"), flag_option("no-gateway"),
              repeated_option("pool"), repeated_option("dns"), repeated_option("host-route")},
             "--network N --cidr CIDR [--gateway IP | --no-gateway] [--pool START-END]... [--dns IP]... "
             "[--host-route DEST=NEXTHOP]...",
             "create an IPv4 subnet on a network", subnet_create});
  table.add({{"subnet", "list"}, {}, {}, {value_option("network")}, "[--network N]", "list subnets", subnet_list});
  table.add({{"subnet", "show"}, {"SUBNET"}, {}, {}, "", "show a subnet", subnet_show});
  table.add({{"subnet", "delete"}, {"SUBNET"}, {}, {}, "", "delete a subnet without allocated addresses",
             subnet_delete});

  table.add({{"port", "create"}, {"NAME"}, {},
             {value_option("network"), repeated_option("fixed-ip"), repeated_option("security-group"),
              flag_option("no-security-group"), value_option("mac-address"), value_option("device-id"),
              value_option("device-owner"), value_option("host"), value_option("project")},
             "--network N [--fixed-ip IP]... [--security-group SG]... [--no-security-group] [--mac-address MAC] "
             "[--host HOST --project PROJECT_ID (admin)]",
             "create a port (default security group unless told otherwise)", port_create});
  table.add({{"port", "list"}, {}, {}, {value_option("server"), value_option("network")},
             "[--server SERVER_ID] [--network N]", "list ports", port_list});
  table.add({{"port", "show"}, {"PORT"}, {}, {}, "", "show a port", port_show});
  table.add({{"port", "delete"}, {"PORT"}, {}, {}, "", "delete a port and free its addresses", port_delete});

  table.add({{"security-group", "create"}, {"NAME"}, {}, {value_option("description")}, "[--description D]",
             "create a security group (no rules: nothing in, nothing out)", group_create});
  table.add({{"security-group", "list"}, {}, {}, {}, "", "list security groups", group_list});
  table.add({{"security-group", "show"}, {"SG"}, {}, {}, "", "show a security group and its rules", group_show});
  table.add({{"security-group", "delete"}, {"SG"}, {}, {}, "", "delete a security group", group_delete});
  table.add({{"security-group", "rule", "create"}, {"SG"}, {},
             {value_option("direction"), value_option("ethertype"), value_option("protocol"), value_option("port"),
              value_option("icmp-type"), value_option("icmp-code"), value_option("remote-ip"),
              value_option("remote-group"), value_option("description")},
             "[--direction ingress|egress] [--ethertype IPv4|IPv6] [--protocol tcp|udp|icmp|any|NUMBER] "
             "[--port N|N:M] [--icmp-type T [--icmp-code C]] [--remote-ip CIDR | --remote-group SG]",
             "allow traffic into or out of the group's ports", rule_create});
  table.add({{"security-group", "rule", "list"}, {"SG"}, {}, {}, "", "list a group's rules", rule_list});
  table.add({{"security-group", "rule", "delete"}, {"RULE_ID"}, {}, {}, "", "delete a rule", rule_delete});

  table.add({{"floating-ip", "create"}, {}, {}, {value_option("pool"), value_option("port")},
             "[--pool EXTERNAL_NETWORK] [--port PORT]", "allocate a floating IP to the project", floating_create});
  table.add({{"floating-ip", "list"}, {}, {}, {}, "", "list the project's floating IPs", floating_list});
  table.add({{"floating-ip", "show"}, {"FIP"}, {}, {}, "", "show a floating IP (id or address)", floating_show});
  table.add({{"floating-ip", "delete"}, {"FIP"}, {}, {}, "", "release a floating IP", floating_delete});
  table.add({{"floating-ip", "associate"}, {"FIP"}, {"SERVER"}, {value_option("port"), value_option("fixed-ip")},
             "(SERVER | --port PORT) [--fixed-ip IP]", "map a floating IP to a server's port (or move it)",
             floating_associate});
  table.add({{"floating-ip", "disassociate"}, {"FIP"}, {}, {}, "", "unmap a floating IP", floating_disassociate});
}

}  // namespace stratus::cloudctl
