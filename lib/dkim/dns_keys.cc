#include "dkim/dns_keys.h"

#include <map>
#include <memory>

namespace posta::dkim {

KeyLookup key_from_answer(const dns::Answer& a) {
  switch (a.status) {
    case dns::QueryStatus::kTempFail: return {KeyLookup::Status::kTempFail, ""};
    case dns::QueryStatus::kNxDomain:
    case dns::QueryStatus::kNoData: return {KeyLookup::Status::kNotFound, ""};
    case dns::QueryStatus::kOk: break;
  }
  for (auto& r : a.records)
    if (r.data.rfind("v=DKIM1", 0) == 0) return {KeyLookup::Status::kOk, r.data};
  if (a.records.empty()) return {KeyLookup::Status::kNotFound, ""};
  return {KeyLookup::Status::kOk, a.records.front().data};
}

KeyFetcher dns_key_fetcher(const dns::Resolver& resolver, std::string_view crlf_message) {
  auto names = key_names(crlf_message);
  std::vector<dns::Question> qs;
  for (auto& n : names) qs.push_back({n, dns::kTxt});
  auto answers = resolver.query_all(qs);
  auto cache = std::make_shared<std::map<std::string, KeyLookup>>();
  for (size_t i = 0; i < names.size(); ++i) (*cache)[names[i]] = key_from_answer(answers[i]);
  return [&resolver, cache](const std::string& name) {
    auto it = cache->find(name);
    if (it != cache->end()) return it->second;
    return (*cache)[name] = key_from_answer(resolver.query(name, dns::kTxt));
  };
}

}  // namespace posta::dkim
