// The level-triggered progression of instances (README.md): each pass looks at every busy
// instance under its row lock (SKIP LOCKED: another replica working on it is left alone) and
// moves it one step on from what it finds, so a crash anywhere converges on the next pass.
//   BUILD/networking  ports: adopt those already made for the instance (device_id = its id),
//                     create the missing ones bound to its host; then spawning + cast.
//   BUILD/spawning    refresh the ports' status; spawned and all ACTIVE -> ACTIVE; the agent
//                     silent past spawn_timeout, or a port DOWN past vif_plugged_timeout after
//                     the spawn -> ERROR naming it.
//   deleting          release the ports; DELETED once the agent removed the domain, or at
//                     once when there is no host or it is down (the agent cleans up at resync);
//                     then its volumes are available again (or deleted: delete_on_termination).
//   attachments       an attach or detach unfinished past volume_attach_timeout ends.
//   ERROR + cleanup   release the ports a failed build left.
#include <set>

#include "common/error/error.h"
#include "common/validate/validate.h"
#include "services/compute/app/compute.h"

namespace stratus::compute {

namespace net = cloud::network::v1;

namespace {
const char* const kPortActive = "ACTIVE";

std::string device_owner(const InstanceRow& row) {
  return "compute:" + (row.availability_zone.empty() ? std::string("nova") : row.availability_zone);
}
}  // namespace

void Compute::reconcile() {
  auto ids = pool_.transact([&](pqxx::work& tx) {
    auto busy = store::busy_instance_ids(tx);
    for (const auto& r : tx.exec("SELECT DISTINCT p.instance_id::text FROM instance_ports p JOIN instances i "
                                 "ON i.id = p.instance_id WHERE i.cleanup AND i.task_state = 'none'"))
      busy.push_back(r[0].as<std::string>());
    return busy;
  });
  for (const auto& id : ids) {
    try {
      advance(id);
    } catch (const std::exception& e) {
      logger_.warn("instance step failed; next pass retries", {{"instance", id}, {"error", e.what()}});
    }
  }
  expire_attachments();
}

void Compute::on_port_changed(const std::string& port_id, const std::string& device_id) {
  std::optional<std::string> instance_id;
  if (validate::is_uuid(device_id)) instance_id = device_id;
  if (!instance_id) instance_id = pool_.transact([&](pqxx::work& tx) { return store::instance_of_port(tx, port_id); });
  if (instance_id) advance(*instance_id);
}

void Compute::advance(const std::string& instance_id) {
  pool_.transact([&](pqxx::work& tx) {
    auto row = store::try_lock_instance(tx, instance_id);
    if (!row) return;  // gone, or another replica (or call) holds it
    if (row->status.task == TaskState::Deleting) return advance_deleting(tx, *row);
    if (row->status.vm == VmState::Building && row->status.task == TaskState::Networking)
      return advance_networking(tx, *row);
    if (row->status.vm == VmState::Building && row->status.task == TaskState::Spawning)
      return advance_spawning(tx, *row);
    if (row->cleanup && row->status.task == TaskState::None) release_ports(tx, *row);
  });
}

void Compute::advance_networking(pqxx::work& tx, InstanceRow& row) {
  auto recorded = store::instance_ports(tx, row.id);
  std::set<std::string> known;
  for (const auto& p : recorded) known.insert(p.port_id);
  // Ports made by an earlier attempt that crashed before recording them.
  std::vector<net::Port> adoptable;
  for (const auto& p : peers_.ports_of_device(row.id))
    if (!known.count(p.id())) adoptable.push_back(p);
  std::vector<std::string> group_ids;
  for (const auto& g : row.security_groups) group_ids.push_back(g.id);

  try {
    for (size_t position = 0; position < row.nics.size(); ++position) {
      bool done = false;
      for (const auto& p : recorded) done = done || p.position == static_cast<int>(position);
      if (done) continue;
      const NicRequest& nic = row.nics[position];
      net::Port port;
      bool created = nic.port_id.empty();
      auto adopted = std::find_if(adoptable.begin(), adoptable.end(), [&](const net::Port& p) {
        return nic.port_id.empty() ? p.network_id() == nic.network_id : p.id() == nic.port_id;
      });
      if (adopted != adoptable.end()) {
        port = *adopted;
        adoptable.erase(adopted);
      }
      if (created && port.id().empty()) {
        net::CreatePortRequest request;
        request.set_network(nic.network_id);
        if (!nic.fixed_ip.empty()) request.add_fixed_ips()->set_ip_address(nic.fixed_ip);
        auto* refs = request.mutable_security_groups();
        for (const auto& g : group_ids) refs->add_security_groups(g);
        request.set_device_owner(device_owner(row));
        request.set_device_id(row.id);
        request.set_host(row.host);
        request.set_project(row.project_id);
        port = peers_.create_port(request);
      } else if (!created && (port.id().empty() || port.host() != row.host)) {
        // The user's own port: bind it to the instance and its host (its groups stay).
        net::UpdatePortRequest request;
        request.set_port(nic.port_id);
        request.set_device_owner(device_owner(row));
        request.set_device_id(row.id);
        request.set_host(row.host);
        port = peers_.update_port(request);
      }
      InstancePortRow p;
      p.instance_id = row.id;
      p.position = static_cast<int>(position);
      p.port_id = port.id();
      p.created_by_compute = created;
      p.network_id = port.network_id();
      p.mac_address = port.mac_address();
      p.status = port.status();
      auto network = peers_.get_network("", port.network_id());
      p.network_name = network.name();
      p.mtu = network.mtu();
      for (const auto& ip : port.fixed_ips()) {
        auto subnet = peers_.get_subnet("", ip.subnet_id());
        FixedIpInfo info;
        info.ip_address = ip.ip_address();
        info.subnet_id = ip.subnet_id();
        info.cidr = subnet.cidr();
        info.gateway_ip = subnet.gateway_ip();
        info.dns_nameservers = {subnet.dns_nameservers().begin(), subnet.dns_nameservers().end()};
        p.fixed_ips.push_back(info);
      }
      store::insert_instance_port(tx, p);
      recorded.push_back(p);
    }
  } catch (const Error& e) {
    // The network refused (quota, no free address, a port taken meanwhile): the build fails
    // and gives back what it got; an outage (UNAVAILABLE) is retried by the next pass.
    if (e.code() == ErrorCode::Unavailable) throw;
    logger_.warn("networking failed", {{"instance", row.id}, {"error", e.what()}});
    fail_instance(tx, row, std::string("networking failed: ") + e.what(), 500);
    return;
  }
  Status before = row.status;
  row.status = on_building_step(row.status, TaskState::Spawning);
  row.spawn_started_at = store::now_seconds(tx);
  store_change(tx, row, before);
  cast(tx, row, row.request_id);
}

void Compute::advance_spawning(pqxx::work& tx, InstanceRow& row) {
  auto ports = store::instance_ports(tx, row.id);
  std::vector<std::string> down;
  for (auto& p : ports) {
    if (p.status != kPortActive) {
      try {
        p.status = peers_.get_port("", p.port_id).status();
        store::set_port_status(tx, p.port_id, p.status);
      } catch (const Error& e) {
        if (e.code() != ErrorCode::NotFound) throw;
        p.status = "DOWN";  // deleted behind our back: it will never come up
      }
    }
    if (p.status != kPortActive) down.push_back(p.port_id);
  }
  Status before = row.status;
  if (row.spawned && down.empty()) {
    row.status = on_spawned_and_ports_active(row.status);
    row.launched_at = store::now_seconds(tx);
    store::finish_action(tx, row.id, "create", true, "");
    store_change(tx, row, before);
    logger_.info("server active", {{"instance", row.id}, {"host", row.host}});
    return;
  }
  int64_t now = store::now_seconds(tx);
  int64_t since = row.spawn_started_at.value_or(now);
  if (row.spawned && now - since > settings_.vif_plugged_timeout.count()) {
    std::string names;
    for (const auto& id : down) names += (names.empty() ? "" : ", ") + id;
    fail_instance(tx, row,
                  std::string(down.size() == 1 ? "port " : "ports ") + names + " did not become ACTIVE within " +
                      std::to_string(settings_.vif_plugged_timeout.count()) + " s of the spawn on host " + row.host,
                  500);
    return;
  }
  if (!row.spawned && now - since > settings_.spawn_timeout.count())
    fail_instance(tx, row,
                  "host " + row.host + " did not report the spawn within " +
                      std::to_string(settings_.spawn_timeout.count()) + " s",
                  500);
}

void Compute::release_ports(pqxx::work& tx, InstanceRow& row) {
  auto recorded = store::instance_ports(tx, row.id);
  std::set<std::string> users_ports;
  for (const auto& nic : row.nics)
    if (!nic.port_id.empty()) users_ports.insert(nic.port_id);
  std::set<std::string> done;
  auto release = [&](const std::string& port_id) {
    if (!done.insert(port_id).second) return;
    if (users_ports.count(port_id)) {
      net::UpdatePortRequest request;
      request.set_port(port_id);
      request.set_device_owner("");
      request.set_device_id("");
      request.set_host("");
      try {
        peers_.update_port(request);
      } catch (const Error& e) {
        if (e.code() != ErrorCode::NotFound) throw;
      }
    } else {
      peers_.delete_port(port_id);
    }
    store::delete_instance_port(tx, row.id, port_id);
  };
  for (const auto& p : recorded) release(p.port_id);
  for (const auto& p : peers_.ports_of_device(row.id)) release(p.id());  // made but never recorded
}

void Compute::advance_deleting(pqxx::work& tx, InstanceRow& row) {
  release_ports(tx, row);
  store::delete_claim(tx, row.id);
  bool host_gone = row.host.empty();
  if (!host_gone) {
    auto host = store::find_host(tx, row.host);
    host_gone = !host || !host_up(*host, store::now_seconds(tx));
  }
  if (!row.agent_cleaned && !host_gone) return;  // the agent reports when the domain is gone
  release_volumes(tx, row);  // only now: the domain no longer holds the disks
  Status before = row.status;
  row.status = on_deleted(row.status);
  row.deleted_at = store::now_seconds(tx);
  store::finish_action(tx, row.id, "delete", true, "");
  store_change(tx, row, before);
  logger_.info("server deleted", {{"instance", row.id}, {"agent_cleaned", row.agent_cleaned ? "yes" : "no"}});
}

void Compute::fail_instance(pqxx::work& tx, InstanceRow& row, const std::string& message, int code) {
  Status before = row.status;
  row.status = on_failure(row.status);
  row.fault_message = message;
  row.fault_code = code;
  row.fault_at = store::now_seconds(tx);
  bool was_building = before.vm == VmState::Building;
  if (was_building) {
    row.cleanup = true;  // the agent removes whatever it made; reconcile releases the ports
    row.desired_power = "shutdown";
    store::delete_claim(tx, row.id);
    store::finish_action(tx, row.id, "create", false, message);
  } else {
    store::finish_action(tx, row.id, "", false, message);
  }
  store_change(tx, row, before);
  if (was_building) cast(tx, row, row.request_id);
  logger_.warn("server failed", {{"instance", row.id}, {"fault", message}});
  kick();
}

}  // namespace stratus::compute
