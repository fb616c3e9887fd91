#include "dns/mx.h"

#include <arpa/inet.h>
#include <sys/random.h>

#include <algorithm>

namespace posta::dns {
namespace {

unsigned random_u32() {
  unsigned v = 0;
  if (::getrandom(&v, sizeof v, 0) != sizeof v) v = static_cast<unsigned>(::time(nullptr));
  return v;
}

// Fills addresses for every target with one batch of A (and AAAA) questions.
Destination fill_addresses(const Resolver& r, std::vector<Target> targets, const LookupOptions& o,
                           bool implicit) {
  std::vector<Question> qs;
  for (auto& t : targets) {
    qs.push_back({t.host, kA});
    if (o.ipv6) qs.push_back({t.host, kAaaa});
  }
  auto answers = r.query_all(qs);
  Destination d;
  bool temp = false, nx = false;
  std::string temp_error;
  size_t i = 0;
  for (auto& t : targets) {
    size_t per = o.ipv6 ? 2 : 1;
    for (size_t k = 0; k < per; ++k, ++i) {
      const Answer& a = answers[i];
      if (a.status == QueryStatus::kTempFail) temp = true, temp_error = a.error;
      if (a.status == QueryStatus::kNxDomain) nx = true;
      for (auto& rec : a.records) t.addresses.push_back(rec.data);
    }
    if (!t.addresses.empty()) d.targets.push_back(std::move(t));
  }
  if (!d.targets.empty()) {
    d.kind = Destination::Kind::kOk;
  } else if (temp) {
    d.kind = Destination::Kind::kTempFail;
    d.error = temp_error;
  } else if (implicit) {
    d.kind = nx ? Destination::Kind::kNoSuchDomain : Destination::Kind::kNoAddress;
    d.error = nx ? "domain " + targets.front().host + " does not exist"
                 : "domain " + targets.front().host + " has no MX and no address";
  } else {
    // MX hosts without addresses: a DNS mistake on their side that may be fixed; retry.
    d.kind = Destination::Kind::kTempFail;
    d.error = "no MX host of the domain has an address";
  }
  return d;
}

Destination literal_destination(const std::string& ip) {
  Destination d;
  d.kind = Destination::Kind::kOk;
  d.targets.push_back(Target{ip, 0, {ip}});
  return d;
}

}  // namespace

std::string ip_literal(const std::string& s) {
  std::string x = s;
  if (x.size() >= 2 && x.front() == '[' && x.back() == ']') x = x.substr(1, x.size() - 2);
  if (x.size() > 5 && lower(x.substr(0, 5)) == "ipv6:") x = x.substr(5);
  unsigned char buf[16];
  if (::inet_pton(AF_INET, x.c_str(), buf) == 1 || ::inet_pton(AF_INET6, x.c_str(), buf) == 1) return x;
  return "";
}

bool order_mx(std::vector<Record>& mx, bool shuffle) {
  bool has_null = std::any_of(mx.begin(), mx.end(), [](const Record& r) { return r.data.empty(); });
  if (has_null && mx.size() == 1) return false;
  // A null MX next to real ones is a misconfiguration: ignore the null one.
  std::erase_if(mx, [](const Record& r) { return r.data.empty(); });
  if (shuffle) {
    for (size_t i = mx.size(); i > 1; --i) std::swap(mx[i - 1], mx[random_u32() % i]);
  }
  std::stable_sort(mx.begin(), mx.end(), [](const Record& a, const Record& b) { return a.pref < b.pref; });
  // The same host listed twice is tried once.
  std::vector<Record> uniq;
  for (auto& r : mx)
    if (std::none_of(uniq.begin(), uniq.end(), [&](const Record& u) { return u.data == r.data; }))
      uniq.push_back(r);
  mx = std::move(uniq);
  return true;
}

Destination resolve_mx(const Resolver& r, const std::string& domain, const LookupOptions& o) {
  if (auto ip = ip_literal(domain); !ip.empty() && domain.front() == '[') return literal_destination(ip);
  Destination d;
  auto name = normalize_name(domain);
  if (!name) {
    d.kind = Destination::Kind::kNoSuchDomain;
    d.error = name.error().what;
    return d;
  }
  Answer a = r.query(*name, kMx);
  switch (a.status) {
    case QueryStatus::kTempFail:
      d.error = a.error.empty() ? "DNS: temporary failure for " + *name : a.error;
      return d;
    case QueryStatus::kNxDomain:
      d.kind = Destination::Kind::kNoSuchDomain;
      d.error = "domain " + *name + " does not exist";
      return d;
    case QueryStatus::kNoData:
      return fill_addresses(r, {Target{*name, 0, {}}}, o, true);
    case QueryStatus::kOk:
      break;
  }
  if (!order_mx(a.records, o.shuffle)) {
    d.kind = Destination::Kind::kNullMx;
    d.error = "domain " + *name + " does not accept mail (null MX)";
    return d;
  }
  std::vector<Target> targets;
  for (auto& rec : a.records) targets.push_back(Target{rec.data, rec.pref, {}});
  return fill_addresses(r, std::move(targets), o, false);
}

Destination resolve_host(const Resolver& r, const std::string& host, const LookupOptions& o) {
  if (auto ip = ip_literal(host); !ip.empty()) return literal_destination(ip);
  Destination d;
  auto name = normalize_name(host);
  if (!name) {
    d.kind = Destination::Kind::kTempFail;  // a broken route is the admin's to fix: retry
    d.error = "bad relay host " + host;
    return d;
  }
  d = fill_addresses(r, {Target{*name, 0, {}}}, o, true);
  if (d.kind != Destination::Kind::kOk) {
    d.kind = Destination::Kind::kTempFail;
    d.error = "relay host " + *name + ": " + d.error;
  }
  return d;
}

}  // namespace posta::dns
