#include "services/ec2-api/app/actions.h"

#include "services/ec2-api/domain/ec2_error.h"

namespace stratus::ec2 {

Actions::Actions(const Backends& backends, Ec2Settings settings) : backends_(backends), settings_(std::move(settings)) {
  table_ = {
      {"DescribeRegions", &Actions::describe_regions},
      {"DescribeAvailabilityZones", &Actions::describe_availability_zones},
      {"DescribeInstanceTypes", &Actions::describe_instance_types},
      {"CreateKeyPair", &Actions::create_key_pair},
      {"ImportKeyPair", &Actions::import_key_pair},
      {"DescribeKeyPairs", &Actions::describe_key_pairs},
      {"DeleteKeyPair", &Actions::delete_key_pair},
      {"DescribeImages", &Actions::describe_images},
      {"CreateSecurityGroup", &Actions::create_security_group},
      {"DescribeSecurityGroups", &Actions::describe_security_groups},
      {"DeleteSecurityGroup", &Actions::delete_security_group},
      {"AuthorizeSecurityGroupIngress", &Actions::authorize_security_group_ingress},
      {"RevokeSecurityGroupIngress", &Actions::revoke_security_group_ingress},
      {"RunInstances", &Actions::run_instances},
      {"DescribeInstances", &Actions::describe_instances},
      {"DescribeInstanceStatus", &Actions::describe_instance_status},
      {"StartInstances", &Actions::start_instances},
      {"StopInstances", &Actions::stop_instances},
      {"RebootInstances", &Actions::reboot_instances},
      {"TerminateInstances", &Actions::terminate_instances},
      {"GetConsoleOutput", &Actions::get_console_output},
      {"AllocateAddress", &Actions::allocate_address},
      {"AssociateAddress", &Actions::associate_address},
      {"DisassociateAddress", &Actions::disassociate_address},
      {"ReleaseAddress", &Actions::release_address},
      {"DescribeAddresses", &Actions::describe_addresses},
      {"CreateVolume", &Actions::create_volume},
      {"DescribeVolumes", &Actions::describe_volumes},
      {"DeleteVolume", &Actions::delete_volume},
      {"AttachVolume", &Actions::attach_volume},
      {"DetachVolume", &Actions::detach_volume},
      {"CreateSnapshot", &Actions::create_snapshot},
      {"DescribeSnapshots", &Actions::describe_snapshots},
      {"DeleteSnapshot", &Actions::delete_snapshot},
  };
}

std::vector<std::string> Actions::names() const {
  std::vector<std::string> out;
  for (const auto& [name, action] : table_) out.push_back(name);
  return out;
}

void Actions::run(const std::string& action, const ActionContext& context) const {
  auto it = table_.find(action);
  if (it == table_.end()) throw Ec2Error("InvalidAction", "The action " + echo(action) + " is not valid for this web service.");
  (this->*(it->second))(context);
}

// ---------------------------------------------------------------- regions and zones

void Actions::describe_regions(const ActionContext& c) const {
  auto names = c.params.list("RegionName");
  FilterSet filters(c.params.filters(), {"region-name", "endpoint", "opt-in-status"});
  for (const auto& n : names)
    if (n != settings_.region)
      throw Ec2Error("InvalidParameterValue", "Invalid region: " + echo(n) + " (this cloud has " + settings_.region + ")");
  auto set = c.response.append_child("regionInfo");
  bool match = filters.matches([&](const std::string& name) -> std::vector<std::string> {
    if (name == "region-name") return {settings_.region};
    if (name == "endpoint") return {settings_.endpoint_url};
    return {"opt-in-not-required"};
  });
  if (!match) return;
  auto item = set.append_child("item");
  add_text(item, "regionName", settings_.region);
  add_text(item, "regionEndpoint", settings_.endpoint_url);
  add_text(item, "optInStatus", "opt-in-not-required");
}

void Actions::describe_availability_zones(const ActionContext& c) const {
  auto names = c.params.list("ZoneName");
  FilterSet filters(c.params.filters(), {"zone-name", "region-name", "state", "zone-type"});
  for (const auto& n : names)
    if (std::find(settings_.availability_zones.begin(), settings_.availability_zones.end(), n) ==
        settings_.availability_zones.end())
      throw Ec2Error("InvalidParameterValue", "Invalid availability zone: [" + echo(n) + "]");
  auto set = c.response.append_child("availabilityZoneInfo");
  for (const auto& zone : settings_.availability_zones) {
    if (!names.empty() && std::find(names.begin(), names.end(), zone) == names.end()) continue;
    bool match = filters.matches([&](const std::string& name) -> std::vector<std::string> {
      if (name == "zone-name") return {zone};
      if (name == "region-name") return {settings_.region};
      if (name == "state") return {"available"};
      return {"availability-zone"};
    });
    if (!match) continue;
    auto item = set.append_child("item");
    add_text(item, "zoneName", zone);
    add_text(item, "zoneState", "available");
    add_text(item, "regionName", settings_.region);
    add_text(item, "zoneId", zone);
    add_text(item, "zoneType", "availability-zone");
    add_text(item, "optInStatus", "opt-in-not-required");
    add_text(item, "groupName", settings_.region);
    add_text(item, "networkBorderGroup", settings_.region);
    item.append_child("messageSet");
  }
}

// ---------------------------------------------------------------- instance types (flavors)

void Actions::describe_instance_types(const ActionContext& c) const {
  namespace v1 = cloud::compute::v1;
  auto wanted = c.params.list("InstanceType");
  FilterSet filters(c.params.filters(), {"instance-type", "vcpu-info.default-vcpus", "memory-info.size-in-mib"});
  auto max_results = c.params.integer("MaxResults", 5, 100);
  std::vector<v1::Flavor> flavors;
  v1::ListFlavorsRequest request;
  request.set_page_size(1000);
  request.set_page_token(c.params.get("NextToken", ""));
  if (max_results) request.set_page_size(static_cast<uint32_t>(*max_results));
  v1::ListFlavorsResponse page;
  try {
    page = call(backends_, *backends_.compute, &v1::Compute::Stub::ListFlavors, request, c.requester.token,
                "listing flavors");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::InvalidArgument) throw Ec2Error("InvalidParameterValue", "Invalid NextToken");
    throw from_service_error(e, {"", "instance type"});
  }
  for (const auto& n : wanted) {
    bool known = std::any_of(page.flavors().begin(), page.flavors().end(), [&](const auto& f) { return f.name() == n; });
    if (!known && page.next_page_token().empty())
      throw Ec2Error("InvalidInstanceType", "The following supplied instance types do not exist: [" + echo(n) + "]");
  }
  auto set = c.response.append_child("instanceTypeSet");
  for (const auto& f : page.flavors()) {
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), f.name()) == wanted.end()) continue;
    bool match = filters.matches([&](const std::string& name) -> std::vector<std::string> {
      if (name == "instance-type") return {f.name()};
      if (name == "vcpu-info.default-vcpus") return {std::to_string(f.vcpus())};
      return {std::to_string(f.ram_mib())};
    });
    if (!match) continue;
    auto item = set.append_child("item");
    add_text(item, "instanceType", f.name());
    add_bool(item, "currentGeneration", true);
    add_bool(item, "freeTierEligible", false);
    add_text(item.append_child("supportedUsageClasses"), "item", "on-demand");
    add_text(item.append_child("supportedRootDeviceTypes"), "item", "instance-store");
    add_text(item.append_child("supportedVirtualizationTypes"), "item", "hvm");
    add_bool(item, "bareMetal", false);
    add_text(item, "hypervisor", "kvm");
    auto processor = item.append_child("processorInfo");
    add_text(processor.append_child("supportedArchitectures"), "item", "x86_64");
    auto vcpu = item.append_child("vCpuInfo");
    add_int(vcpu, "defaultVCpus", f.vcpus());
    add_int(vcpu, "defaultCores", f.vcpus());
    add_int(vcpu, "defaultThreadsPerCore", 1);
    add_int(item.append_child("memoryInfo"), "sizeInMiB", f.ram_mib());
    int64_t local_gib = static_cast<int64_t>(f.disk_gib()) + f.ephemeral_gib();
    add_bool(item, "instanceStorageSupported", local_gib > 0);
    if (local_gib > 0) {
      auto storage = item.append_child("instanceStorageInfo");
      add_int(storage, "totalSizeInGB", local_gib);
      auto disk = storage.append_child("disks").append_child("item");
      add_int(disk, "sizeInGB", local_gib);
      add_int(disk, "count", 1);
      add_text(disk, "type", "ssd");
    }
    add_text(item.append_child("ebsInfo"), "ebsOptimizedSupport", "unsupported");
    add_text(item.append_child("networkInfo"), "networkPerformance", "Up to 10 Gigabit");
    add_bool(item, "hibernationSupported", false);
    add_bool(item, "burstablePerformanceSupported", false);
  }
  if (!page.next_page_token().empty()) add_text(c.response, "nextToken", page.next_page_token());
}

}  // namespace stratus::ec2
