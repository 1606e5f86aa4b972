// Elastic IPs over the network service's floating IPs: an allocation (eipalloc-) is a
// floating IP, an association (eipassoc-) is that floating IP on one port, named by a digest
// of both (domain/instances.h), so nothing is stored here. Only VPC-style addresses exist.
#include <map>

#include "services/ec2-api/app/actions.h"
#include "services/ec2-api/app/instance_lookup.h"
#include "services/ec2-api/domain/ec2_error.h"
#include "services/ec2-api/domain/ids.h"
#include "services/ec2-api/domain/instances.h"

namespace stratus::ec2 {

namespace net = cloud::network::v1;

namespace {

const ResourceKind kAddress{"InvalidAllocationID", "address"};

std::string allocation_uuid(const std::string& id) {
  std::string uuid = uuid_of(IdKind::Allocation, id);
  if (uuid.empty()) throw Ec2Error("InvalidAllocationID.Malformed", "Invalid id: \"" + echo(id) + "\"");
  return uuid;
}

std::string association_id(const net::FloatingIp& f) {
  return f.port_id().empty() ? "" : to_ec2_id(IdKind::Association, association_uuid(f.id(), f.port_id()));
}

std::vector<net::FloatingIp> list_floating_ips(const Backends& b, const std::string& token) {
  try {
    auto listed = call(b, *b.network, &net::Network::Stub::ListFloatingIps, net::ListFloatingIpsRequest(), token,
                       "listing floating IPs");
    return {listed.floating_ips().begin(), listed.floating_ips().end()};
  } catch (const Error& e) {
    throw from_service_error(e, kAddress);
  }
}

// The floating IP an AllocationId or a PublicIp names (one of the two must be given).
net::FloatingIp find_address(const Backends& b, const QueryParams& params, const std::string& token) {
  auto allocation = params.find("AllocationId");
  auto public_ip = params.find("PublicIp");
  net::GetFloatingIpRequest request;
  if (allocation && !allocation->empty())
    request.set_floating_ip(allocation_uuid(*allocation));
  else if (public_ip && !public_ip->empty())
    request.set_floating_ip(*public_ip);
  else
    throw missing_parameter("AllocationId");
  try {
    return call(b, *b.network, &net::Network::Stub::GetFloatingIp, request, token, "reading a floating IP");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::NotFound || e.code() == ErrorCode::InvalidArgument) {
      if (allocation && !allocation->empty())
        throw Ec2Error("InvalidAllocationID.NotFound", "The allocation ID '" + echo(*allocation) + "' does not exist");
      throw Ec2Error("InvalidAddress.NotFound", "Address '" + echo(*public_ip) + "' not found.");
    }
    throw from_service_error(e, kAddress);
  }
}

}  // namespace

void Actions::allocate_address(const ActionContext& c) const {
  std::string domain = c.params.get("Domain", "vpc");
  if (domain != "vpc" && domain != "standard") throw invalid_parameter_value("Invalid value '" + echo(domain) + "' for Domain");
  if (c.params.has("Address"))
    throw invalid_parameter_value("allocating a chosen address (Address) is not supported: the pool picks one");
  net::FloatingIp f;
  try {
    f = call(backends_, *backends_.network, &net::Network::Stub::CreateFloatingIp, net::CreateFloatingIpRequest(),
             c.requester.token, "allocating a floating IP");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::ResourceExhausted)
      throw Ec2Error("AddressLimitExceeded", std::string("The maximum number of addresses has been reached: ") + e.what());
    throw from_service_error(e, {"", "address"});
  }
  add_text(c.response, "publicIp", f.floating_ip_address());
  add_text(c.response, "domain", "vpc");
  add_text(c.response, "allocationId", to_ec2_id(IdKind::Allocation, f.id()));
  add_text(c.response, "publicIpv4Pool", f.floating_network_id());
  add_text(c.response, "networkBorderGroup", settings_.region);
}

void Actions::associate_address(const ActionContext& c) const {
  if (c.params.has("NetworkInterfaceId"))
    throw invalid_parameter_value("NetworkInterfaceId is not supported: associate with an InstanceId");
  auto address = find_address(backends_, c.params, c.requester.token);
  auto server = require_instances(backends_, {c.params.require("InstanceId")}, c.requester.token,
                                  settings_.terminated_visible_seconds)
                    .front();
  std::string instance = to_ec2_id(IdKind::Instance, server.id());
  if (server.vm_state() == cloud::compute::v1::VM_STATE_DELETED || server.port_ids().empty())
    throw Ec2Error("IncorrectInstanceState", "The instance '" + instance + "' has no network interface yet (or any more)");
  const std::string& port = server.port_ids(0);
  bool reassociation = c.params.boolean("AllowReassociation").value_or(false);
  if (!address.port_id().empty() && address.port_id() != port && !reassociation)
    throw Ec2Error("Resource.AlreadyAssociated", "resource " + to_ec2_id(IdKind::Allocation, address.id()) +
                                                     " is already associated with " + association_id(address));
  net::AssociateFloatingIpRequest request;
  request.set_floating_ip(address.id());
  request.set_port(port);
  request.set_fixed_ip_address(c.params.get("PrivateIpAddress", ""));
  net::FloatingIp associated;
  try {
    associated = call(backends_, *backends_.network, &net::Network::Stub::AssociateFloatingIp, request,
                      c.requester.token, "associating a floating IP");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::FailedPrecondition || e.code() == ErrorCode::InvalidArgument)
      throw invalid_parameter_value(e.what());
    throw from_service_error(e, kAddress);
  }
  add_bool(c.response, "return", true);
  add_text(c.response, "associationId", association_id(associated));
}

