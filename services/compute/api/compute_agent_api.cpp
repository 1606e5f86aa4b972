#include "services/compute/api/compute_agent_api.h"

#include "services/compute/console/console_pump.h"

#include "common/error/error.h"
#include "common/rpc/authenticator.h"
#include "common/rpc/status.h"
#include "services/compute/api/compute_api.h"
#include "services/compute/api/mapping.h"
#include "services/compute/domain/volume_devices.h"

namespace stratus::compute {

namespace img = cloud::image::v1;

namespace {

void to_proto(const ImageRefInfo& r, v1::ImageRef* out) {
  out->set_id(r.id);
  out->set_disk_format(r.disk_format);
  out->set_container_format(r.container_format);
  out->set_sha256(r.sha256);
  out->set_size(r.size);
}

int prefix_of(const std::string& cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string::npos) return 32;
  try {
    return std::stoi(cidr.substr(slash + 1));
  } catch (const std::exception&) {
    return 32;
  }
}

AgentEvent event_of(v1::InstanceEvent e) {
  switch (e) {
    case v1::INSTANCE_EVENT_SPAWNED: return AgentEvent::Spawned;
    case v1::INSTANCE_EVENT_SPAWN_FAILED: return AgentEvent::SpawnFailed;
    case v1::INSTANCE_EVENT_STOPPED: return AgentEvent::Stopped;
    case v1::INSTANCE_EVENT_STARTED: return AgentEvent::Started;
    case v1::INSTANCE_EVENT_REBOOTED: return AgentEvent::Rebooted;
    case v1::INSTANCE_EVENT_DELETED: return AgentEvent::Deleted;
    case v1::INSTANCE_EVENT_SNAPSHOT_UPLOADED: return AgentEvent::SnapshotUploaded;
    case v1::INSTANCE_EVENT_SNAPSHOT_FAILED: return AgentEvent::SnapshotFailed;
    case v1::INSTANCE_EVENT_ACTION_FAILED: return AgentEvent::ActionFailed;
    default: return AgentEvent::None;
  }
}

}  // namespace

void to_proto(const InstanceSpecView& view, v1::InstanceSpec* out) {
  const InstanceRow& i = view.instance;
  out->set_instance_id(i.id);
  out->set_project_id(i.project_id);
  out->set_name(i.name);
  out->set_hostname(i.hostname);
  out->set_host(i.host);
  out->set_deleted(i.cleanup);
  out->set_desired_power_state(i.desired_power == "running" && !i.cleanup ? v1::POWER_STATE_RUNNING
                                                                           : v1::POWER_STATE_SHUTDOWN);
  out->set_reboot_generation(static_cast<uint64_t>(i.reboot_generation));
  out->set_reboot_hard(i.reboot_hard);
  out->set_vm_state(to_proto(i.status.vm));
  out->set_task_state(to_proto(i.status.task));
  out->set_vcpus(i.vcpus);
  out->set_ram_mib(i.ram_mib);
  out->set_disk_gib(i.disk_gib);
  out->set_ephemeral_gib(i.ephemeral_gib);
  out->set_swap_mib(i.swap_mib);
  to_proto(view.image.image, out->mutable_image());
  if (view.image.kernel) to_proto(*view.image.kernel, out->mutable_kernel());
  if (view.image.ramdisk) to_proto(*view.image.ramdisk, out->mutable_ramdisk());
  for (const auto& [k, v] : view.image.properties) (*out->mutable_image_properties())[k] = v;

  auto* drive = out->mutable_config_drive();
  drive->set_uuid(i.id);
  drive->set_hostname(i.hostname);
  drive->set_name(i.name);
  drive->set_availability_zone(i.availability_zone);
  drive->set_project_id(i.project_id);
  if (!i.key_name.empty()) {
    auto* key = drive->add_public_keys();
    key->set_name(i.key_name);
    key->set_openssh_line(i.public_key);
  }
  drive->set_has_user_data(i.has_user_data);
  drive->set_user_data(i.user_data);
  for (const auto& [k, v] : i.metadata) (*drive->mutable_meta())[k] = v;
  int network_index = 0;
  for (size_t n = 0; n < view.ports.size(); ++n) {
    const auto& p = view.ports[n];
    auto* port = out->add_ports();
    port->set_port_id(p.port_id);
    port->set_mac_address(p.mac_address);
    port->set_mtu(p.mtu);
    port->set_network_id(p.network_id);
    auto* link = drive->add_links();
    link->set_id("tap" + std::to_string(n));
    link->set_mac(p.mac_address);
    link->set_mtu(p.mtu);
    for (const auto& ip : p.fixed_ips) {
      auto* f = port->add_fixed_ips();
      f->set_ip_address(ip.ip_address);
      f->set_subnet_id(ip.subnet_id);
      f->set_cidr(ip.cidr);
      f->set_gateway_ip(ip.gateway_ip);
      for (const auto& d : ip.dns_nameservers) f->add_dns_nameservers(d);
      auto* network = drive->add_networks();
      network->set_id("network" + std::to_string(network_index++));
      network->set_link_id(link->id());
      network->set_network_id(p.network_id);
      network->set_address(ip.ip_address);
      network->set_prefix_length(prefix_of(ip.cidr));
      network->set_gateway(ip.gateway_ip);
      for (const auto& d : ip.dns_nameservers) network->add_dns_servers(d);
    }
  }
  if (!i.snapshot_image_id.empty() && i.status.task == TaskState::ImageSnapshot) {
    out->mutable_snapshot()->set_image_id(i.snapshot_image_id);
    out->mutable_snapshot()->set_disk_format("qcow2");
    out->mutable_snapshot()->set_generation(static_cast<uint64_t>(i.snapshot_generation));
  }
  for (const auto& a : view.volumes) {
    auto* v = out->add_volumes();
    v->set_volume_id(a.volume_id);
    v->set_device(target_dev(a.device));
    v->set_status(attachment_status_to_proto(a.status));
    v->set_driver(a.connection_driver);
    v->set_path(a.connection_path);
    v->set_format(a.connection_format);
  }
  set_time(out->mutable_updated_at(), i.updated_at);
}

