#pragma once
// The EC2 actions this front implements, each a function from the request's parameters to
// the response document, calling the services with the caller's token. An action name that
// is not here is answered InvalidAction by the handler.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "services/ec2-api/app/backends.h"
#include "services/ec2-api/domain/query.h"
#include "services/ec2-api/domain/xml.h"

namespace stratus::ec2 {

struct Ec2Settings {
  std::string region = "RegionOne";
  std::string endpoint_url = "http://127.0.0.1:8788/";  // what DescribeRegions answers
  std::vector<std::string> availability_zones = {"nova"};
  // RunInstances without InstanceType launches this flavor (EC2's own default is m1.small).
  std::string default_instance_type = "m1.small";
  // How long a terminated instance stays in DescribeInstances (EC2: about an hour), so
  // waiters and scripts see `terminated` rather than NotFound.
  int64_t terminated_visible_seconds = 3600;
};

// Who is asking: the token identity issued for the request's access key.
struct Requester {
  std::string token;
  std::string project_id;
  std::string user_id;
};

struct ActionContext {
  const QueryParams& params;
  const Requester& requester;
  // The <ActionResponse> element, requestId already in it. A handle (pugixml nodes are
  // cheap references into the document), mutable because pugixml has no const writers.
  mutable pugi::xml_node response;
};

class Actions {
 public:
  Actions(const Backends& backends, Ec2Settings settings);

  bool has(const std::string& action) const { return table_.count(action) > 0; }
  std::vector<std::string> names() const;
  // Runs `action` (has() must be true); throws Ec2Error for what EC2 refuses.
  void run(const std::string& action, const ActionContext& context) const;

 private:
  using Action = void (Actions::*)(const ActionContext&) const;

  void describe_regions(const ActionContext& c) const;
  void describe_availability_zones(const ActionContext& c) const;
  void describe_instance_types(const ActionContext& c) const;
  void create_key_pair(const ActionContext& c) const;
  void import_key_pair(const ActionContext& c) const;
  void describe_key_pairs(const ActionContext& c) const;
  void delete_key_pair(const ActionContext& c) const;
  void describe_images(const ActionContext& c) const;
  void create_security_group(const ActionContext& c) const;
  void describe_security_groups(const ActionContext& c) const;
  void delete_security_group(const ActionContext& c) const;
  void authorize_security_group_ingress(const ActionContext& c) const;
  void revoke_security_group_ingress(const ActionContext& c) const;
  void change_ingress(const ActionContext& c, bool authorize) const;
  void run_instances(const ActionContext& c) const;
  void describe_instances(const ActionContext& c) const;
  void describe_instance_status(const ActionContext& c) const;
  void start_instances(const ActionContext& c) const;
  void stop_instances(const ActionContext& c) const;
  void reboot_instances(const ActionContext& c) const;
  void terminate_instances(const ActionContext& c) const;
  void get_console_output(const ActionContext& c) const;
  void allocate_address(const ActionContext& c) const;
  void associate_address(const ActionContext& c) const;
  void disassociate_address(const ActionContext& c) const;
  void release_address(const ActionContext& c) const;
  void describe_addresses(const ActionContext& c) const;
  void create_volume(const ActionContext& c) const;
  void describe_volumes(const ActionContext& c) const;
  void delete_volume(const ActionContext& c) const;
  void attach_volume(const ActionContext& c) const;
  void detach_volume(const ActionContext& c) const;
  void create_snapshot(const ActionContext& c) const;
  void describe_snapshots(const ActionContext& c) const;
  void delete_snapshot(const ActionContext& c) const;

  const Backends& backends_;
  Ec2Settings settings_;
  std::map<std::string, Action> table_;
};

}  // namespace stratus::ec2
