// Security groups and their rules, and each project's "default" group.
#include "common/auth/token.h"
#include "common/error/error.h"
#include "common/validate/validate.h"
#include "services/network/domain/events.h"
#include "services/network/domain/networking.h"

namespace stratus::network {

using auth::Access;
using auth::Caller;

SecurityGroupRow Networking::require_group(pqxx::work& tx, const Caller& caller, const std::string& raw_ref,
                                           const std::string& project_id) {
  if (raw_ref.empty()) throw invalid_argument("name the security group (its name or id)");
  std::string ref = validate::reference("security group", raw_ref);
  if (ref == kDefaultGroupName) ensure_default_group(tx, project_id);
  auto group = store::find_security_group(tx, ref, project_id);
  if (!group || !auth::allowed(caller, group->project_id, Access::Read)) throw not_found("security group", ref);
  return *group;
}

void Networking::ensure_default_group(pqxx::work& tx, const std::string& project_id) {
  SecurityGroupRow group{auth::random_uuid(), project_id, kDefaultGroupName, "Default security group", 0};
  if (!store::insert_default_group_if_absent(tx, group)) return;
  for (const auto& rule : default_group_rules(group.id))
    store::insert_rule(tx, RuleRow{auth::random_uuid(), group.id, project_id, "", rule, 0});
  events::security_group_changed(tx, settings_.events_exchange, group.id, project_id);
  logger_.info("default security group created", {{"project_id", project_id}, {"security_group_id", group.id}});
}

std::vector<SecurityGroupView> Networking::with_rules(pqxx::work& tx, const std::vector<SecurityGroupRow>& groups) {
  std::vector<std::string> ids;
  for (const auto& g : groups) ids.push_back(g.id);
  auto rules = store::rules_of_groups(tx, ids);
  std::vector<SecurityGroupView> out;
  for (const auto& g : groups) {
    SecurityGroupView view{g, {}};
    for (const auto& r : rules)
      if (r.security_group_id == g.id) view.rules.push_back(r);
    out.push_back(std::move(view));
  }
  return out;
}

SecurityGroupView Networking::create_security_group(const Caller& caller, const std::string& name,
                                                    const std::string& description) {
  std::string group_name = validate::normalized_name("security group name", name);
  validate::optional_text("description", description, 255);
  std::string project_id = caller.project_id();
  auth::authorize(caller, project_id, Access::Write);
  return pool_.transact([&](pqxx::work& tx) {
    ensure_default_group(tx, project_id);
    store::lock_project(tx, project_id);
    check_quota("security groups", limits_of(tx, project_id).security_groups,
                store::usage(tx, project_id).security_groups);
    SecurityGroupRow group{auth::random_uuid(), project_id, group_name, description, auth::unix_now()};
    store::insert_security_group(tx, group);
    events::security_group_changed(tx, settings_.events_exchange, group.id, project_id);
    return SecurityGroupView{group, {}};
  });
}

SecurityGroupView Networking::get_security_group(const Caller& caller, const std::string& ref) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  return pool_.transact(
      [&](pqxx::work& tx) { return with_rules(tx, {require_group(tx, caller, ref, caller.project_id())})[0]; });
}

std::vector<SecurityGroupView> Networking::list_security_groups(const Caller& caller, const std::string& project) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  std::string project_id = caller.acts_for_any_project() && project.empty() ? "" : acting_project(caller, project);
  return pool_.transact([&](pqxx::work& tx) {
    // Listing is a project's "first use" as much as creating a port is.
    ensure_default_group(tx, project_id.empty() ? caller.project_id() : project_id);
    return with_rules(tx, store::list_security_groups(tx, project_id));
  });
}

SecurityGroupView Networking::update_security_group(const Caller& caller, const std::string& ref,
                                                    const SecurityGroupChanges& changes) {
  std::optional<std::string> name;
  if (changes.name) name = validate::normalized_name("security group name", *changes.name);
  if (changes.description) validate::optional_text("description", *changes.description, 255);
  return pool_.transact([&](pqxx::work& tx) {
    auto group = require_group(tx, caller, ref, caller.project_id());
    auth::authorize(caller, group.project_id, Access::Write);
    if (name && *name != group.name && group.name == kDefaultGroupName)
      throw failed_precondition("the default security group cannot be renamed");
    if (name) group.name = *name;
    if (changes.description) group.description = *changes.description;
    store::update_security_group(tx, group);
    events::security_group_changed(tx, settings_.events_exchange, group.id, group.project_id);
    return with_rules(tx, {group})[0];
  });
}

