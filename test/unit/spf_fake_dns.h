// A table-driven spf::Lookup for the SPF unit tests: records by (name, type), names that
// time out, and a count of the questions asked.
#pragma once
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "spf/lookup.h"

namespace posta::spf::testing {

class FakeLookup : public Lookup {
 public:
  // add("example.com", dns::kTxt, "v=spf1 -all"); MX data is the exchange.
  FakeLookup& add(const std::string& name, uint16_t type, const std::string& data) {
    zone_[{lower(name), type}].push_back(data);
    names_.insert(lower(name));
    return *this;
  }
  FakeLookup& timeout(const std::string& name) {
    down_.insert(lower(name));
    return *this;
  }
  std::vector<dns::Answer> query_all(const std::vector<dns::Question>& qs) override {
    std::vector<dns::Answer> out;
    for (auto& q : qs) {
      ++queries;
      std::string n = lower(q.name);
      dns::Answer a;
      if (down_.count(n)) {
        a.status = dns::QueryStatus::kTempFail;
        a.error = "DNS: timeout for " + n;
      } else if (auto it = zone_.find({n, q.type}); it != zone_.end()) {
        a.status = dns::QueryStatus::kOk;
        for (auto& d : it->second) a.records.push_back(dns::Record{n, q.type, 300, d, 10});
      } else {
        a.status = names_.count(n) ? dns::QueryStatus::kNoData : dns::QueryStatus::kNxDomain;
      }
      out.push_back(std::move(a));
    }
    return out;
  }
  int queries = 0;

 private:
  std::map<std::pair<std::string, uint16_t>, std::vector<std::string>> zone_;
  std::set<std::string> names_, down_;
};

}  // namespace posta::spf::testing
