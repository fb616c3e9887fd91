#include "policy/greylist.h"

#include <cstdio>

#include "base/strings.h"

namespace posta::policy {
namespace {

// A record in use has its time of last use rewritten at most this often: a pass is then
// usually a read alone, and lifetimes of days lose nothing by it.
constexpr int64_t kRefreshAfter = 3600;

struct Triplet {
  int64_t first = 0, last = 0;
  bool passed = false;
};

struct Network {
  uint32_t passes = 0;
  int64_t last = 0;  // 0: no record
};

// A record that does not parse counts as absent: it is rewritten.
std::optional<Triplet> parse_triplet(std::string_view v) {
  Triplet t;
  long long f, l;
  int p;
  if (std::sscanf(std::string(v).c_str(), "%lld %lld %d", &f, &l, &p) != 3) return std::nullopt;
  t.first = f;
  t.last = l;
  t.passed = p != 0;
  return t;
}

std::string format(const Triplet& t) {
  return std::to_string(t.first) + " " + std::to_string(t.last) + " " + (t.passed ? "1" : "0");
}

Network parse_network(std::string_view v) {
  unsigned n;
  long long l;
  if (std::sscanf(std::string(v).c_str(), "%u %lld", &n, &l) != 2) return Network{};
  return Network{n, l};
}

}  // namespace

std::string greylist_network(const net::IpAddr& ip) {
  net::IpAddr a = ip;
  int prefix = a.family == AF_INET ? 24 : 64;
  for (size_t i = static_cast<size_t>(prefix) / 8; i < a.size(); ++i) a.bytes[i] = 0;
  return a.str() + "/" + std::to_string(prefix);
}

Result<GreylistVerdict> greylist_check(Store& s, const GreylistSettings& g, const net::IpAddr& ip,
                                       const std::string& sender, const std::string& rcpt, int64_t now) {
  std::string net = greylist_network(ip);
  std::string nkey = "n:" + net;
  POSTA_TRY(auto nrec, s.get(nkey));
  Network network = nrec ? parse_network(*nrec) : Network{};
  if (now - network.last > g.passed_lifetime) network = Network{};
  std::string tkey = "g:" + net + " " + lower(sender) + " " + lower(rcpt);
  if (g.auto_allow > 0 && network.passes >= g.auto_allow) {
    if (now - network.last < kRefreshAfter) return GreylistVerdict{true, 0};
    if (auto st = s.put(nkey, std::to_string(network.passes) + " " + std::to_string(now)); !st)
      return std::unexpected(st.error());
    return GreylistVerdict{true, 0};
  }
  POSTA_TRY(auto trec, s.get(tkey));
  std::optional<Triplet> t = trec ? parse_triplet(*trec) : std::nullopt;
  if (t && t->passed && now - t->last > g.passed_lifetime) t.reset();
  if (t && !t->passed && now - t->first > g.unconfirmed_lifetime) t.reset();
  if (!t && g.delay > 0) {
    if (auto st = s.put(tkey, format(Triplet{now, now, false})); !st) return std::unexpected(st.error());
    return GreylistVerdict{false, g.delay};
  }
  if (!t) t = Triplet{now, now, false};  // no delay: passes at once, and counts as a pass
  if (!t->passed && now - t->first < g.delay) return GreylistVerdict{false, g.delay - (now - t->first)};
  if (t->passed && now - t->last < kRefreshAfter) return GreylistVerdict{true, 0};
  if (!t->passed) {
    // The first pass of this triplet counts for its network.
    if (auto st = s.put(nkey, std::to_string(network.passes + 1) + " " + std::to_string(now)); !st)
      return std::unexpected(st.error());
  }
  t->passed = true;
  t->last = now;
  if (auto st = s.put(tkey, format(*t)); !st) return std::unexpected(st.error());
  return GreylistVerdict{true, 0};
}

Result<size_t> greylist_expire(Store& s, const GreylistSettings& g, int64_t now) {
  POSTA_TRY(size_t triplets, delete_expired(s, "g:", [&](std::string_view v) {
              auto t = parse_triplet(v);
              if (!t) return true;
              return t->passed ? now - t->last > g.passed_lifetime : now - t->first > g.unconfirmed_lifetime;
            }));
  POSTA_TRY(size_t networks, delete_expired(s, "n:", [&](std::string_view v) {
              return now - parse_network(v).last > g.passed_lifetime;
            }));
  return triplets + networks;
}

}  // namespace posta::policy
