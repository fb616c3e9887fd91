#include "smtpclient/routes.h"

#include <cstdlib>

#include "control/control.h"

namespace posta::smtpc {
namespace {

// Matching rank of a pattern for a domain: 3 exact, 2 suffix ".x" (longer wins via
// length), 1 default, 0 none.
int rank(const std::string& pattern, const std::string& domain) {
  if (pattern.empty() || pattern == "." || pattern == "*") return 1;
  if (pattern == domain) return 3;
  if (pattern[0] == '.' && domain.size() > pattern.size() &&
      domain.compare(domain.size() - pattern.size(), pattern.size(), pattern) == 0)
    return 2;
  return 0;
}

}  // namespace

Result<Route> parse_relay(const std::string& spec_in) {
  std::string spec = trim(spec_in);
  Route r;
  if (spec.empty()) return r;  // "domain:" means MX as usual
  r.use_mx = false;
  std::string port;
  if (spec[0] == '[') {
    auto close = spec.find(']');
    if (close == std::string::npos) return fail("bad relay " + spec);
    r.host = spec.substr(1, close - 1);
    if (close + 1 < spec.size()) {
      if (spec[close + 1] != ':') return fail("bad relay " + spec);
      port = spec.substr(close + 2);
    }
  } else {
    auto colon = spec.find(':');
    r.host = spec.substr(0, colon);
    if (colon != std::string::npos) port = spec.substr(colon + 1);
  }
  if (r.host.empty()) return fail("bad relay " + spec);
  if (!port.empty()) {
    char* end = nullptr;
    long p = std::strtol(port.c_str(), &end, 10);
    if (*end || p <= 0 || p > 65535) return fail("bad port in relay " + spec);
    r.port = static_cast<int>(p);
  }
  r.host = lower(r.host);
  return r;
}

Result<Route> find_route(const std::vector<std::string>& lines, const std::string& domain_in) {
  std::string domain = lower(domain_in);
  int best = 0;
  size_t best_len = 0;
  Route route;
  for (auto& line : lines) {
    auto colon = line.find(':');
    if (colon == std::string::npos) return fail("smtproutes: line without ':': " + line);
    std::string pattern = lower(trim(line.substr(0, colon)));
    int k = rank(pattern, domain);
    if (k == 0 || k < best || (k == best && pattern.size() <= best_len)) continue;
    auto r = parse_relay(line.substr(colon + 1));
    if (!r) return fail("smtproutes: " + r.error().what);
    best = k;
    best_len = pattern.size();
    route = *r;
  }
  return route;
}

std::optional<Credentials> find_credentials(const std::vector<std::string>& lines, const std::string& host) {
  for (auto& line : lines) {
    auto sp = line.find_first_of(" \t");
    if (sp == std::string::npos) continue;
    if (lower(line.substr(0, sp)) != lower(host)) continue;
    std::string rest = trim(line.substr(sp));
    auto sp2 = rest.find_first_of(" \t");
    if (sp2 == std::string::npos) continue;
    return Credentials{rest.substr(0, sp2), trim(rest.substr(sp2))};
  }
  return std::nullopt;
}

const char* policy_name(TlsPolicy p) {
  switch (p) {
    case TlsPolicy::kNone: return "none";
    case TlsPolicy::kMay: return "may";
    case TlsPolicy::kEncrypt: return "encrypt";
    case TlsPolicy::kVerify: return "verify";
  }
  return "?";
}

Result<TlsPolicy> parse_policy(const std::string& w) {
  auto word = lower(trim(w));
  if (word == "none") return TlsPolicy::kNone;
  if (word == "may") return TlsPolicy::kMay;
  if (word == "encrypt") return TlsPolicy::kEncrypt;
  if (word == "verify" || word == "secure") return TlsPolicy::kVerify;
  return fail("unknown TLS policy '" + word + "'");
}

Result<TlsPolicy> find_policy(const std::vector<std::string>& lines, const std::string& domain_in) {
  std::string domain = lower(domain_in);
  int best = 0;
  size_t best_len = 0;
  TlsPolicy policy = TlsPolicy::kMay;
  for (auto& line : lines) {
    std::string l = line;
    for (auto& c : l)
      if (c == '\t' || c == ':') c = ' ';
    auto sp = l.find(' ');
    if (sp == std::string::npos) return fail("tlspolicy: line without a policy: " + line);
    auto p = parse_policy(l.substr(sp));
    if (!p) return fail("tlspolicy: " + p.error().what);
    std::string pattern = lower(l.substr(0, sp));
    int k = rank(pattern, domain);
    if (k == 0 || k < best || (k == best && pattern.size() <= best_len && best != 0)) continue;
    best = k;
    best_len = pattern.size();
    policy = *p;
  }
  return policy;
}

}  // namespace posta::smtpc