void Networking::delete_security_group(const Caller& caller, const std::string& ref) {
  pool_.transact([&](pqxx::work& tx) {
    auto group = require_group(tx, caller, ref, caller.project_id());
    auth::authorize(caller, group.project_id, Access::Write);
    if (group.name == kDefaultGroupName) throw failed_precondition("the default security group cannot be deleted");
    if (int ports = store::count_ports_in_group(tx, group.id))
      throw failed_precondition("security group " + group.name + " is used by " + std::to_string(ports) + " port(s)");
    if (int rules = store::count_rules_naming_remote_group(tx, group.id))
      throw failed_precondition("security group " + group.name + " is the remote group of " + std::to_string(rules) +
                                " rule(s) of other groups");
    store::delete_security_group(tx, group.id);
    events::security_group_changed(tx, settings_.events_exchange, group.id, group.project_id);
  });
}

RuleRow Networking::create_rule(const Caller& caller, const RuleSpec& spec) {
  validate::optional_text("description", spec.description, 255);
  return pool_.transact([&](pqxx::work& tx) {
    auto group = require_group(tx, caller, spec.security_group, caller.project_id());
    auth::authorize(caller, group.project_id, Access::Write);
    RuleRequest request = spec.rule;
    if (!spec.remote_group.empty()) request.remote_group_id = require_group(tx, caller, spec.remote_group, group.project_id).id;
    if (!request.remote_group_id.empty() &&
        store::find_security_group(tx, request.remote_group_id, "")->project_id != group.project_id)
      throw invalid_argument("the remote group must belong to the same project as the group");
    Rule rule = normalize_rule(request);
    store::lock_project(tx, group.project_id);
    auto existing = store::rules_of_groups(tx, {group.id});
    std::vector<Rule> rules;
    for (const auto& r : existing) rules.push_back(r.rule);
    if (auto duplicate = find_duplicate(rule, rules))
      throw already_exists("security group rule",
                           describe(rule) + " in group " + group.name + " (as rule " + existing[*duplicate].id + ")");
    check_quota("security group rules", limits_of(tx, group.project_id).security_group_rules,
                store::usage(tx, group.project_id).security_group_rules);
    RuleRow row{auth::random_uuid(), group.id, group.project_id, spec.description, rule, auth::unix_now()};
    store::insert_rule(tx, row);
    events::security_group_changed(tx, settings_.events_exchange, group.id, group.project_id);
    return row;
  });
}

RuleRow Networking::get_rule(const Caller& caller, const std::string& rule_id) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  return pool_.transact([&](pqxx::work& tx) {
    auto rule = store::find_rule(tx, rule_id);
    if (!rule || !auth::allowed(caller, rule->project_id, Access::Read)) throw not_found("security group rule", rule_id);
    return *rule;
  });
}

std::vector<RuleRow> Networking::list_rules(const Caller& caller, const std::string& ref) {
  auth::authorize(caller, caller.project_id(), Access::Read);
  return pool_.transact(
      [&](pqxx::work& tx) { return store::rules_of_groups(tx, {require_group(tx, caller, ref, caller.project_id()).id}); });
}

void Networking::delete_rule(const Caller& caller, const std::string& rule_id) {
  pool_.transact([&](pqxx::work& tx) {
    auto rule = store::find_rule(tx, rule_id);
    if (!rule || !auth::allowed(caller, rule->project_id, Access::Read)) throw not_found("security group rule", rule_id);
    auth::authorize(caller, rule->project_id, Access::Write);
    store::delete_rule(tx, rule->id);
    events::security_group_changed(tx, settings_.events_exchange, rule->security_group_id, rule->project_id);
  });
}

}  // namespace stratus::network
