#include "policy/rate.h"

#include <cstdio>

namespace posta::policy {
namespace {

struct Counter {
  int64_t start = 0;
  uint32_t count = 0;
};

std::optional<Counter> parse_counter(std::string_view v) {
  long long s;
  unsigned c;
  if (std::sscanf(std::string(v).c_str(), "%lld %u", &s, &c) != 2) return std::nullopt;
  return Counter{s, c};
}

}  // namespace

Result<bool> rate_count(Store& s, const std::string& key, uint32_t limit, uint32_t window, int64_t now) {
  if (window == 0) return fail("rate: zero window");
  std::string k = "r:" + key;
  int64_t start = now - now % window;
  POSTA_TRY(auto rec, s.get(k));
  Counter c = rec ? parse_counter(*rec).value_or(Counter{}) : Counter{};
  if (c.start != start) c = Counter{start, 0};
  if (c.count >= limit) return false;
  ++c.count;
  if (auto st = s.put(k, std::to_string(c.start) + " " + std::to_string(c.count)); !st)
    return std::unexpected(st.error());
  return true;
}

Result<size_t> rate_expire(Store& s, int64_t max_window, int64_t now) {
  return delete_expired(s, "r:", [&](std::string_view v) {
    auto c = parse_counter(v);
    return !c || c->start + max_window < now;
  });
}

}  // namespace posta::policy
