// Instances over compute's servers: RunInstances, DescribeInstances, DescribeInstanceStatus,
// Start/Stop/Reboot/TerminateInstances, GetConsoleOutput. The state, reservation and paging
// rules are pure (domain/instances.h); this file calls the services and writes the XML.
#include <chrono>
#include <cstring>
#include <map>

#include <sodium.h>

#include "common/auth/token.h"
#include "services/ec2-api/app/actions.h"
#include "services/ec2-api/app/instance_lookup.h"
#include "services/ec2-api/domain/ec2_error.h"
#include "services/ec2-api/domain/ids.h"
#include "services/ec2-api/domain/instances.h"
#include "services/ec2-api/domain/volumes.h"

namespace stratus::ec2 {

namespace v1 = cloud::compute::v1;
namespace net = cloud::network::v1;
namespace img = cloud::image::v1;

namespace {

const ResourceKind kInstance{"InvalidInstanceID", "instance"};

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string without_prefix(const std::string& name, const char* prefix) {
  size_t n = std::strlen(prefix);
  return name.compare(0, n, prefix) == 0 ? name.substr(n) : name;
}

InstanceState state_of(const v1::Server& s) {
  return instance_state(without_prefix(v1::VmState_Name(s.vm_state()), "VM_STATE_"),
                        without_prefix(v1::TaskState_Name(s.task_state()), "TASK_STATE_"),
                        without_prefix(v1::PowerState_Name(s.power_state()), "POWER_STATE_"));
}

bool visible(const v1::Server& s, int64_t terminated_visible_seconds, int64_t now) {
  return s.vm_state() != v1::VM_STATE_DELETED || s.updated_at().seconds() + terminated_visible_seconds >= now;
}

std::string reservation_of(const v1::Server& s) { return reservation_uuid(s.request_id(), s.id()); }

std::string not_found_message(const std::vector<std::string>& ids) {
  std::string joined;
  for (const auto& id : ids) joined += (joined.empty() ? "" : ", ") + echo(id);
  return ids.size() == 1 ? "The instance ID '" + joined + "' does not exist"
                         : "The instance IDs '" + joined + "' do not exist";
}

// What a listing needs besides the servers: group ids by name, floating addresses by port.
struct Surroundings {
  std::map<std::string, std::string> group_ids;       // name -> UUID
  std::map<std::string, std::string> public_address;  // port id -> floating address
};

Surroundings surroundings(const Backends& b, const std::string& token) {
  Surroundings out;
  try {
    auto groups = call(b, *b.network, &net::Network::Stub::ListSecurityGroups, net::ListSecurityGroupsRequest(), token,
                       "listing security groups");
    for (const auto& g : groups.security_groups()) out.group_ids[g.name()] = g.id();
    auto fips = call(b, *b.network, &net::Network::Stub::ListFloatingIps, net::ListFloatingIpsRequest(), token,
                     "listing floating IPs");
    for (const auto& f : fips.floating_ips())
      if (!f.port_id().empty()) out.public_address[f.port_id()] = f.floating_ip_address();
  } catch (const Error& e) {
    throw from_service_error(e, kInstance);
  }
  return out;
}

// The first fixed IPv4 address, by network name so the answer is the same every time.
std::string private_address(const v1::Server& s) {
  std::map<std::string, std::string> by_network;
  for (const auto& [network, addresses] : s.addresses())
    for (const auto& a : addresses.addresses())
      if (a.type() != "floating" && a.ip_address().find(':') == std::string::npos) {
        by_network.emplace(network, a.ip_address());
        break;
      }
  return by_network.empty() ? "" : by_network.begin()->second;
}

std::string public_address(const v1::Server& s, const Surroundings& around) {
  for (const auto& port : s.port_ids())
    if (auto it = around.public_address.find(port); it != around.public_address.end()) return it->second;
  for (const auto& [network, addresses] : s.addresses())
    for (const auto& a : addresses.addresses())
      if (a.type() == "floating") return a.ip_address();
  return "";
}

InstanceFacts facts_of(const v1::Server& s, const std::string& reservation, const Surroundings& around) {
  InstanceFacts f;
  f.instance_id = to_ec2_id(IdKind::Instance, s.id());
  f.reservation_id = to_ec2_id(IdKind::Reservation, reservation);
  f.owner_id = s.project_id();
  f.instance_type = s.flavor().name();
  if (!s.image_id().empty()) f.image_id = to_ec2_id(IdKind::Image, s.image_id());
  f.key_name = s.key_name();
  f.availability_zone = s.availability_zone();
  f.private_ip = private_address(s);
  f.public_ip = public_address(s, around);
  f.state = state_of(s);
  for (const auto& name : s.security_groups()) {
    f.group_names.push_back(name);
    if (auto it = around.group_ids.find(name); it != around.group_ids.end())
      f.group_ids.push_back(to_ec2_id(IdKind::SecurityGroup, it->second));
  }
  return f;
}

void state_node(pugi::xml_node parent, const char* name, const InstanceState& state) {
  auto node = parent.append_child(name);
  add_int(node, "code", state.code);
  add_text(node, "name", state.name);
}

void instance_item(pugi::xml_node set, const v1::Server& s, int launch_index, const Surroundings& around) {
  auto state = state_of(s);
  auto item = set.append_child("item");
  add_text(item, "instanceId", to_ec2_id(IdKind::Instance, s.id()));
  if (!s.image_id().empty()) add_text(item, "imageId", to_ec2_id(IdKind::Image, s.image_id()));
  state_node(item, "instanceState", state);
  add_text(item, "privateDnsName", s.hostname());
  add_text(item, "dnsName", "");
  add_text(item, "reason", s.fault().message());
  if (!s.key_name().empty()) add_text(item, "keyName", s.key_name());
  add_int(item, "amiLaunchIndex", launch_index);
  item.append_child("productCodes");
  add_text(item, "instanceType", s.flavor().name());
  add_text(item, "launchTime", iso8601(s.has_launched_at() ? s.launched_at().seconds() : s.created_at().seconds()));
  auto placement = item.append_child("placement");
  add_text(placement, "availabilityZone", s.availability_zone());
  add_text(placement, "groupName", "");
  add_text(placement, "tenancy", "default");
  add_text(item.append_child("monitoring"), "state", "disabled");
  if (auto ip = private_address(s); !ip.empty()) add_text(item, "privateIpAddress", ip);
  if (auto ip = public_address(s, around); !ip.empty()) add_text(item, "ipAddress", ip);
  auto groups = item.append_child("groupSet");
  for (const auto& name : s.security_groups()) {
    auto g = groups.append_child("item");
    if (auto it = around.group_ids.find(name); it != around.group_ids.end())
      add_text(g, "groupId", to_ec2_id(IdKind::SecurityGroup, it->second));
    add_text(g, "groupName", name);
  }
  if (!s.fault().message().empty()) {
    auto reason = item.append_child("stateReason");
    add_text(reason, "code", "Server.InternalError");
    add_text(reason, "message", s.fault().message());
  } else if (state == kStopped || state == kTerminated) {
    auto reason = item.append_child("stateReason");
    add_text(reason, "code", "Client.UserInitiatedShutdown");
    add_text(reason, "message", "Client.UserInitiatedShutdown: User initiated shutdown");
  }
  add_text(item, "architecture", "x86_64");
  add_text(item, "rootDeviceType", "instance-store");
  add_text(item, "rootDeviceName", "/dev/vda");
  auto devices = item.append_child("blockDeviceMapping");
  for (const auto& a : s.volume_attachments()) {
    auto mapping = devices.append_child("item");
    add_text(mapping, "deviceName", a.device());
    auto ebs = mapping.append_child("ebs");
    add_text(ebs, "volumeId", to_ec2_id(IdKind::Volume, a.volume_id()));
    add_text(ebs, "status", attachment_state("", without_prefix(v1::AttachmentStatus_Name(a.status()), "ATTACHMENT_STATUS_")));
    add_text(ebs, "attachTime", iso8601(a.created_at().seconds()));
    add_bool(ebs, "deleteOnTermination", a.delete_on_termination());
  }
  add_text(item, "virtualizationType", "hvm");
  item.append_child("tagSet");
  add_text(item, "hypervisor", "kvm");
  add_bool(item, "ebsOptimized", false);
  add_text(item, "platformDetails", "Linux/UNIX");
}

// Servers with their place in DescribeInstances' order.
struct Listed {
  std::string key;
  std::string reservation;
  int launch_index = 0;
  const v1::Server* server = nullptr;
};

std::vector<Listed> in_listing_order(const std::vector<v1::Server>& servers) {
  std::map<std::string, std::vector<const v1::Server*>> by_reservation;
  for (const auto& s : servers) by_reservation[reservation_of(s)].push_back(&s);
  std::vector<Listed> out;
  for (const auto& [reservation, members] : by_reservation) {
    std::vector<std::string> names;
    for (const auto* s : members) names.push_back(s->name());
    auto indexes = launch_indexes(names);
    for (size_t i = 0; i < members.size(); ++i)
      out.push_back({listing_key(reservation, indexes[i], members[i]->id()), reservation, indexes[i], members[i]});
  }
  std::sort(out.begin(), out.end(), [](const Listed& a, const Listed& b) { return a.key < b.key; });
  return out;
}

std::vector<v1::Server> list_all(const Backends& b, const std::string& token, v1::VmState state) {
  v1::ListServersRequest request;
  request.set_vm_state(state);
  return call_all_pages(b, *b.compute, &v1::Compute::Stub::ListServers, request, &v1::ListServersResponse::servers,
                        token, "listing servers");
}

// The caller's instances: those named, or every live one and those terminated lately.
std::vector<v1::Server> visible_servers(const Backends& b, const std::vector<std::string>& ids, const std::string& token,
                                        int64_t terminated_visible_seconds) {
  if (!ids.empty()) return require_instances(b, ids, token, terminated_visible_seconds);
  try {
    auto servers = list_all(b, token, v1::VM_STATE_UNSPECIFIED);
    int64_t now = now_seconds();
    for (auto& s : list_all(b, token, v1::VM_STATE_DELETED))
      if (visible(s, terminated_visible_seconds, now)) servers.push_back(std::move(s));
    return servers;
  } catch (const Error& e) {
    throw from_service_error(e, kInstance);
  }
}

std::vector<std::string> required_instance_ids(const QueryParams& params) {
  auto ids = params.list("InstanceId");
  if (ids.empty()) throw missing_parameter("InstanceId");
  return ids;
}

std::string base64(const std::string& bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// What RunInstances names, checked one by one before anything is made, so each refusal
// carries the code EC2 gives it (compute would refuse them too, but with one generic code).
void check_launch(const Backends& b, const std::string& image_ref, const std::string& image, const std::string& type,
                  const std::string& key, const std::vector<std::string>& groups, const std::string& token) {
  {
    img::GetImageRequest request;
    request.set_image(image);
    try {
      call(b, *b.images, &img::Images::Stub::GetImage, request, token, "reading an image");
    } catch (const Error& e) {
      if (e.code() == ErrorCode::NotFound)
        throw Ec2Error("InvalidAMIID.NotFound", "The image id '[" + echo(image_ref) + "]' does not exist");
      throw from_service_error(e, {"InvalidAMIID", "image"});
    }
  }
  {
    v1::GetFlavorRequest request;
    request.set_flavor(type);
    try {
      call(b, *b.compute, &v1::Compute::Stub::GetFlavor, request, token, "reading a flavor");
    } catch (const Error& e) {
      if (e.code() == ErrorCode::NotFound || e.code() == ErrorCode::InvalidArgument)
        throw invalid_parameter_value("Invalid value '" + echo(type) + "' for InstanceType.");
      throw from_service_error(e, {"", "instance type"});
    }
  }
  if (!key.empty()) {
    v1::GetKeyPairRequest request;
    request.set_key_name(key);
    try {
      call(b, *b.compute, &v1::Compute::Stub::GetKeyPair, request, token, "reading a key pair");
    } catch (const Error& e) {
      if (e.code() == ErrorCode::NotFound || e.code() == ErrorCode::InvalidArgument)
        throw Ec2Error("InvalidKeyPair.NotFound", "The key pair '" + echo(key) + "' does not exist");
      throw from_service_error(e, {"InvalidKeyPair", "key pair"});
    }
  }
  for (const auto& g : groups) {
    net::GetSecurityGroupRequest request;
    request.set_security_group(g);
    try {
      call(b, *b.network, &net::Network::Stub::GetSecurityGroup, request, token, "reading a security group");
    } catch (const Error& e) {
      if (e.code() == ErrorCode::NotFound || e.code() == ErrorCode::InvalidArgument)
        throw Ec2Error("InvalidGroup.NotFound", "The security group '" + echo(g) + "' does not exist");
      throw from_service_error(e, {"InvalidGroup", "security group"});
    }
  }

}

}  // namespace

// ---------------------------------------------------------------- lookups

std::string instance_uuid(const std::string& ec2_id) {
  std::string uuid = uuid_of(IdKind::Instance, ec2_id);
  if (uuid.empty()) throw Ec2Error("InvalidInstanceID.Malformed", "Invalid id: \"" + echo(ec2_id) + "\"");
  return uuid;
}

std::vector<v1::Server> require_instances(const Backends& b, const std::vector<std::string>& ec2_ids,
                                          const std::string& token, int64_t terminated_visible_seconds) {
  std::vector<std::string> uuids;
  for (const auto& id : ec2_ids) uuids.push_back(instance_uuid(id));  // every id well formed first
  std::vector<v1::Server> out;
  std::vector<std::string> missing;
  int64_t now = now_seconds();
  for (size_t i = 0; i < uuids.size(); ++i) {
    v1::GetServerRequest request;
    request.set_server(uuids[i]);
    try {
      auto s = call(b, *b.compute, &v1::Compute::Stub::GetServer, request, token, "reading a server");
      if (visible(s, terminated_visible_seconds, now))
        out.push_back(std::move(s));
      else
        missing.push_back(ec2_ids[i]);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::NotFound) throw from_service_error(e, kInstance);
      missing.push_back(ec2_ids[i]);
    }
  }
  if (!missing.empty()) throw Ec2Error("InvalidInstanceID.NotFound", not_found_message(missing));
  return out;
}

// ---------------------------------------------------------------- RunInstances

void Actions::run_instances(const ActionContext& c) const {
  const auto& p = c.params;
  std::string image_ref = p.require("ImageId");
  std::string image = image_uuid_of(image_ref);
  if (image.empty()) throw Ec2Error("InvalidAMIID.Malformed", "Invalid id: \"" + echo(image_ref) + "\"");
  if (!p.has("MinCount")) throw missing_parameter("MinCount");
  if (!p.has("MaxCount")) throw missing_parameter("MaxCount");
  int64_t min_count = *p.integer("MinCount", 1, 1000);
  int64_t max_count = *p.integer("MaxCount", 1, 1000);
  if (min_count > max_count)
    throw invalid_parameter_value("MinCount (" + std::to_string(min_count) + ") must not be greater than MaxCount (" +
                                  std::to_string(max_count) + ")");
  std::string type = p.get("InstanceType", settings_.default_instance_type);
  std::string zone = p.get("Placement.AvailabilityZone", "");
  if (!zone.empty() && std::find(settings_.availability_zones.begin(), settings_.availability_zones.end(), zone) ==
                           settings_.availability_zones.end())
    throw invalid_parameter_value("Invalid availability zone: [" + echo(zone) + "]");
  std::vector<std::string> groups;
  for (const auto& id : p.list("SecurityGroupId")) {
    groups.push_back(uuid_of(IdKind::SecurityGroup, id));
    if (groups.back().empty()) throw Ec2Error("InvalidGroupId.Malformed", "Invalid id: \"" + echo(id) + "\"");
  }
  for (const auto& name : p.list("SecurityGroup")) groups.push_back(name);
  const std::string& token = c.requester.token;

  check_launch(backends_, image_ref, image, type, p.get("KeyName", ""), groups, token);

  // One create call is one reservation: its request_id is the reservation's UUID (a
  // ClientToken's digest, so compute answers a retry with the first call's servers).
  auto client_token = p.find("ClientToken");
  std::string request_id = client_token && !client_token->empty() ? client_token_request_id(*client_token)
                                                                   : auth::random_uuid();
  v1::CreateServerRequest request;
  request.set_name(to_ec2_id(IdKind::Reservation, request_id));
  request.set_image(image);
  request.set_flavor(type);
  request.set_key_name(p.get("KeyName", ""));
  for (const auto& g : groups) request.add_security_groups(g);
  request.set_user_data(p.get("UserData", ""));
  request.set_availability_zone(zone);
  request.set_request_id(request_id);
  v1::CreateServerResponse created;
  for (int64_t count : launch_counts(min_count, max_count)) {
    request.set_count(static_cast<int32_t>(count));
    try {
      created = call(backends_, *backends_.compute, &v1::Compute::Stub::CreateServer, request, token, "creating servers");
      break;
    } catch (const Error& e) {
      // No room (quota or hosts) for this many: fewer, down to MinCount, may fit.
      if (e.code() == ErrorCode::ResourceExhausted && count != min_count) continue;
      std::string message = e.what();
      if (e.code() == ErrorCode::ResourceExhausted)
        throw Ec2Error(message.find("quota") != std::string::npos ? "InstanceLimitExceeded" : "InsufficientInstanceCapacity",
                       message);
      throw from_service_error(e, kInstance);
    }
  }
  if (created.servers().empty()) throw Ec2Error("InternalError", "compute created no server", 500);

  auto around = surroundings(backends_, token);
  const auto& first = created.servers(0);
  add_text(c.response, "reservationId", to_ec2_id(IdKind::Reservation, reservation_of(first)));
  add_text(c.response, "ownerId", first.project_id());
  c.response.append_child("groupSet");
  std::vector<v1::Server> servers(created.servers().begin(), created.servers().end());
  auto set = c.response.append_child("instancesSet");
  for (const auto& l : in_listing_order(servers)) instance_item(set, *l.server, l.launch_index, around);
}

// ---------------------------------------------------------------- DescribeInstances

void Actions::describe_instances(const ActionContext& c) const {
  auto ids = c.params.list("InstanceId");
  FilterSet filters(c.params.filters(), instance_filter_names());
  auto max_results = c.params.integer("MaxResults", 5, 1000);
  if (!ids.empty() && max_results)
    throw invalid_parameter_combination("The parameter instancesSet cannot be used with the parameter maxResults");
  auto servers = visible_servers(backends_, ids, c.requester.token, settings_.terminated_visible_seconds);
  auto around = surroundings(backends_, c.requester.token);

  std::vector<Listed> chosen;
  for (const auto& l : in_listing_order(servers)) {
    auto facts = facts_of(*l.server, l.reservation, around);
    bool match = filters.matches([&](const std::string& name) { return instance_filter_values(facts, name); });
    if (match) chosen.push_back(l);
  }
  std::vector<std::string> keys;
  for (const auto& l : chosen) keys.push_back(l.key);
  auto window = page_window(keys, max_results, c.params.get("NextToken", ""));

  auto set = c.response.append_child("reservationSet");
  pugi::xml_node instances;
  std::string current;
  for (size_t i = window.begin; i < window.end; ++i) {
    const auto& l = chosen[i];
    if (instances.empty() || l.reservation != current) {
      current = l.reservation;
      auto reservation = set.append_child("item");
      add_text(reservation, "reservationId", to_ec2_id(IdKind::Reservation, l.reservation));
      add_text(reservation, "ownerId", l.server->project_id());
      reservation.append_child("groupSet");
      instances = reservation.append_child("instancesSet");
    }
    instance_item(instances, *l.server, l.launch_index, around);
  }
  if (!window.next_token.empty()) add_text(c.response, "nextToken", window.next_token);
}

// ---------------------------------------------------------------- DescribeInstanceStatus

void Actions::describe_instance_status(const ActionContext& c) const {
  auto ids = c.params.list("InstanceId");
  FilterSet filters(c.params.filters(), {"availability-zone", "instance-state-name", "instance-state-code",
                                         "instance-status.status", "system-status.status"});
  auto max_results = c.params.integer("MaxResults", 5, 1000);
  if (!ids.empty() && max_results)
    throw invalid_parameter_combination("The parameter instancesSet cannot be used with the parameter maxResults");
  bool all = c.params.boolean("IncludeAllInstances").value_or(false);
  auto servers = visible_servers(backends_, ids, c.requester.token, settings_.terminated_visible_seconds);

  // Health as far as the cloud knows it: a running instance whose host is up is "ok"; we run
  // no reachability probe inside guests.
  auto health = [](const v1::Server& s, const InstanceState& state) -> std::string {
    if (state == kPending) return "initializing";
    if (state != kRunning) return "not-applicable";
    return s.host_status() == v1::HOST_STATUS_DOWN ? "impaired" : "ok";
  };
  std::vector<Listed> chosen;
  for (const auto& l : in_listing_order(servers)) {
    auto state = state_of(*l.server);
    if (!all && state != kRunning) continue;
    std::string status = health(*l.server, state);
    bool match = filters.matches([&](const std::string& name) -> std::vector<std::string> {
      if (name == "availability-zone") return {l.server->availability_zone()};
      if (name == "instance-state-name") return {state.name};
      if (name == "instance-state-code") return {std::to_string(state.code)};
      return {status};
    });
    if (match) chosen.push_back(l);
  }
  std::vector<std::string> keys;
  for (const auto& l : chosen) keys.push_back(l.key);
  auto window = page_window(keys, max_results, c.params.get("NextToken", ""));
  auto set = c.response.append_child("instanceStatusSet");
  for (size_t i = window.begin; i < window.end; ++i) {
    const v1::Server& s = *chosen[i].server;
    auto state = state_of(s);
    std::string status = health(s, state);
    auto item = set.append_child("item");
    add_text(item, "instanceId", to_ec2_id(IdKind::Instance, s.id()));
    add_text(item, "availabilityZone", s.availability_zone());
    item.append_child("eventsSet");
    state_node(item, "instanceState", state);
    for (const char* which : {"systemStatus", "instanceStatus"}) {
      auto summary = item.append_child(which);
      add_text(summary, "status", status);
      auto detail = summary.append_child("details").append_child("item");
      add_text(detail, "name", "reachability");
      add_text(detail, "status", status == "ok" ? "passed" : status == "impaired" ? "failed" : status);
    }
  }
  if (!window.next_token.empty()) add_text(c.response, "nextToken", window.next_token);
}

// ---------------------------------------------------------------- power and termination

namespace {

enum class Change { Start, Stop, Terminate };

// Calls compute for each instance (all found first, so an unknown id changes nothing) and
// answers EC2's instancesSet of currentState/previousState. Asking a stopped instance to stop
// (or a running one to start) succeeds and changes nothing, as on EC2.
void change_instances(const Backends& b, const ActionContext& c, Change change, int64_t visible_seconds) {
  auto servers = require_instances(b, required_instance_ids(c.params), c.requester.token, visible_seconds);
  auto set = c.response.append_child("instancesSet");
  for (const auto& before : servers) {
    auto previous = state_of(before);
    v1::Server after = before;
    bool nothing_to_do = (change == Change::Stop && (previous == kStopped || previous == kStopping)) ||
                         (change == Change::Start && (previous == kRunning || previous == kPending));
    if (!nothing_to_do) {
      v1::ServerActionRequest request;
      request.set_server(before.id());
      request.set_request_id(auth::random_uuid());
      auto method = change == Change::Start  ? &v1::Compute::Stub::StartServer
                    : change == Change::Stop ? &v1::Compute::Stub::StopServer
                                             : &v1::Compute::Stub::DeleteServer;
      try {
        after = call(b, *b.compute, method, request, c.requester.token, "changing a server");
      } catch (const Error& e) {
        std::string id = to_ec2_id(IdKind::Instance, before.id());
        if (e.code() == ErrorCode::FailedPrecondition)
          throw Ec2Error("IncorrectInstanceState", "The instance '" + id + "' is not in a state from which it can be " +
                                                       (change == Change::Start ? "started" : "stopped") + ": " + e.what());
        if (e.code() == ErrorCode::NotFound) throw Ec2Error("InvalidInstanceID.NotFound", not_found_message({id}));
        throw from_service_error(e, kInstance);
      }
    }
    auto item = set.append_child("item");
    add_text(item, "instanceId", to_ec2_id(IdKind::Instance, before.id()));
    state_node(item, "currentState", state_of(after));
    state_node(item, "previousState", previous);
  }
}

}  // namespace

void Actions::start_instances(const ActionContext& c) const {
  change_instances(backends_, c, Change::Start, settings_.terminated_visible_seconds);
}
void Actions::stop_instances(const ActionContext& c) const {
  change_instances(backends_, c, Change::Stop, settings_.terminated_visible_seconds);
}
void Actions::terminate_instances(const ActionContext& c) const {
  change_instances(backends_, c, Change::Terminate, settings_.terminated_visible_seconds);
}

void Actions::reboot_instances(const ActionContext& c) const {
  auto servers = require_instances(backends_, required_instance_ids(c.params), c.requester.token,
                                   settings_.terminated_visible_seconds);
  for (const auto& s : servers) {
    v1::RebootServerRequest request;
    request.set_server(s.id());
    request.set_request_id(auth::random_uuid());
    try {
      call(backends_, *backends_.compute, &v1::Compute::Stub::RebootServer, request, c.requester.token,
           "rebooting a server");
    } catch (const Error& e) {
      if (e.code() == ErrorCode::FailedPrecondition)
        throw Ec2Error("IncorrectInstanceState", "The instance '" + to_ec2_id(IdKind::Instance, s.id()) +
                                                     "' is not in a state from which it can be rebooted: " + e.what());
      throw from_service_error(e, kInstance);
    }
  }
  add_bool(c.response, "return", true);
}

// ---------------------------------------------------------------- console

void Actions::get_console_output(const ActionContext& c) const {
  std::string id = c.params.require("InstanceId");
  auto server = require_instances(backends_, {id}, c.requester.token, settings_.terminated_visible_seconds).front();
  v1::GetConsoleLogRequest request;
  request.set_server(server.id());
  v1::ConsoleLog log;
  try {
    log = call(backends_, *backends_.compute, &v1::Compute::Stub::GetConsoleLog, request, c.requester.token,
               "reading a console log");
  } catch (const Error& e) {
    // A pending or terminated instance has no console yet (or any more): EC2 answers empty.
    if (e.code() != ErrorCode::FailedPrecondition) throw from_service_error(e, kInstance);
  }
  add_text(c.response, "instanceId", id);
  add_text(c.response, "timestamp", iso8601(log.has_updated_at() ? log.updated_at().seconds() : now_seconds()));
  add_text(c.response, "output", base64(log.output()));
}

}  // namespace stratus::ec2
