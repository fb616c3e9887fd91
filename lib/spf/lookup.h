// The DNS an SPF check sees: an interface so that tests can answer from a table, and the
// production implementation on lib/dns with a cache that lives as long as one SMTP session
// (the same domain is usually checked once per message, and each check repeats lookups).
#pragma once
#include <map>
#include <utility>
#include <vector>

#include "dns/resolver.h"

namespace posta::spf {

class Lookup {
 public:
  virtual ~Lookup() = default;
  // All questions at once (they run concurrently where the implementation can); answers in
  // the same order.
  virtual std::vector<dns::Answer> query_all(const std::vector<dns::Question>& qs) = 0;
  dns::Answer query(const std::string& name, uint16_t type) { return query_all({{name, type}}).front(); }
};

// Through a dns::Resolver; answers other than temporary failures are cached.
class ResolverLookup : public Lookup {
 public:
  explicit ResolverLookup(dns::Resolver resolver) : resolver_(std::move(resolver)) {}
  std::vector<dns::Answer> query_all(const std::vector<dns::Question>& qs) override;
  size_t cached() const { return cache_.size(); }
  static constexpr size_t kMaxCached = 2000;

 private:
  dns::Resolver resolver_;
  std::map<std::pair<std::string, uint16_t>, dns::Answer> cache_;
};

}  // namespace posta::spf
