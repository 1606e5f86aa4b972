#include "tools/cloudctl/compute_logic.h"

#include <algorithm>
#include <cctype>

#include "tools/cloudctl/args.h"

namespace stratus::cloudctl::compute_logic {

namespace {

std::string normalised(const std::string& text) {
  std::string out;
  for (unsigned char c : text) out += c == '_' ? '-' : static_cast<char>(std::tolower(c));
  return out;
}

// "VM_STATE_ACTIVE" without its prefix.
std::string without_prefix(const std::string& name, const std::string& prefix) {
  return name.compare(0, prefix.size(), prefix) == 0 ? name.substr(prefix.size()) : name;
}

}  // namespace

cv1::KeyType key_type(const std::string& text) {
  std::string t = normalised(text);
  if (t == "ed25519") return cv1::KEY_TYPE_ED25519;
  if (t == "rsa") return cv1::KEY_TYPE_RSA;
  throw UsageError("--type takes ed25519 or rsa, got '" + text + "'");
}

cv1::ServerGroupPolicy group_policy(const std::string& text) {
  std::string t = normalised(text);
  if (t == "affinity") return cv1::SERVER_GROUP_POLICY_AFFINITY;
  if (t == "anti-affinity") return cv1::SERVER_GROUP_POLICY_ANTI_AFFINITY;
  if (t == "soft-affinity") return cv1::SERVER_GROUP_POLICY_SOFT_AFFINITY;
  if (t == "soft-anti-affinity") return cv1::SERVER_GROUP_POLICY_SOFT_ANTI_AFFINITY;
  throw UsageError("--policy takes affinity, anti-affinity, soft-affinity or soft-anti-affinity, got '" + text + "'");
}

std::string policy_name(cv1::ServerGroupPolicy policy) {
  return normalised(without_prefix(cv1::ServerGroupPolicy_Name(policy), "SERVER_GROUP_POLICY_"));
}

std::map<std::string, std::string> key_values(const std::vector<std::string>& items, const std::string& option) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--" + option + " takes KEY=VALUE, got '" + item + "'");
    if (!out.emplace(item.substr(0, eq), item.substr(eq + 1)).second)
      throw UsageError("--" + option + " names " + item.substr(0, eq) + " twice");
  }
  return out;
}

int whole_number(const std::string& option, const std::string& text, int minimum) {
  bool digits = !text.empty() && text.size() <= 9 &&
                std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
  if (!digits) throw UsageError("--" + option + " takes a whole number, got '" + text + "'");
  int value = std::stoi(text);
  if (value < minimum) throw UsageError("--" + option + " must be at least " + std::to_string(minimum));
  return value;
}

std::string base64(const std::string& bytes) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                 static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                 static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) n |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string vm_state_name(cv1::VmState state) { return without_prefix(cv1::VmState_Name(state), "VM_STATE_"); }

std::string task_state_name(cv1::TaskState task) {
  if (task == cv1::TASK_STATE_NONE) return "";
  return normalised(without_prefix(cv1::TaskState_Name(task), "TASK_STATE_"));
}

std::string state_text(const cv1::Server& server) {
  std::string text = vm_state_name(server.vm_state());
  std::string task = task_state_name(server.task_state());
  return task.empty() ? text : text + " (" + task + ")";
}

Wait wait_for_state(const cv1::Server& server, cv1::VmState want, int64_t since_seconds) {
  if (server.vm_state() == cv1::VM_STATE_ERROR || server.vm_state() == cv1::VM_STATE_DELETED ||
      server.task_state() == cv1::TASK_STATE_DELETING)
    return Wait::kFailed;
  if (server.task_state() != cv1::TASK_STATE_NONE) return Wait::kPending;
  if (server.vm_state() == want) return Wait::kDone;
  bool new_fault = server.has_fault() && !server.fault().message().empty() &&
                   server.fault().created_at().seconds() >= since_seconds && since_seconds > 0;
  return new_fault ? Wait::kFailed : Wait::kPending;
}

std::string failure_message(const cv1::Server& server) {
  std::string text = "server " + server.name() + " (" + server.id() + ") is " + state_text(server);
  if (!server.fault().message().empty()) text += ": " + server.fault().message();
  return text;
}

}  // namespace stratus::cloudctl::compute_logic