grpc::Status ComputeAgentApi::RegisterHost(grpc::ServerContext* ctx, const v1::RegisterHostRequest* req,
                                           v1::Host* resp) {
  return rpc::serve(logger_, "RegisterHost", [&] {
    HostRow h;
    h.name = req->host();
    h.vcpus = req->vcpus();
    h.ram_mib = req->ram_mib();
    h.disk_gib = req->disk_gib();
    h.hypervisor_type = req->hypervisor_type();
    h.availability_zone = req->availability_zone();
    h.architecture = req->architecture();
    h.agent_version = req->agent_version();
    to_proto(compute_.register_host(auth_.authenticate(*ctx), h), compute_.settings().scheduler.ratios, resp);
  });
}

grpc::Status ComputeAgentApi::Heartbeat(grpc::ServerContext* ctx, const v1::HeartbeatRequest* req,
                                        google::protobuf::Empty*) {
  return rpc::serve(logger_, "Heartbeat", [&] { compute_.heartbeat(auth_.authenticate(*ctx), req->host()); });
}

grpc::Status ComputeAgentApi::GetInstanceSpec(grpc::ServerContext* ctx, const v1::GetInstanceSpecRequest* req,
                                              v1::InstanceSpec* resp) {
  return rpc::serve(logger_, "GetInstanceSpec",
                    [&] { to_proto(compute_.instance_spec(auth_.authenticate(*ctx), req->instance_id()), resp); });
}

grpc::Status ComputeAgentApi::ListInstancesOnHost(grpc::ServerContext* ctx, const v1::ListInstancesOnHostRequest* req,
                                                  v1::ListInstancesOnHostResponse* resp) {
  return rpc::serve(logger_, "ListInstancesOnHost", [&] {
    for (const auto& v : compute_.instances_on_host(auth_.authenticate(*ctx), req->host()))
      to_proto(v, resp->add_instances());
  });
}

grpc::Status ComputeAgentApi::ReportInstance(grpc::ServerContext* ctx, const v1::ReportInstanceRequest* req,
                                             google::protobuf::Empty*) {
  return rpc::serve(logger_, "ReportInstance", [&] {
    AgentReport r;
    r.instance_id = req->instance_id();
    r.host = req->host();
    r.power_state = from_proto(req->power_state());
    r.event = event_of(req->event());
    r.fault_message = req->fault_message();
    r.reboot_generation = static_cast<int64_t>(req->reboot_generation());
    r.snapshot_generation = static_cast<int64_t>(req->snapshot_generation());
    if (req->has_console_log_tail()) r.console_log_tail = req->console_log_tail();
    compute_.report(auth_.authenticate(*ctx), r);
  });
}

