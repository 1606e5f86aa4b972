#include "services/compute/api/compute_api.h"

#include "common/error/error.h"
#include "common/rpc/status.h"
#include "services/compute/api/mapping.h"
#include "services/compute/console/console_pump.h"

namespace stratus::compute {

void set_time(google::protobuf::Timestamp* t, int64_t unix_seconds) { t->set_seconds(unix_seconds); }

namespace {

// Lists kept in memory page by offset: the token is the offset of the next page.
template <typename Row, typename Add>
std::string page(const std::vector<Row>& rows, uint32_t page_size, const std::string& token, Add add) {
  size_t size = page_size == 0 ? 100 : std::min<uint32_t>(page_size, 1000);
  size_t start = 0;
  if (!token.empty()) {
    try {
      size_t used = 0;
      start = std::stoul(token, &used);
      if (used != token.size()) throw std::invalid_argument(token);
    } catch (const std::exception&) {
      throw invalid_argument("page_token is not one this service handed out");
    }
  }
  for (size_t i = start; i < rows.size() && i < start + size; ++i) add(rows[i]);
  return start + size < rows.size() ? std::to_string(start + size) : "";
}

void to_proto(const FlavorRow& f, v1::Flavor* out) {
  out->set_id(f.id);
  out->set_name(f.name);
  out->set_vcpus(f.vcpus);
  out->set_ram_mib(f.ram_mib);
  out->set_disk_gib(f.disk_gib);
  out->set_ephemeral_gib(f.ephemeral_gib);
  out->set_swap_mib(f.swap_mib);
  out->set_is_public(f.is_public);
  for (const auto& p : f.access_project_ids) out->add_access_project_ids(p);
  out->set_description(f.description);
  set_time(out->mutable_created_at(), f.created_at);
}

v1::KeyType key_type_of(const std::string& type) {
  if (type == "ed25519") return v1::KEY_TYPE_ED25519;
  if (type == "rsa") return v1::KEY_TYPE_RSA;
  if (type == "ecdsa") return v1::KEY_TYPE_ECDSA;
  return v1::KEY_TYPE_UNSPECIFIED;
}

void to_proto(const KeyPairRow& k, v1::KeyPair* out) {
  out->set_id(k.id);
  out->set_name(k.name);
  out->set_user_id(k.user_id);
  out->set_type(key_type_of(k.type));
  out->set_public_key(k.public_key);
  out->set_fingerprint_md5(k.fingerprint_md5);
  out->set_fingerprint_sha256(k.fingerprint_sha256);
  out->set_bits(k.bits);
  set_time(out->mutable_created_at(), k.created_at);
}

v1::ServerGroupPolicy policy_of(const std::string& policy) {
  auto p = group_policy_from_string(policy);
  if (!p) return v1::SERVER_GROUP_POLICY_UNSPECIFIED;
  return static_cast<v1::ServerGroupPolicy>(static_cast<int>(*p));
}

std::string policy_name(v1::ServerGroupPolicy policy) {
  if (policy == v1::SERVER_GROUP_POLICY_UNSPECIFIED) return "";
  return to_string(static_cast<scheduling::GroupPolicy>(static_cast<int>(policy)));
}

void to_proto(const ServerGroupRow& g, v1::ServerGroup* out) {
  out->set_id(g.id);
  out->set_name(g.name);
  out->set_project_id(g.project_id);
  out->set_user_id(g.user_id);
  out->set_policy(policy_of(g.policy));
  for (const auto& m : g.member_ids) out->add_member_ids(m);
  set_time(out->mutable_created_at(), g.created_at);
}

void to_proto(const ServerView& view, v1::Server* out) {
  const InstanceRow& i = view.instance;
  out->set_id(i.id);
  out->set_name(i.name);
  out->set_project_id(i.project_id);
  out->set_user_id(i.user_id);
  out->set_vm_state(to_proto(i.status.vm));
  out->set_task_state(to_proto(i.status.task));
  out->set_power_state(to_proto(i.power_state));
  if (view.show_host) out->set_host(i.host);
  if (view.host) out->set_host_status(view.host_up ? v1::HOST_STATUS_UP : v1::HOST_STATUS_DOWN);
  for (const auto& a : view.attachments) to_proto(a, out->add_volume_attachments());
  for (const auto& p : view.ports) {
    std::string key = p.network_name.empty() ? p.network_id : p.network_name;
    auto& entry = (*out->mutable_addresses())[key];
    entry.set_network_id(p.network_id);
    for (const auto& ip : p.fixed_ips) {
      auto* a = entry.add_addresses();
      a->set_ip_address(ip.ip_address);
      a->set_type("fixed");
      a->set_port_id(p.port_id);
      a->set_mac_address(p.mac_address);
    }
    for (const auto& f : view.floating) {
      if (f.port_id != p.port_id) continue;
      auto* a = entry.add_addresses();
      a->set_ip_address(f.floating_ip);
      a->set_type("floating");
      a->set_port_id(p.port_id);
      a->set_mac_address(p.mac_address);
    }
    out->add_port_ids(p.port_id);
  }
  out->set_key_name(i.key_name);
  for (const auto& g : i.security_groups) out->add_security_groups(g.name);
  out->set_image_id(i.image_id);
  auto* f = out->mutable_flavor();
  f->set_id(i.flavor_id);
  f->set_name(i.flavor_name);
  f->set_vcpus(i.vcpus);
  f->set_ram_mib(i.ram_mib);
  f->set_disk_gib(i.disk_gib);
  f->set_ephemeral_gib(i.ephemeral_gib);
  f->set_swap_mib(i.swap_mib);
  if (!i.fault_message.empty()) {
    out->mutable_fault()->set_message(i.fault_message);
    out->mutable_fault()->set_code(i.fault_code);
    if (i.fault_at) set_time(out->mutable_fault()->mutable_created_at(), *i.fault_at);
  }
  for (const auto& [k, v] : i.metadata) (*out->mutable_metadata())[k] = v;
  out->set_availability_zone(i.availability_zone);
  out->set_hostname(i.hostname);
  out->set_server_group_id(i.server_group_id);
  set_time(out->mutable_created_at(), i.created_at);
  set_time(out->mutable_updated_at(), i.updated_at);
  if (i.launched_at) set_time(out->mutable_launched_at(), *i.launched_at);
  out->set_request_id(i.request_id);
}

void to_proto(const QuotaLimits& q, v1::QuotaLimits* out) {
  out->set_instances(q.instances);
  out->set_cores(q.cores);
  out->set_ram_mib(q.ram_mib);
  out->set_key_pairs(q.key_pairs);
  out->set_server_groups(q.server_groups);
}

void to_proto(const QuotaView& q, v1::Quota* out) {
  out->set_project_id(q.project_id);
  to_proto(q.limits, out->mutable_limits());
  to_proto(q.in_use, out->mutable_in_use());
}

std::string key_type_text(v1::KeyType type) {
  switch (type) {
    case v1::KEY_TYPE_UNSPECIFIED: return "";
    case v1::KEY_TYPE_ED25519: return "ed25519";
    case v1::KEY_TYPE_RSA: return "rsa";
    default: throw invalid_argument("key pairs are generated as ed25519 or rsa (ecdsa keys can be imported)");
  }
}

}  // namespace

void to_proto(const HostView& view, const scheduling::Ratios& ratios, v1::Host* out) {
  const HostRow& h = view.host;
  out->set_name(h.name);
  out->set_availability_zone(h.availability_zone);
  out->set_hypervisor_type(h.hypervisor_type);
  out->set_architecture(h.architecture);
  out->set_enabled(h.enabled);
  out->set_disabled_reason(h.disabled_reason);
  out->set_status(view.up ? v1::HOST_STATUS_UP : v1::HOST_STATUS_DOWN);
  out->set_vcpus(h.vcpus);
  out->set_ram_mib(static_cast<int32_t>(h.ram_mib));
  out->set_disk_gib(static_cast<int32_t>(h.disk_gib));
  out->set_vcpus_used(h.vcpus_used);
  out->set_ram_mib_used(static_cast<int32_t>(h.ram_mib_used));
  out->set_disk_gib_used(static_cast<int32_t>(h.disk_gib_used));
  out->set_instances(h.instances);
  out->set_cpu_allocation_ratio(ratios.cpu);
  out->set_ram_allocation_ratio(ratios.ram);
  out->set_disk_allocation_ratio(ratios.disk);
  set_time(out->mutable_last_heartbeat_at(), h.last_heartbeat_at);
  set_time(out->mutable_created_at(), h.created_at);
}

Requester ComputeApi::requester(const grpc::ServerContext& context) const {
  return Requester{auth_.authenticate(context), rpc::bearer_token(context)};
}

// ---------------------------------------------------------------- flavors

grpc::Status ComputeApi::CreateFlavor(grpc::ServerContext* ctx, const v1::CreateFlavorRequest* req, v1::Flavor* resp) {
  return rpc::serve(logger_, "CreateFlavor", [&] {
    FlavorSpec spec;
    spec.id = req->id();
    spec.name = req->name();
    spec.description = req->description();
    spec.vcpus = req->vcpus();
    spec.ram_mib = req->ram_mib();
    spec.disk_gib = req->disk_gib();
    spec.ephemeral_gib = req->ephemeral_gib();
    spec.swap_mib = req->swap_mib();
    spec.is_private = req->is_private();
    spec.access_projects = {req->access_projects().begin(), req->access_projects().end()};
    to_proto(compute_.create_flavor(auth_.authenticate(*ctx), spec), resp);
  });
}

grpc::Status ComputeApi::GetFlavor(grpc::ServerContext* ctx, const v1::GetFlavorRequest* req, v1::Flavor* resp) {
  return rpc::serve(logger_, "GetFlavor",
                    [&] { to_proto(compute_.get_flavor(auth_.authenticate(*ctx), req->flavor()), resp); });
}

grpc::Status ComputeApi::ListFlavors(grpc::ServerContext* ctx, const v1::ListFlavorsRequest* req,
                                     v1::ListFlavorsResponse* resp) {
  return rpc::serve(logger_, "ListFlavors", [&] {
    auto rows = compute_.list_flavors(auth_.authenticate(*ctx), req->include_private());
    resp->set_next_page_token(
        page(rows, req->page_size(), req->page_token(), [&](const FlavorRow& f) { to_proto(f, resp->add_flavors()); }));
  });
}

grpc::Status ComputeApi::DeleteFlavor(grpc::ServerContext* ctx, const v1::DeleteFlavorRequest* req, Empty*) {
  return rpc::serve(logger_, "DeleteFlavor", [&] { compute_.delete_flavor(auth_.authenticate(*ctx), req->flavor()); });
}

grpc::Status ComputeApi::AddFlavorAccess(grpc::ServerContext* ctx, const v1::FlavorAccessRequest* req,
                                         v1::Flavor* resp) {
  return rpc::serve(logger_, "AddFlavorAccess", [&] {
    to_proto(compute_.set_flavor_access(auth_.authenticate(*ctx), req->flavor(), req->project_id(), true), resp);
  });
}

grpc::Status ComputeApi::RemoveFlavorAccess(grpc::ServerContext* ctx, const v1::FlavorAccessRequest* req,
                                            v1::Flavor* resp) {
  return rpc::serve(logger_, "RemoveFlavorAccess", [&] {
    to_proto(compute_.set_flavor_access(auth_.authenticate(*ctx), req->flavor(), req->project_id(), false), resp);
  });
}

// ---------------------------------------------------------------- key pairs

grpc::Status ComputeApi::CreateKeyPair(grpc::ServerContext* ctx, const v1::CreateKeyPairRequest* req,
                                       v1::KeyPair* resp) {
  return rpc::serve(logger_, "CreateKeyPair", [&] {
    auto created = compute_.create_key_pair(auth_.authenticate(*ctx), req->name(), key_type_text(req->type()),
                                            req->request_id());
    to_proto(created.key, resp);
    resp->set_private_key(created.private_key);
  });
}

grpc::Status ComputeApi::ImportKeyPair(grpc::ServerContext* ctx, const v1::ImportKeyPairRequest* req,
                                       v1::KeyPair* resp) {
  return rpc::serve(logger_, "ImportKeyPair", [&] {
    to_proto(compute_.import_key_pair(auth_.authenticate(*ctx), req->name(), req->public_key(), req->request_id()),
             resp);
  });
}

grpc::Status ComputeApi::GetKeyPair(grpc::ServerContext* ctx, const v1::GetKeyPairRequest* req, v1::KeyPair* resp) {
  return rpc::serve(logger_, "GetKeyPair",
                    [&] { to_proto(compute_.get_key_pair(auth_.authenticate(*ctx), req->key_name()), resp); });
}

grpc::Status ComputeApi::ListKeyPairs(grpc::ServerContext* ctx, const v1::ListKeyPairsRequest* req,
                                      v1::ListKeyPairsResponse* resp) {
  return rpc::serve(logger_, "ListKeyPairs", [&] {
    auto rows = compute_.list_key_pairs(auth_.authenticate(*ctx));
    resp->set_next_page_token(page(rows, req->page_size(), req->page_token(),
                                   [&](const KeyPairRow& k) { to_proto(k, resp->add_key_pairs()); }));
  });
}

grpc::Status ComputeApi::DeleteKeyPair(grpc::ServerContext* ctx, const v1::DeleteKeyPairRequest* req, Empty*) {
  return rpc::serve(logger_, "DeleteKeyPair",
                    [&] { compute_.delete_key_pair(auth_.authenticate(*ctx), req->key_name()); });
}

// ---------------------------------------------------------------- servers

grpc::Status ComputeApi::CreateServer(grpc::ServerContext* ctx, const v1::CreateServerRequest* req,
                                      v1::CreateServerResponse* resp) {
  return rpc::serve(logger_, "CreateServer", [&] {
    ServerSpec spec;
    spec.name = req->name();
    spec.image = req->image();
    spec.flavor = req->flavor();
    spec.key_name = req->key_name();
    spec.security_groups = {req->security_groups().begin(), req->security_groups().end()};
    for (const auto& n : req->networks()) spec.networks.push_back({n.network(), n.port(), n.fixed_ip()});
    spec.user_data = req->user_data();
    spec.has_user_data = !req->user_data().empty();
    spec.metadata = {req->metadata().begin(), req->metadata().end()};
    spec.availability_zone = req->availability_zone();
    spec.scheduler_hints = {req->scheduler_hints().begin(), req->scheduler_hints().end()};
    spec.server_group = req->server_group();
    spec.count = req->has_count() ? req->count() : 1;
    spec.request_id = req->request_id();
    auto views = compute_.create_servers(requester(*ctx), spec);
    for (const auto& v : views) to_proto(v, resp->add_servers());
    if (!views.empty()) resp->set_reservation_id(views.front().instance.reservation_id);
  });
}

grpc::Status ComputeApi::GetServer(grpc::ServerContext* ctx, const v1::GetServerRequest* req, v1::Server* resp) {
  return rpc::serve(logger_, "GetServer",
                    [&] { to_proto(compute_.get_server(auth_.authenticate(*ctx), req->server()), resp); });
}

grpc::Status ComputeApi::ListServers(grpc::ServerContext* ctx, const v1::ListServersRequest* req,
                                     v1::ListServersResponse* resp) {
  return rpc::serve(logger_, "ListServers", [&] {
    ServerQuery q;
    q.name = req->name();
    q.image = req->image();
    q.project_id = req->project_id();
    q.host = req->host();
    if (req->vm_state() != v1::VM_STATE_UNSPECIFIED) {
      q.vm_state = from_proto(req->vm_state());
      if (!q.vm_state) throw invalid_argument("unknown vm_state");
    }
    q.all_projects = req->all_projects();
    q.include_deleted = req->include_deleted();
    q.page_size = static_cast<int>(req->page_size());
    q.page_token = req->page_token();
    auto page = compute_.list_servers(auth_.authenticate(*ctx), q);
    for (const auto& v : page.servers) to_proto(v, resp->add_servers());
    resp->set_next_page_token(page.next_page_token);
  });
}

grpc::Status ComputeApi::DeleteServer(grpc::ServerContext* ctx, const v1::ServerActionRequest* req, v1::Server* resp) {
  return rpc::serve(logger_, "DeleteServer", [&] {
    to_proto(compute_.delete_server(auth_.authenticate(*ctx), req->server(), req->request_id()), resp);
  });
}

grpc::Status ComputeApi::StartServer(grpc::ServerContext* ctx, const v1::ServerActionRequest* req, v1::Server* resp) {
  return rpc::serve(logger_, "StartServer", [&] {
    to_proto(compute_.start_server(auth_.authenticate(*ctx), req->server(), req->request_id()), resp);
  });
}

grpc::Status ComputeApi::StopServer(grpc::ServerContext* ctx, const v1::ServerActionRequest* req, v1::Server* resp) {
  return rpc::serve(logger_, "StopServer", [&] {
    to_proto(compute_.stop_server(auth_.authenticate(*ctx), req->server(), req->request_id()), resp);
  });
}

grpc::Status ComputeApi::RebootServer(grpc::ServerContext* ctx, const v1::RebootServerRequest* req, v1::Server* resp) {
  return rpc::serve(logger_, "RebootServer", [&] {
    to_proto(compute_.reboot_server(auth_.authenticate(*ctx), req->server(), req->hard(), req->request_id()), resp);
  });
}

grpc::Status ComputeApi::GetConsoleLog(grpc::ServerContext* ctx, const v1::GetConsoleLogRequest* req,
                                       v1::ConsoleLog* resp) {
  return rpc::serve(logger_, "GetConsoleLog", [&] {
    auto [text, at] = compute_.console_log(auth_.authenticate(*ctx), req->server(), req->lines());
    resp->set_output(text);
    if (at) set_time(resp->mutable_updated_at(), at);
  });
}

grpc::Status ComputeApi::OpenConsole(grpc::ServerContext* ctx,
                                     grpc::ServerReaderWriter<v1::ConsoleData, v1::ConsoleInput>* stream) {
  return rpc::serve(logger_, "OpenConsole", [&] {
    auto caller = auth_.authenticate(*ctx);
    v1::ConsoleInput first;
    if (!stream->Read(&first) || first.server().empty())
      throw invalid_argument("the first console message names the server (id or name)");
    auto target = compute_.console_target(caller, first.server());
    auto session = consoles_.open(target.instance_id, target.host);
    if (!first.data().empty()) session->to_agent.push(first.data());
    compute_.cast_console(target, session->id);
    if (!session->wait_attached(compute_.settings().console_open_timeout)) {
      consoles_.end(session);
      throw unavailable("the compute agent of host " + target.host + " did not open the console of " +
                        target.name + " in time; try again");
    }
    logger_.info("console opened", {{"instance_id", target.instance_id}, {"session_id", session->id},
                                    {"user_id", caller.user_id()}});
    pump_console<v1::ConsoleInput, v1::ConsoleData>(*ctx, *stream, *session, session->to_agent, session->to_user);
    consoles_.end(session);
    logger_.info("console closed", {{"instance_id", target.instance_id}, {"session_id", session->id}});
  });
}

grpc::Status ComputeApi::CreateServerSnapshot(grpc::ServerContext* ctx, const v1::CreateServerSnapshotRequest* req,
                                              v1::ServerSnapshot* resp) {
  return rpc::serve(logger_, "CreateServerSnapshot", [&] {
    auto [image_id, view] = compute_.snapshot_server(auth_.authenticate(*ctx), req->server(), req->image_name(),
                                                     {req->metadata().begin(), req->metadata().end()},
                                                     req->request_id());
    resp->set_image_id(image_id);
    to_proto(view, resp->mutable_server());
  });
}

grpc::Status ComputeApi::AddSecurityGroup(grpc::ServerContext* ctx, const v1::ServerSecurityGroupRequest* req,
                                          v1::Server* resp) {
  return rpc::serve(logger_, "AddSecurityGroup", [&] {
    to_proto(compute_.change_security_group(requester(*ctx), req->server(), req->security_group(), true,
                                            req->request_id()),
             resp);
  });
}

grpc::Status ComputeApi::RemoveSecurityGroup(grpc::ServerContext* ctx, const v1::ServerSecurityGroupRequest* req,
                                             v1::Server* resp) {
  return rpc::serve(logger_, "RemoveSecurityGroup", [&] {
    to_proto(compute_.change_security_group(requester(*ctx), req->server(), req->security_group(), false,
                                            req->request_id()),
             resp);
  });
}

grpc::Status ComputeApi::AttachVolume(grpc::ServerContext* ctx, const v1::AttachVolumeRequest* req,
                                      v1::VolumeAttachment* resp) {
  return rpc::serve(logger_, "AttachVolume", [&] {
    AttachSpec spec;
    spec.server = req->server();
    spec.volume = req->volume();
    spec.device = req->device();
    spec.delete_on_termination = req->delete_on_termination();
    spec.request_id = req->request_id();
    to_proto(compute_.attach_volume(requester(*ctx), spec), resp);
  });
}

grpc::Status ComputeApi::DetachVolume(grpc::ServerContext* ctx, const v1::DetachVolumeRequest* req,
                                      v1::VolumeAttachment* resp) {
  return rpc::serve(logger_, "DetachVolume", [&] {
    to_proto(compute_.detach_volume(requester(*ctx), req->server(), req->volume(), req->request_id()), resp);
  });
}

grpc::Status ComputeApi::ListVolumeAttachments(grpc::ServerContext* ctx, const v1::ListVolumeAttachmentsRequest* req,
                                               v1::ListVolumeAttachmentsResponse* resp) {
  return rpc::serve(logger_, "ListVolumeAttachments", [&] {
    for (const auto& a : compute_.list_attachments(auth_.authenticate(*ctx), req->server()))
      to_proto(a, resp->add_attachments());
  });
}

grpc::Status ComputeApi::ListServerActions(grpc::ServerContext* ctx, const v1::ListServerActionsRequest* req,
                                           v1::ListServerActionsResponse* resp) {
  return rpc::serve(logger_, "ListServerActions", [&] {
    for (const auto& a : compute_.list_actions(auth_.authenticate(*ctx), req->server())) {
      auto* out = resp->add_actions();
      out->set_request_id(a.request_id);
      out->set_action(a.action);
      out->set_user_id(a.user_id);
      out->set_project_id(a.project_id);
      set_time(out->mutable_started_at(), a.started_at);
      if (a.finished_at) set_time(out->mutable_finished_at(), *a.finished_at);
      out->set_result(a.result);
      out->set_message(a.message);
    }
  });
}

// ---------------------------------------------------------------- server groups

grpc::Status ComputeApi::CreateServerGroup(grpc::ServerContext* ctx, const v1::CreateServerGroupRequest* req,
                                           v1::ServerGroup* resp) {
  return rpc::serve(logger_, "CreateServerGroup", [&] {
    if (req->policy() == v1::SERVER_GROUP_POLICY_UNSPECIFIED) throw invalid_argument("a server group needs a policy");
    to_proto(compute_.create_server_group(auth_.authenticate(*ctx), req->name(), policy_name(req->policy()),
                                          req->request_id()),
             resp);
  });
}

grpc::Status ComputeApi::GetServerGroup(grpc::ServerContext* ctx, const v1::GetServerGroupRequest* req,
                                        v1::ServerGroup* resp) {
  return rpc::serve(logger_, "GetServerGroup", [&] {
    to_proto(compute_.get_server_group(auth_.authenticate(*ctx), req->server_group()), resp);
  });
}

grpc::Status ComputeApi::ListServerGroups(grpc::ServerContext* ctx, const v1::ListServerGroupsRequest* req,
                                          v1::ListServerGroupsResponse* resp) {
  return rpc::serve(logger_, "ListServerGroups", [&] {
    auto rows = compute_.list_server_groups(auth_.authenticate(*ctx), req->all_projects());
    resp->set_next_page_token(page(rows, req->page_size(), req->page_token(),
                                   [&](const ServerGroupRow& g) { to_proto(g, resp->add_server_groups()); }));
  });
}

grpc::Status ComputeApi::DeleteServerGroup(grpc::ServerContext* ctx, const v1::DeleteServerGroupRequest* req, Empty*) {
  return rpc::serve(logger_, "DeleteServerGroup",
                    [&] { compute_.delete_server_group(auth_.authenticate(*ctx), req->server_group()); });
}

// ---------------------------------------------------------------- hosts, services, quotas

grpc::Status ComputeApi::ListHosts(grpc::ServerContext* ctx, const v1::ListHostsRequest* req,
                                   v1::ListHostsResponse* resp) {
  return rpc::serve(logger_, "ListHosts", [&] {
    auto rows = compute_.list_hosts(auth_.authenticate(*ctx));
    const auto& ratios = compute_.settings().scheduler.ratios;
    resp->set_next_page_token(page(rows, req->page_size(), req->page_token(),
                                   [&](const HostView& h) { to_proto(h, ratios, resp->add_hosts()); }));
  });
}

grpc::Status ComputeApi::GetHost(grpc::ServerContext* ctx, const v1::GetHostRequest* req, v1::Host* resp) {
  return rpc::serve(logger_, "GetHost", [&] {
    to_proto(compute_.get_host(auth_.authenticate(*ctx), req->host()), compute_.settings().scheduler.ratios, resp);
  });
}

grpc::Status ComputeApi::SetHostEnabled(grpc::ServerContext* ctx, const v1::SetHostEnabledRequest* req,
                                        v1::Host* resp) {
  return rpc::serve(logger_, "SetHostEnabled", [&] {
    to_proto(compute_.set_host_enabled(auth_.authenticate(*ctx), req->host(), req->enabled(), req->reason()),
             compute_.settings().scheduler.ratios, resp);
  });
}

grpc::Status ComputeApi::ListServices(grpc::ServerContext* ctx, const v1::ListServicesRequest*,
                                      v1::ListServicesResponse* resp) {
  return rpc::serve(logger_, "ListServices", [&] {
    for (const auto& h : compute_.list_hosts(auth_.authenticate(*ctx))) {
      auto* s = resp->add_services();
      s->set_binary("stratus-compute-agent");
      s->set_host(h.host.name);
      s->set_zone(h.host.availability_zone);
      s->set_enabled(h.host.enabled);
      s->set_state(h.up ? v1::HOST_STATUS_UP : v1::HOST_STATUS_DOWN);
      s->set_disabled_reason(h.host.disabled_reason);
      set_time(s->mutable_updated_at(), h.host.last_heartbeat_at);
    }
  });
}

grpc::Status ComputeApi::GetQuota(grpc::ServerContext* ctx, const v1::GetQuotaRequest* req, v1::Quota* resp) {
  return rpc::serve(logger_, "GetQuota",
                    [&] { to_proto(compute_.get_quota(auth_.authenticate(*ctx), req->project()), resp); });
}

grpc::Status ComputeApi::SetQuota(grpc::ServerContext* ctx, const v1::SetQuotaRequest* req, v1::Quota* resp) {
  return rpc::serve(logger_, "SetQuota", [&] {
    QuotaOverrides q;
    if (req->has_instances()) q.instances = req->instances();
    if (req->has_cores()) q.cores = req->cores();
    if (req->has_ram_mib()) q.ram_mib = req->ram_mib();
    if (req->has_key_pairs()) q.key_pairs = req->key_pairs();
    if (req->has_server_groups()) q.server_groups = req->server_groups();
    to_proto(compute_.set_quota(auth_.authenticate(*ctx), req->project(), q), resp);
  });
}

}  // namespace stratus::compute
