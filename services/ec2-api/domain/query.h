#pragma once
// The EC2 Query protocol's parameters: "Action=DescribeKeyPairs&KeyName.1=a&KeyName.2=b",
// form-encoded in a POST body or in a GET query string, with EC2's conventions for lists
// (Name.N), structures (Name.N.Member) and filters (Filter.N.Name / Filter.N.Value.M).
// Every getter validates and throws Ec2Error (MissingParameter, InvalidParameterValue).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace stratus::ec2 {

struct Filter {
  std::string name;
  std::vector<std::string> values;
};

class QueryParams {
 public:
  // Parses application/x-www-form-urlencoded text ('+' is a space, %XX a byte). Throws
  // Ec2Error(InvalidParameterValue) for a bad escape, a parameter given twice, or more than
  // kMaxParameters parameters.
  static QueryParams parse(const std::string& form);
  static constexpr size_t kMaxParameters = 1000;

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> find(const std::string& name) const;
  std::string require(const std::string& name) const;
  std::string get(const std::string& name, const std::string& fallback) const;
  std::optional<int64_t> integer(const std::string& name, int64_t min, int64_t max) const;
  std::optional<bool> boolean(const std::string& name) const;

  // prefix.1, prefix.2, ... in order; the numbers must be 1..N without gaps.
  std::vector<std::string> list(const std::string& prefix) const;
  // The members prefix.N.* as QueryParams of their own (keys without "prefix.N."), in order of N.
  std::vector<QueryParams> structures(const std::string& prefix) const;
  // Filter.N.Name with Filter.N.Value.M; a filter without a name or without values is refused.
  std::vector<Filter> filters() const;

  const std::map<std::string, std::string>& values() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

// True when `value` matches `pattern` with EC2's filter wildcards: '*' any run, '?' one character.
bool wildcard_match(const std::string& pattern, const std::string& value);
// A filter set's verdict: every filter must match, a filter matching when any of its values
// matches one of the resource's values for that name. Names not in `known` are refused.
class FilterSet {
 public:
  FilterSet(std::vector<Filter> filters, const std::vector<std::string>& known);
  // `values_of(name)`: the resource's values for a filter name.
  template <typename ValuesOf>
  bool matches(ValuesOf values_of) const {
    for (const auto& f : filters_) {
      bool any = false;
      for (const auto& actual : values_of(f.name))
        for (const auto& wanted : f.values)
          if (wildcard_match(wanted, actual)) any = true;
      if (!any) return false;
    }
    return true;
  }

 private:
  std::vector<Filter> filters_;
};

}  // namespace stratus::ec2
