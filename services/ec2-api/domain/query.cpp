#include "services/ec2-api/domain/query.h"

#include <algorithm>
#include <cctype>

#include "common/error/error.h"
#include "common/validate/percent.h"
#include "services/ec2-api/domain/ec2_error.h"

namespace stratus::ec2 {
namespace {

std::string form_decode(const std::string& text) {
  auto decoded = validate::percent_decode(text, /*plus_is_space=*/true);
  if (!decoded) throw invalid_parameter_value("malformed percent-encoding in the request");
  return *decoded;
}

// "prefix.12.rest" -> {12, "rest"}; "prefix.3" -> {3, ""}; nullopt when not of the prefix.
std::optional<std::pair<long, std::string>> indexed(const std::string& key, const std::string& prefix) {
  if (key.size() <= prefix.size() + 1 || key.compare(0, prefix.size(), prefix) != 0 || key[prefix.size()] != '.')
    return std::nullopt;
  size_t start = prefix.size() + 1;
  size_t end = key.find('.', start);
  std::string number = key.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (number.empty() || number.size() > 6 ||
      !std::all_of(number.begin(), number.end(), [](unsigned char c) { return std::isdigit(c); }))
    return std::nullopt;
  return std::make_pair(std::stol(number), end == std::string::npos ? std::string() : key.substr(end + 1));
}

void check_numbering(const std::string& prefix, const std::vector<long>& numbers) {
  for (size_t i = 0; i < numbers.size(); ++i)
    if (numbers[i] != static_cast<long>(i + 1))
      throw invalid_parameter_value("the members of " + prefix + " must be numbered 1, 2, 3... without gaps");
}

}  // namespace

QueryParams QueryParams::parse(const std::string& form) {
  QueryParams params;
  size_t start = 0;
  while (start <= form.size()) {
    size_t amp = form.find('&', start);
    std::string item = form.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (!item.empty()) {
      size_t eq = item.find('=');
      std::string key = form_decode(item.substr(0, eq));
      std::string value = eq == std::string::npos ? "" : form_decode(item.substr(eq + 1));
      if (key.empty()) throw invalid_parameter_value("a parameter has no name");
      if (!params.values_.emplace(key, value).second)
        throw invalid_parameter_value("the parameter " + echo(key) + " is given more than once");
      if (params.values_.size() > kMaxParameters) throw invalid_parameter_value("the request has too many parameters");
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return params;
}

std::optional<std::string> QueryParams::find(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string QueryParams::require(const std::string& name) const {
  auto v = find(name);
  if (!v || v->empty()) throw missing_parameter(name);
  return *v;
}

std::string QueryParams::get(const std::string& name, const std::string& fallback) const {
  auto v = find(name);
  return v ? *v : fallback;
}

std::optional<int64_t> QueryParams::integer(const std::string& name, int64_t min, int64_t max) const {
  auto v = find(name);
  if (!v) return std::nullopt;
  const std::string& text = *v;
  bool digits = !text.empty() && text.size() <= 18 &&
                std::all_of(text.begin() + (text[0] == '-' ? 1 : 0), text.end(),
                            [](unsigned char c) { return std::isdigit(c); }) &&
                text != "-";
  if (!digits) throw invalid_parameter_value("Value (" + echo(text) + ") for parameter " + name + " is invalid: not an integer");
  int64_t n = std::stoll(text);
  if (n < min || n > max)
    throw invalid_parameter_value("Value (" + text + ") for parameter " + name + " is invalid: it must be between " +
                                  std::to_string(min) + " and " + std::to_string(max));
  return n;
}

std::optional<bool> QueryParams::boolean(const std::string& name) const {
  auto v = find(name);
  if (!v) return std::nullopt;
  if (*v == "true") return true;
  if (*v == "false") return false;
  throw invalid_parameter_value("Value (" + echo(*v) + ") for parameter " + name + " is invalid: true or false");
}

std::vector<std::string> QueryParams::list(const std::string& prefix) const {
  std::map<long, std::string> items;
  for (const auto& [key, value] : values_) {
    auto idx = indexed(key, prefix);
    if (idx && idx->second.empty()) items[idx->first] = value;
  }
  std::vector<long> numbers;
  std::vector<std::string> out;
  for (const auto& [n, v] : items) {
    numbers.push_back(n);
    out.push_back(v);
  }
  check_numbering(prefix, numbers);
  return out;
}

std::vector<QueryParams> QueryParams::structures(const std::string& prefix) const {
  std::map<long, QueryParams> items;
  for (const auto& [key, value] : values_) {
    auto idx = indexed(key, prefix);
    if (idx && !idx->second.empty()) items[idx->first].values_[idx->second] = value;
  }
  std::vector<long> numbers;
  std::vector<QueryParams> out;
  for (auto& [n, p] : items) {
    numbers.push_back(n);
    out.push_back(std::move(p));
  }
  check_numbering(prefix, numbers);
  return out;
}

std::vector<Filter> QueryParams::filters() const {
  std::vector<Filter> out;
  for (const auto& s : structures("Filter")) {
    Filter f{s.get("Name", ""), s.list("Value")};
    if (f.name.empty()) throw missing_parameter("Filter.N.Name");
    if (f.values.empty()) throw invalid_parameter_value("the filter " + echo(f.name) + " has no Value.N");
    out.push_back(std::move(f));
  }
  return out;
}

bool wildcard_match(const std::string& pattern, const std::string& value) {
  // Iterative glob with backtracking to the last '*': linear in practice, no recursion.
  size_t p = 0, v = 0, star = std::string::npos, resume = 0;
  while (v < value.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == value[v])) {
      ++p;
      ++v;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = v;
    } else if (star != std::string::npos) {
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

FilterSet::FilterSet(std::vector<Filter> filters, const std::vector<std::string>& known) : filters_(std::move(filters)) {
  for (const auto& f : filters_)
    if (std::find(known.begin(), known.end(), f.name) == known.end())
      throw Ec2Error("InvalidParameterValue", "The filter '" + echo(f.name) + "' is invalid");
}

}  // namespace stratus::ec2