grpc::Status ComputeAgentApi::ReportVolume(grpc::ServerContext* ctx, const v1::ReportVolumeRequest* req,
                                           google::protobuf::Empty*) {
  return rpc::serve(logger_, "ReportVolume", [&] {
    VolumeReport r;
    r.instance_id = req->instance_id();
    r.volume_id = req->volume_id();
    r.fault_message = req->fault_message();
    switch (req->event()) {
      case v1::VOLUME_EVENT_ATTACHED: r.event = VolumeEvent::Attached; break;
      case v1::VOLUME_EVENT_ATTACH_FAILED: r.event = VolumeEvent::AttachFailed; break;
      case v1::VOLUME_EVENT_DETACHED: r.event = VolumeEvent::Detached; break;
      case v1::VOLUME_EVENT_DETACH_FAILED: r.event = VolumeEvent::DetachFailed; break;
      default: throw invalid_argument("event must be one of ATTACHED, ATTACH_FAILED, DETACHED, DETACH_FAILED");
    }
    compute_.report_volume(auth_.authenticate(*ctx), r);
  });
}

grpc::Status ComputeAgentApi::DownloadImage(grpc::ServerContext* ctx, const v1::DownloadImageRequest* req,
                                            grpc::ServerWriter<v1::DownloadImageChunk>* writer) {
  return rpc::serve(logger_, "DownloadImage", [&] {
    compute_.check_image_download(auth_.authenticate(*ctx), req->instance_id(), req->image_id());
    grpc::ClientContext context;
    peers_.prepare(context, "");
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::hours(1));  // big images
    img::DownloadRequest request;
    request.set_image(req->image_id());
    request.set_offset(req->offset());
    auto reader = peers_.image_stub().Download(&context, request);
    img::DownloadChunk chunk;
    while (reader->Read(&chunk)) {
      if (ctx->IsCancelled()) {
        context.TryCancel();
        break;
      }
      v1::DownloadImageChunk out;
      out.set_offset(chunk.offset());
      out.set_data(chunk.data());
      out.set_image_size(chunk.image_size());
      out.set_sha256(chunk.sha256());
      if (!writer->Write(out)) {
        context.TryCancel();
        break;
      }
    }
    rpc::check(reader->Finish(), "image download");
  });
}

grpc::Status ComputeAgentApi::UploadSnapshot(grpc::ServerContext* ctx,
                                             grpc::ServerReader<v1::UploadSnapshotRequest>* reader,
                                             google::protobuf::Empty*) {
  return rpc::serve(logger_, "UploadSnapshot", [&] {
    auto caller = auth_.authenticate(*ctx);
    v1::UploadSnapshotRequest message;
    if (!reader->Read(&message) || !message.has_start())
      throw invalid_argument("an upload starts with `start` (instance, image, size, sha256)");
    const auto& start = message.start();
    compute_.check_snapshot_upload(caller, start.instance_id(), start.image_id());
    grpc::ClientContext context;
    peers_.prepare(context, "");
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::hours(1));
    img::Image image;
    auto writer = peers_.image_stub().Upload(&context, &image);
    img::UploadRequest first;
    first.mutable_start()->set_image(start.image_id());
    first.mutable_start()->set_size(start.size());
    first.mutable_start()->set_sha256(start.sha256());
    bool open = writer->Write(first);
    while (open && reader->Read(&message)) {
      if (message.has_start()) throw invalid_argument("`start` comes once, first");
      img::UploadRequest data;
      data.set_data(message.data());
      open = writer->Write(data);
    }
    writer->WritesDone();
    rpc::check(writer->Finish(), "snapshot upload");
  });
}

grpc::Status ComputeAgentApi::ConsoleTunnel(grpc::ServerContext* ctx,
                                            grpc::ServerReaderWriter<v1::ConsoleData, v1::ConsoleTunnelMessage>* stream) {
  return rpc::serve(logger_, "ConsoleTunnel", [&] {
    auto caller = auth_.authenticate(*ctx);
    auth::require_agent(caller, "opening a console tunnel");
    v1::ConsoleTunnelMessage first;
    if (!stream->Read(&first) || first.session_id().empty())
      throw invalid_argument("the first tunnel message names the console session");
    // An agent serves only its own host's consoles (a service or admin caller names none).
    auto session = consoles_.attach(first.session_id(), caller.agent_host());
    if (!session) throw not_found("console session", first.session_id());
    if (!first.data().empty()) session->to_user.push(first.data());
    pump_console<v1::ConsoleTunnelMessage, v1::ConsoleData>(*ctx, *stream, *session, session->to_user,
                                                           session->to_agent);
    consoles_.end(session);
  });
}

}  // namespace stratus::compute