void Actions::disassociate_address(const ActionContext& c) const {
  net::FloatingIp address;
  if (auto id = c.params.find("AssociationId"); id && !id->empty()) {
    std::string uuid = uuid_of(IdKind::Association, *id);
    if (uuid.empty()) throw Ec2Error("InvalidAssociationID.Malformed", "Invalid id: \"" + echo(*id) + "\"");
    bool found = false;
    for (const auto& f : list_floating_ips(backends_, c.requester.token))
      if (association_id(f) == *id) {
        address = f;
        found = true;
      }
    if (!found) throw Ec2Error("InvalidAssociationID.NotFound", "The association ID '" + echo(*id) + "' does not exist");
  } else if (c.params.has("PublicIp")) {
    address = find_address(backends_, c.params, c.requester.token);
  } else {
    throw missing_parameter("AssociationId");
  }
  if (!address.port_id().empty()) {
    net::DisassociateFloatingIpRequest request;
    request.set_floating_ip(address.id());
    try {
      call(backends_, *backends_.network, &net::Network::Stub::DisassociateFloatingIp, request, c.requester.token,
           "disassociating a floating IP");
    } catch (const Error& e) {
      throw from_service_error(e, kAddress);
    }
  }
  add_bool(c.response, "return", true);
}

void Actions::release_address(const ActionContext& c) const {
  auto address = find_address(backends_, c.params, c.requester.token);
  if (!address.port_id().empty())
    throw Ec2Error("InvalidIPAddress.InUse", "Address " + address.floating_ip_address() + " is in use (" +
                                                 association_id(address) + "): disassociate it first");
  net::DeleteFloatingIpRequest request;
  request.set_floating_ip(address.id());
  try {
    call(backends_, *backends_.network, &net::Network::Stub::DeleteFloatingIp, request, c.requester.token,
         "releasing a floating IP");
  } catch (const Error& e) {
    throw from_service_error(e, kAddress);
  }
  add_bool(c.response, "return", true);
}

void Actions::describe_addresses(const ActionContext& c) const {
  auto public_ips = c.params.list("PublicIp");
  auto allocation_ids = c.params.list("AllocationId");
  std::vector<std::string> allocation_uuids;
  for (const auto& id : allocation_ids) allocation_uuids.push_back(allocation_uuid(id));
  FilterSet filters(c.params.filters(), {"allocation-id", "association-id", "domain", "instance-id", "private-ip-address",
                                         "public-ip", "network-border-group"});
  auto addresses = list_floating_ips(backends_, c.requester.token);
  for (size_t i = 0; i < allocation_uuids.size(); ++i)
    if (std::none_of(addresses.begin(), addresses.end(), [&](const auto& f) { return f.id() == allocation_uuids[i]; }))
      throw Ec2Error("InvalidAllocationID.NotFound", "The allocation ID '" + echo(allocation_ids[i]) + "' does not exist");
  for (const auto& ip : public_ips)
    if (std::none_of(addresses.begin(), addresses.end(), [&](const auto& f) { return f.floating_ip_address() == ip; }))
      throw Ec2Error("InvalidAddress.NotFound", "Address '" + echo(ip) + "' not found.");

  // The instance behind each associated port: its device_id, as compute binds it.
  std::map<std::string, std::string> instance_of_port;
  if (std::any_of(addresses.begin(), addresses.end(), [](const auto& f) { return !f.port_id().empty(); })) {
    try {
      auto ports = call(backends_, *backends_.network, &net::Network::Stub::ListPorts, net::ListPortsRequest(),
                        c.requester.token, "listing ports");
      for (const auto& port : ports.ports()) instance_of_port[port.id()] = port.device_id();
    } catch (const Error& e) {
      throw from_service_error(e, kAddress);
    }
  }
  auto set = c.response.append_child("addressesSet");
  for (const auto& f : addresses) {
    if (!allocation_uuids.empty() &&
        std::find(allocation_uuids.begin(), allocation_uuids.end(), f.id()) == allocation_uuids.end())
      continue;
    if (!public_ips.empty() && std::find(public_ips.begin(), public_ips.end(), f.floating_ip_address()) == public_ips.end())
      continue;
    std::string instance;
    if (auto it = instance_of_port.find(f.port_id()); it != instance_of_port.end()) {
      try {
        instance = to_ec2_id(IdKind::Instance, it->second);
      } catch (const std::invalid_argument&) {
        instance.clear();  // a port of something other than an instance
      }
    }
    std::string allocation = to_ec2_id(IdKind::Allocation, f.id());
    std::string association = association_id(f);
    bool match = filters.matches([&](const std::string& name) -> std::vector<std::string> {
      if (name == "allocation-id") return {allocation};
      if (name == "association-id") return {association};
      if (name == "domain") return {"vpc"};
      if (name == "instance-id") return {instance};
      if (name == "private-ip-address") return {f.fixed_ip_address()};
      if (name == "public-ip") return {f.floating_ip_address()};
      return {settings_.region};
    });
    if (!match) continue;
    auto item = set.append_child("item");
    if (!instance.empty()) add_text(item, "instanceId", instance);
    add_text(item, "publicIp", f.floating_ip_address());
    add_text(item, "allocationId", allocation);
    if (!association.empty()) add_text(item, "associationId", association);
    add_text(item, "domain", "vpc");
    if (!f.fixed_ip_address().empty()) add_text(item, "privateIpAddress", f.fixed_ip_address());
    item.append_child("tagSet");
    add_text(item, "publicIpv4Pool", f.floating_network_id());
    add_text(item, "networkBorderGroup", settings_.region);
  }
}

}  // namespace stratus::ec2
