#include "spf/lookup.h"

#include "base/strings.h"

namespace posta::spf {

std::vector<dns::Answer> ResolverLookup::query_all(const std::vector<dns::Question>& qs) {
  std::vector<dns::Answer> out(qs.size());
  std::vector<dns::Question> ask;
  std::vector<size_t> where;
  for (size_t i = 0; i < qs.size(); ++i) {
    auto it = cache_.find({lower(qs[i].name), qs[i].type});
    if (it != cache_.end()) {
      out[i] = it->second;
    } else {
      ask.push_back(qs[i]);
      where.push_back(i);
    }
  }
  if (ask.empty()) return out;
  auto answers = resolver_.query_all(ask);
  if (cache_.size() > kMaxCached) cache_.clear();  // a session's checks need a few hundred at most
  for (size_t k = 0; k < answers.size(); ++k) {
    if (answers[k].status != dns::QueryStatus::kTempFail)
      cache_[{lower(ask[k].name), ask[k].type}] = answers[k];
    out[where[k]] = std::move(answers[k]);
  }
  return out;
}

}  // namespace posta::spf
