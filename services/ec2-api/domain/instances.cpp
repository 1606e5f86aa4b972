#include "services/ec2-api/domain/instances.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <sodium.h>

#include "services/ec2-api/domain/ec2_error.h"

namespace stratus::ec2 {
namespace {

bool is_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// 128 bits of BLAKE2b of `text`, written as a UUID. `text` carries its purpose as a prefix,
// so the digests of different kinds of things never meet.
std::string digest_uuid(const std::string& text) {
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(text.data()), text.size(), nullptr, 0);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < sizeof digest; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(digits[digest[i] >> 4]);
    out.push_back(digits[digest[i] & 15]);
  }
  return out;
}

constexpr const char* kTokenPrefix = "v1:";

}  // namespace

InstanceState instance_state(const std::string& vm, const std::string& task, const std::string& power) {
  if (vm == "DELETED") return kTerminated;
  if (task == "DELETING") return kShuttingDown;
  if (vm == "BUILD") return kPending;
  if (task == "POWERING_ON") return kPending;
  if (task == "POWERING_OFF") return kStopping;
  if (vm == "ACTIVE" || vm == "REBOOT") return kRunning;
  if (vm == "ERROR") return power == "RUNNING" ? kRunning : kStopped;
  return kStopped;  // SHUTOFF
}

std::optional<InstanceState> instance_state_named(const std::string& name) {
  for (const auto* s : {&kPending, &kRunning, &kShuttingDown, &kTerminated, &kStopping, &kStopped})
    if (s->name == name) return *s;
  return std::nullopt;
}

std::vector<int64_t> launch_counts(int64_t min_count, int64_t max_count) {
  constexpr int64_t kEveryCountUpTo = 8;  // a failed try costs compute a few reads, no writes
  std::vector<int64_t> out;
  if (max_count - min_count <= kEveryCountUpTo) {
    for (int64_t n = max_count; n >= min_count; --n) out.push_back(n);
    return out;
  }
  for (int64_t n = max_count; n > min_count; n = min_count + (n - min_count) / 2) out.push_back(n);
  out.push_back(min_count);
  return out;
}

const std::vector<std::string>& instance_filter_names() {
  static const std::vector<std::string> names = {
      "instance-id",        "instance-state-name", "instance-state-code", "instance-type",     "image-id",
      "key-name",           "availability-zone",   "reservation-id",      "owner-id",          "private-ip-address",
      "ip-address",         "instance.group-id",   "group-id",            "instance.group-name", "group-name"};
  return names;
}

std::vector<std::string> instance_filter_values(const InstanceFacts& f, const std::string& filter) {
  auto one = [](const std::string& v) { return v.empty() ? std::vector<std::string>{} : std::vector<std::string>{v}; };
  if (filter == "instance-id") return one(f.instance_id);
  if (filter == "instance-state-name") return {f.state.name};
  if (filter == "instance-state-code") return {std::to_string(f.state.code)};
  if (filter == "instance-type") return one(f.instance_type);
  if (filter == "image-id") return one(f.image_id);
  if (filter == "key-name") return one(f.key_name);
  if (filter == "availability-zone") return one(f.availability_zone);
  if (filter == "reservation-id") return one(f.reservation_id);
  if (filter == "owner-id") return one(f.owner_id);
  if (filter == "private-ip-address") return one(f.private_ip);
  if (filter == "ip-address") return one(f.public_ip);
  if (filter == "instance.group-id" || filter == "group-id") return f.group_ids;
  if (filter == "instance.group-name" || filter == "group-name") return f.group_names;
  return {};
}

std::string reservation_uuid(const std::string& request_id, const std::string& instance_id) {
  if (request_id.empty()) return lower(instance_id);
  if (is_uuid(request_id)) return lower(request_id);
  return digest_uuid("reservation:" + request_id);
}

std::string client_token_request_id(const std::string& client_token) {
  return digest_uuid("ec2-client-token:" + client_token);
}

std::string association_uuid(const std::string& floating_ip_id, const std::string& port_id) {
  return digest_uuid("eipassoc:" + lower(floating_ip_id) + ":" + lower(port_id));
}

std::vector<int> launch_indexes(const std::vector<std::string>& names) {
  std::vector<int> out(names.size(), 0);
  if (names.size() < 2) return out;
  // NAME-1 .. NAME-N: the number after the last '-' is the launch order (from 1).
  std::vector<std::pair<long, size_t>> order;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& n = names[i];
    auto dash = n.rfind('-');
    std::string digits = dash == std::string::npos ? "" : n.substr(dash + 1);
    bool numbered = !digits.empty() && digits.size() <= 6 &&
                    std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); });
    order.emplace_back(numbered ? std::stol(digits) : 1000000 + static_cast<long>(i), i);
  }
  std::sort(order.begin(), order.end());
  for (size_t rank = 0; rank < order.size(); ++rank) out[order[rank].second] = static_cast<int>(rank);
  return out;
}

std::string listing_key(const std::string& reservation_uuid, int launch_index, const std::string& instance_id) {
  char index[16];
  std::snprintf(index, sizeof index, "%06d", std::max(0, std::min(launch_index, 999999)));
  return lower(reservation_uuid) + ":" + index + ":" + lower(instance_id);
}

PageWindow page_window(const std::vector<std::string>& sorted_keys, std::optional<int64_t> max_results,
                       const std::string& token) {
  PageWindow w;
  w.end = sorted_keys.size();
  if (!token.empty()) {
    std::string prefix = kTokenPrefix;
    std::string after = token.compare(0, prefix.size(), prefix) == 0 ? token.substr(prefix.size()) : "";
    bool shaped = !after.empty() && after.size() <= 100 && std::all_of(after.begin(), after.end(), [](unsigned char c) {
      return std::isdigit(c) || (c >= 'a' && c <= 'f') || c == '-' || c == ':';
    });
    if (!shaped) throw invalid_parameter_value("Invalid NextToken: " + echo(token));
    // The first key after the token's: an item deleted since the last page changes nothing.
    w.begin = static_cast<size_t>(std::upper_bound(sorted_keys.begin(), sorted_keys.end(), after) - sorted_keys.begin());
  }
  if (max_results && static_cast<int64_t>(w.end - w.begin) > *max_results) {
    w.end = w.begin + static_cast<size_t>(*max_results);
    w.next_token = kTokenPrefix + sorted_keys[w.end - 1];
  }
  return w;
}

}  // namespace stratus::ec2
