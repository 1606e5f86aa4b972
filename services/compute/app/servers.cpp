// Servers: creation (validation, quota, scheduling and claims in one transaction), reads, and
// the users' actions. The asynchronous part of each action is in progress.cpp and agent.cpp.
#include <algorithm>
#include <set>

#include "common/auth/token.h"
#include "common/error/error.h"
#include "common/validate/validate.h"
#include "services/compute/app/compute.h"
#include "services/compute/domain/names.h"

namespace stratus::compute {

using auth::Access;
using auth::Caller;
namespace img = cloud::image::v1;
namespace net = cloud::network::v1;

namespace {

ImageRefInfo ref_of(const img::Image& image) {
  return {image.id(), image.disk_format(), image.container_format(), image.sha256(), image.size()};
}

std::string gib_text(int64_t gib) { return std::to_string(gib) + " GiB"; }

// What the create call resolved before its transaction.
struct Resolved {
  FlavorRow flavor;
  ImageInfo image;
  std::optional<KeyPairRow> key;
  std::optional<ServerGroupRow> group;
  std::vector<SecurityGroupRef> groups;
  std::vector<NicRequest> nics;
  std::string user_data;
};

void check_quota(const std::string& what, int64_t limit, int64_t used, int64_t adding) {
  if (limit < 0 || used + adding <= limit) return;
  throw resource_exhausted("quota exceeded for " + what + ": " + std::to_string(used) + " of " +
                           std::to_string(limit) + " in use, " + std::to_string(adding) + " more requested");
}

}  // namespace

InstanceRow Compute::require_server(pqxx::work& tx, const Caller& caller, const std::string& ref, bool lock) {
  if (ref.empty()) throw invalid_argument("name the server (its name or id)");
  std::string key = validate::reference("server", ref);
  std::optional<InstanceRow> row = store::find_instance_in_project(tx, caller.project_id(), key);
  if (!row && caller.acts_for_any_project() && validate::is_uuid(key)) row = store::find_instance(tx, key);
  if (!row || !auth::allowed(caller, row->project_id, Access::Read)) throw not_found("server", ref);
  if (lock) row = store::lock_instance(tx, row->id);
  return *row;
}

ServerView Compute::view_of(pqxx::work& tx, const Caller& caller, const InstanceRow& row, bool with_floating) {
  ServerView v;
  v.instance = row;
  v.ports = store::instance_ports(tx, row.id);
  v.attachments = store::attachments_of(tx, row.id);
  if (!row.host.empty()) {
    v.host = store::find_host(tx, row.host);
    if (v.host) v.host_up = host_up(*v.host, store::now_seconds(tx));
  }
  v.show_host = caller.is_admin();
  if (with_floating) {
    for (const auto& p : v.ports) {
      try {
        for (const auto& f : peers_.floating_ips_of_port(p.port_id))
          v.floating.push_back({p.port_id, f.floating_ip_address(), f.fixed_ip_address()});
      } catch (const Error& e) {
        logger_.debug("floating IPs unknown", {{"port", p.port_id}, {"error", e.what()}});
        break;
      }
    }
  }
  return v;
}

std::vector<ServerView> Compute::create_servers(const Requester& requester, const ServerSpec& spec) {
  const Caller& caller = requester.caller;
  const std::string project_id = caller.project_id();
  auth::authorize(caller, project_id, Access::Write);

  // ---- everything that needs no other service ----
  int count = spec.count;
  if (count < 1) throw invalid_argument("count must be at least 1");
  if (count > settings_.max_count)
    throw invalid_argument("count must be at most " + std::to_string(settings_.max_count));
  validate_name("server name", spec.name);
  std::vector<std::string> names = instance_names(spec.name, count);
  validate_metadata(spec.metadata);
  validate::optional_text("request_id", spec.request_id, 255);
  validate::optional_text("availability_zone", spec.availability_zone, 255);
  Resolved r;
  if (spec.has_user_data) r.user_data = decode_user_data(spec.user_data);
  for (const auto& [hint, value] : spec.scheduler_hints) {
    if (hint != "same_host" && hint != "different_host")
      throw invalid_argument("unknown scheduler hint '" + hint + "' (known: same_host, different_host)");
    validate::optional_text(hint, value, 4096);
  }
  for (const auto& nic : spec.networks) {
    if (nic.network.empty() == nic.port.empty()) throw invalid_argument("each NIC names a network or a port, not both");
    if (!nic.port.empty() && count > 1) throw invalid_argument("an existing port can go to one server only: count must be 1");
  }

  // An earlier call with the same request_id: its servers, without creating again.
  if (!spec.request_id.empty()) {
    auto earlier = pool_.transact([&](pqxx::work& tx) {
      std::vector<ServerView> views;
      for (const auto& row : store::instances_by_request(tx, project_id, spec.request_id))
        views.push_back(view_of(tx, caller, row, false));
      return views;
    });
    if (!earlier.empty()) return earlier;
  }

  pool_.transact([&](pqxx::work& tx) {
    r.flavor = require_flavor(tx, caller, spec.flavor);
    if (!spec.key_name.empty()) {
      r.key = store::find_key_pair(tx, caller.user_id(), validate::reference("key pair", spec.key_name));
      if (!r.key) throw not_found("key pair", spec.key_name);
    }
    if (!spec.server_group.empty()) {
      r.group = store::find_server_group(tx, project_id, validate::reference("server group", spec.server_group));
      if (!r.group || r.group->project_id != project_id) throw not_found("server group", spec.server_group);
    }
  });

  // ---- the image, as the user sees it ----
  if (spec.image.empty()) throw invalid_argument("name the image (its name or id)");
  img::Image image = peers_.get_image(requester.token, validate::reference("image", spec.image));
  if (image.status() != "active")
    throw failed_precondition("image " + image.name() + " is " + image.status() + ", not active");
  if (image.disk_format() == "aki" || image.disk_format() == "ari")
    throw invalid_argument("image " + image.name() + " is a " + image.disk_format() +
                           " kernel/ramdisk: boot its ami image instead");
  const FlavorRow& f = r.flavor;
  if (f.disk_gib > 0 && static_cast<int64_t>(image.min_disk()) > f.disk_gib)
    throw invalid_argument("flavor " + f.name + " has a " + gib_text(f.disk_gib) + " root disk, image " + image.name() +
                           " needs at least " + gib_text(image.min_disk()));
  if (f.disk_gib > 0 && image.size() > static_cast<uint64_t>(f.disk_gib) * 1024 * 1024 * 1024)
    throw invalid_argument("flavor " + f.name + "'s " + gib_text(f.disk_gib) + " root disk is smaller than image " +
                           image.name() + " (" + std::to_string(image.size()) + " bytes)");
  if (static_cast<int64_t>(image.min_ram()) > f.ram_mib)
    throw invalid_argument("flavor " + f.name + " has " + std::to_string(f.ram_mib) + " MiB RAM, image " +
                           image.name() + " needs at least " + std::to_string(image.min_ram()) + " MiB");
  r.image.image = ref_of(image);
  r.image.properties = {image.properties().begin(), image.properties().end()};
  if (!image.kernel_id().empty()) r.image.kernel = ref_of(peers_.get_image(requester.token, image.kernel_id()));
  if (!image.ramdisk_id().empty()) r.image.ramdisk = ref_of(peers_.get_image(requester.token, image.ramdisk_id()));

  // ---- security groups and networks, as the user sees them ----
  std::vector<std::string> group_refs = spec.security_groups;
  if (group_refs.empty()) group_refs.push_back("default");
  std::set<std::string> seen_groups;
  for (const auto& ref : group_refs) {
    auto g = peers_.get_security_group(requester.token, validate::reference("security group", ref));
    if (g.project_id() != project_id) throw not_found("security group", ref);
    if (seen_groups.insert(g.id()).second) r.groups.push_back({g.id(), g.name()});
  }
  std::set<std::string> seen_ports;
  for (const auto& nic : spec.networks) {
    if (!nic.network.empty()) {
      auto n = peers_.get_network(requester.token, validate::reference("network", nic.network));
      if (n.external() && !caller.is_admin())
        throw invalid_argument("network " + n.name() + " is external: attach a floating IP from it instead");
      if (!nic.fixed_ip.empty()) validate::optional_text("fixed_ip", nic.fixed_ip, 64);
      r.nics.push_back({n.id(), "", nic.fixed_ip});
      continue;
    }
    auto p = peers_.get_port(requester.token, validate::reference("port", nic.port));
    if (p.project_id() != project_id) throw not_found("port", nic.port);
    if (!p.device_id().empty() || !p.host().empty())
      throw failed_precondition("port " + nic.port + " is in use" +
                                (p.device_id().empty() ? std::string() : " by " + p.device_id()));
    if (!seen_ports.insert(p.id()).second) throw invalid_argument("port " + nic.port + " is named twice");
    r.nics.push_back({p.network_id(), p.id(), ""});
  }
  if (r.nics.empty()) {
    std::vector<net::NetworkInfo> usable;
    for (const auto& n : peers_.list_networks(requester.token))
      if (!n.external()) usable.push_back(n);
    if (usable.empty())
      throw invalid_argument("the project has no network to attach the server to: create one, or name one");
    if (usable.size() > 1) {
      std::string list;
      for (const auto& n : usable) list += (list.empty() ? "" : ", ") + n.name();
      throw invalid_argument("several networks could take the server (" + list + "): name one");
    }
    r.nics.push_back({usable[0].id(), "", ""});
  }

  // ---- one transaction: quota, names, scheduling and claims, the rows ----
  auto views = pool_.transact([&](pqxx::work& tx) {
    store::lock_project(tx, project_id);
    if (!spec.request_id.empty()) {
      auto earlier = store::instances_by_request(tx, project_id, spec.request_id);
      if (!earlier.empty()) {
        std::vector<ServerView> views;
        for (const auto& row : earlier) views.push_back(view_of(tx, caller, row, false));
        return views;
      }
    }
    auto quota = store::quota_of(tx, project_id, settings_.default_quota);
    auto usage = store::usage_of(tx, project_id);
    check_quota("instances", quota.instances, usage.instances, count);
    check_quota("cores", quota.cores, usage.cores, static_cast<int64_t>(count) * f.vcpus);
    check_quota("RAM (MiB)", quota.ram_mib, usage.ram_mib, static_cast<int64_t>(count) * f.ram_mib);
    for (const auto& name : names)
      if (store::name_in_use(tx, project_id, name)) throw already_exists("server", name);

    scheduling::Request request;
    request.vcpus = f.vcpus;
    request.ram_mib = f.ram_mib;
    request.disk_gib = static_cast<int64_t>(f.disk_gib) + f.ephemeral_gib + (f.swap_mib + 1023) / 1024;
    request.availability_zone = spec.availability_zone;
    auto arch = r.image.properties.find("hw_architecture");
    if (arch != r.image.properties.end()) request.architecture = arch->second;
    if (r.group) {
      request.group_policy = *group_policy_from_string(r.group->policy);
      for (const auto& h : store::hosts_of_group(tx, r.group->id)) request.group_hosts.insert(h);
    }
    int64_t now = store::now_seconds(tx);
    std::vector<scheduling::HostState> hosts;
    std::set<std::string> same_hosts;
    bool same_host_hint = false;
    for (const auto& [hint, value] : spec.scheduler_hints) {
      std::string rest = value;
      while (!rest.empty()) {
        auto comma = rest.find(',');
        std::string id = rest.substr(0, comma);
        rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
        auto other = store::find_instance_in_project(tx, project_id, id);
        if (!other) throw not_found("server (scheduler hint " + hint + ")", id);
        if (hint == "different_host" && !other->host.empty()) request.excluded_hosts.insert(other->host);
        if (hint == "same_host") {
          same_host_hint = true;
          if (!other->host.empty()) same_hosts.insert(other->host);
        }
      }
    }
    for (const auto& h : store::lock_hosts(tx)) {  // FOR UPDATE: concurrent claims queue here
      if (same_host_hint && !same_hosts.count(h.name)) continue;
      scheduling::HostState s;
      s.name = h.name;
      s.availability_zone = h.availability_zone;
      s.enabled = h.enabled;
      s.up = host_up(h, now);
      s.vcpus = h.vcpus;
      s.ram_mib = h.ram_mib;
      s.disk_gib = h.disk_gib;
      s.vcpus_used = h.vcpus_used;
      s.ram_mib_used = h.ram_mib_used;
      s.disk_gib_used = h.disk_gib_used;
      s.hypervisor_type = h.hypervisor_type;
      s.architecture = h.architecture;
      s.instances = h.instances;
      hosts.push_back(s);
    }
    std::string reason;
    auto chosen = scheduling::choose_hosts(request, count, hosts, settings_.scheduler, &reason);
    if (chosen.empty()) throw resource_exhausted(reason.empty() ? "no host can take the server" : reason);

    std::string reservation = auth::random_uuid();
    std::vector<ServerView> views;
    for (int n = 0; n < count; ++n) {
      InstanceRow row;
      row.id = auth::random_uuid();
      row.project_id = project_id;
      row.user_id = caller.user_id();
      row.name = names[n];
      row.hostname = sanitize_hostname(names[n], row.id);
      row.status = on_building_step({VmState::Building, TaskState::Scheduling}, TaskState::Networking);
      row.host = chosen[n];
      for (const auto& h : hosts)
        if (h.name == row.host) row.availability_zone = h.availability_zone;
      row.flavor_id = f.id;
      row.flavor_name = f.name;
      row.vcpus = f.vcpus;
      row.ram_mib = f.ram_mib;
      row.disk_gib = f.disk_gib;
      row.ephemeral_gib = f.ephemeral_gib;
      row.swap_mib = f.swap_mib;
      row.image_id = image.id();
      row.image_json = r.image.to_json();
      if (r.key) {
        row.key_name = r.key->name;
        row.public_key = r.key->public_key;
      }
      row.has_user_data = spec.has_user_data;
      row.user_data = r.user_data;
      row.metadata = spec.metadata;
      row.security_groups = r.groups;
      row.nics = r.nics;
      row.server_group_id = r.group ? r.group->id : "";
      row.reservation_id = reservation;
      row.request_id = spec.request_id;
      store::insert_instance(tx, row);
      store::insert_claim(tx, row.id, row.host, request.vcpus, request.ram_mib, request.disk_gib);
      record_action(tx, caller, row, "create", spec.request_id);
      auto stored = *store::find_instance(tx, row.id);
      store_change(tx, stored, {VmState::Building, TaskState::Scheduling});
      views.push_back(view_of(tx, caller, stored, false));
    }
    return views;
  });
  logger_.info("servers accepted", {{"project", project_id}, {"count", count}, {"name", spec.name}});
  kick();
  return views;
}

ServerView Compute::get_server(const Caller& caller, const std::string& ref) {
  return pool_.transact([&](pqxx::work& tx) { return view_of(tx, caller, require_server(tx, caller, ref, false), true); });
}

ServerPage Compute::list_servers(const Caller& caller, const ServerQuery& query) {
  store::InstanceQuery q;
  if (query.all_projects || !query.project_id.empty() || !query.host.empty() || query.include_deleted)
    auth::require_admin(caller, "listing other projects' servers, by host or deleted ones");
  auth::authorize(caller, caller.project_id(), Access::Read);
  q.project_id = query.all_projects ? query.project_id : caller.project_id();
  if (!query.project_id.empty()) q.project_id = query.project_id;
  q.name = query.name;
  q.image_id = query.image;
  q.host = query.host;
  q.vm_state = query.vm_state;
  q.include_deleted = query.include_deleted;
  if (!query.page_token.empty()) q.after_id = validate::normalized_uuid("page_token", query.page_token);
  int size = query.page_size <= 0 ? 100 : std::min(query.page_size, 1000);
  q.limit = size + 1;
  return pool_.transact([&](pqxx::work& tx) {
    ServerPage page;
    auto rows = store::list_instances(tx, q);
    bool more = static_cast<int>(rows.size()) > size;
    if (more) rows.resize(size);
    for (const auto& row : rows) page.servers.push_back(view_of(tx, caller, row, false));
    if (more) page.next_page_token = rows.back().id;
    return page;
  });
}

ServerView Compute::delete_server(const Caller& caller, const std::string& ref, const std::string& request_id) {
  validate::optional_text("request_id", request_id, 255);
  auto view = pool_.transact([&](pqxx::work& tx) {
    auto row = require_server(tx, caller, ref, true);
    auth::authorize(caller, row.project_id, Access::Write);
    check_action(row.status, Action::Delete, row.name);
    if (row.status.vm == VmState::Deleted || row.status.task == TaskState::Deleting)
      return view_of(tx, caller, row, false);  // already on its way
    Status before = row.status;
    row.status = begin(row.status, Action::Delete);
    row.cleanup = true;
    row.desired_power = "shutdown";
    store::delete_claim(tx, row.id);
    record_action(tx, caller, row, "delete", request_id);
    store_change(tx, row, before);
    cast(tx, row, request_id);
    return view_of(tx, caller, row, false);
  });
  kick();
  return view;
}

ServerView Compute::begin_power_action(const Caller& caller, const std::string& ref, Action action,
                                       const std::string& request_id) {
  validate::optional_text("request_id", request_id, 255);
  return pool_.transact([&](pqxx::work& tx) {
    auto row = require_server(tx, caller, ref, true);
    auth::authorize(caller, row.project_id, Access::Write);
    check_action(row.status, action, row.name);
    auto host = store::find_host(tx, row.host);
    if (!host || !host_up(*host, store::now_seconds(tx)))
      throw failed_precondition("the host of server " + row.name + " is down: try again when it is back");
    Status before = row.status;
    row.status = begin(row.status, action);
    switch (action) {
      case Action::Start: row.desired_power = "running"; break;
      case Action::Stop: row.desired_power = "shutdown"; break;
      case Action::Reboot:
      case Action::RebootHard:
        row.desired_power = "running";
        row.reboot_generation += 1;
        row.reboot_hard = action == Action::RebootHard;
        break;
      default: break;
    }
    record_action(tx, caller, row, to_string(action), request_id);
    store_change(tx, row, before);
    cast(tx, row, request_id);
    return view_of(tx, caller, row, false);
  });
}

ServerView Compute::start_server(const Caller& caller, const std::string& ref, const std::string& request_id) {
  return begin_power_action(caller, ref, Action::Start, request_id);
}
ServerView Compute::stop_server(const Caller& caller, const std::string& ref, const std::string& request_id) {
  return begin_power_action(caller, ref, Action::Stop, request_id);
}
ServerView Compute::reboot_server(const Caller& caller, const std::string& ref, bool hard,
                                  const std::string& request_id) {
  return begin_power_action(caller, ref, hard ? Action::RebootHard : Action::Reboot, request_id);
}

Compute::ConsoleTarget Compute::console_target(const Caller& caller, const std::string& ref) {
  return pool_.transact([&](pqxx::work& tx) {
    auto row = require_server(tx, caller, ref, false);
    check_action(row.status, Action::Console, row.name);
    auto host = store::find_host(tx, row.host);
    if (row.host.empty() || !host) throw failed_precondition("server " + row.name + " has no host yet");
    if (!host_up(*host, auth::unix_now()))
      throw unavailable("the compute agent of host " + row.host + " is down: the console of " + row.name +
                        " cannot be opened now");
    return ConsoleTarget{row.id, row.name, row.host};
  });
}

std::pair<std::string, int64_t> Compute::console_log(const Caller& caller, const std::string& ref, int lines) {
  if (lines < 0) throw invalid_argument("lines cannot be negative");
  auto tail = pool_.transact([&](pqxx::work& tx) {
    auto row = require_server(tx, caller, ref, false);
    check_action(row.status, Action::ConsoleLog, row.name);
    return store::console_tail(tx, row.id).value_or(std::make_pair(std::string(), int64_t{0}));
  });
  if (lines > 0) {
    std::string& text = tail.first;
    size_t end = text.size();
    if (end > 0 && text[end - 1] == '\n') --end;  // the last line's own newline
    size_t pos = end;
    int found = 0;
    while (pos > 0) {
      if (text[pos - 1] == '\n' && ++found == lines) break;
      --pos;
    }
    text = text.substr(pos);
  }
  return tail;
}

std::pair<std::string, ServerView> Compute::snapshot_server(const Caller& caller, const std::string& ref,
                                                            const std::string& image_name,
                                                            const std::map<std::string, std::string>& properties,
                                                            const std::string& request_id) {
  validate_name("image name", image_name);
  validate_metadata(properties);
  validate::optional_text("request_id", request_id, 255);
  // Check first (no image for a request that is refused anyway), then register the image.
  auto row = pool_.transact([&](pqxx::work& tx) {
    auto r = require_server(tx, caller, ref, false);
    auth::authorize(caller, r.project_id, Access::Write);
    check_action(r.status, Action::Snapshot, r.name);
    auto host = store::find_host(tx, r.host);
    if (!host || !host_up(*host, store::now_seconds(tx)))
      throw failed_precondition("the host of server " + r.name + " is down: try again when it is back");
    return r;
  });
  img::RegisterSnapshotRequest request;
  request.set_project_id(row.project_id);
  request.set_name(image_name);
  request.set_instance_id(row.id);
  request.set_disk_format("qcow2");
  request.set_min_disk(static_cast<uint32_t>(row.disk_gib));
  request.set_min_ram(static_cast<uint32_t>(row.ram_mib));
  for (const auto& [k, v] : properties) (*request.mutable_properties())[k] = v;
  img::Image image = peers_.register_snapshot(request);
  auto view = pool_.transact([&](pqxx::work& tx) {
    auto r = *store::lock_instance(tx, row.id);
    check_action(r.status, Action::Snapshot, r.name);
    Status before = r.status;
    r.status = begin(r.status, Action::Snapshot);
    r.snapshot_image_id = image.id();
    r.snapshot_generation += 1;
    record_action(tx, caller, r, "snapshot", request_id);
    store_change(tx, r, before);
    cast(tx, r, request_id);
    return view_of(tx, caller, r, false);
  });
  return {image.id(), view};
}

ServerView Compute::change_security_group(const Requester& requester, const std::string& ref,
                                          const std::string& group, bool add, const std::string& request_id) {
  const Caller& caller = requester.caller;
  validate::optional_text("request_id", request_id, 255);
  auto g = peers_.get_security_group(requester.token, validate::reference("security group", group));
  auto row = pool_.transact([&](pqxx::work& tx) {
    auto r = require_server(tx, caller, ref, false);
    auth::authorize(caller, r.project_id, Access::Write);
    check_action(r.status, add ? Action::AddSecurityGroup : Action::RemoveSecurityGroup, r.name);
    if (g.project_id() != r.project_id) throw not_found("security group", group);
    return r;
  });
  std::vector<SecurityGroupRef> groups;
  bool present = false;
  for (const auto& existing : row.security_groups) {
    if (existing.id == g.id()) {
      present = true;
      if (!add) continue;
    }
    groups.push_back(existing);
  }
  if (add && present) throw already_exists("security group on server " + row.name, g.name());
  if (!add && !present) throw not_found("security group on server " + row.name, group);
  if (add) groups.push_back({g.id(), g.name()});
  // The ports carry the groups (the network agent applies them); compute's copy follows.
  auto ports = pool_.transact([&](pqxx::work& tx) { return store::instance_ports(tx, row.id); });
  for (const auto& p : ports) {
    net::UpdatePortRequest update;
    update.set_port(p.port_id);
    auto* refs = update.mutable_security_groups();
    for (const auto& sg : groups) refs->add_security_groups(sg.id);
    peers_.update_port(update);
  }
  return pool_.transact([&](pqxx::work& tx) {
    auto r = *store::lock_instance(tx, row.id);
    r.security_groups = groups;
    ActionRow a;
    a.instance_id = r.id;
    a.request_id = request_id;
    a.action = add ? "add-security-group" : "remove-security-group";
    a.user_id = caller.user_id();
    a.project_id = r.project_id;
    a.result = "success";
    a.message = g.name();
    store::insert_action(tx, a);
    store_change(tx, r, r.status);
    return view_of(tx, caller, r, false);
  });
}

std::vector<ActionRow> Compute::list_actions(const Caller& caller, const std::string& ref) {
  return pool_.transact([&](pqxx::work& tx) { return store::list_actions(tx, require_server(tx, caller, ref, false).id); });
}

}  // namespace stratus::compute
