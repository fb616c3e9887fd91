#include "spam/uribl.h"

#include <algorithm>
#include <cctype>

#include "base/strings.h"
#include "dmarc/orgdomain.h"

namespace posta::spam {
namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool dns_name_chars(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

Result<std::optional<UriblConfig>> load_uribl(const Control& ctl) {
  UriblConfig c;
  c.zones = policy::load_zones(ctl, "uribl");
  if (c.zones.empty()) return std::optional<UriblConfig>();
  for (auto& z : c.zones)
    if (z.reject) z.score = kUriblDefaultScore;  // a listed link scores; it never refuses alone
  auto servers = dns::configured_servers(ctl);
  if (!servers) return std::unexpected(servers.error());
  c.servers = std::move(*servers);
  auto max = ctl.number("uriblmax", 20);
  c.max_targets = max > 0 ? static_cast<size_t>(max) : 20;
  auto ms = ctl.number("timeouturibl", 2000);
  c.budget = std::chrono::milliseconds(ms > 0 ? ms : 2000);
  return std::optional<UriblConfig>(std::move(c));
}

std::optional<std::string> uri_host(std::string_view u) {
  u = trim_view(u);
  std::string_view rest;
  if (starts_with_nocase(u, "http://")) rest = u.substr(7);
  else if (starts_with_nocase(u, "https://")) rest = u.substr(8);
  else if (starts_with_nocase(u, "www.")) rest = u;
  else return std::nullopt;
  std::string_view authority = rest.substr(0, std::min(rest.size(), rest.find_first_of("/?#\\")));
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host = authority;
  if (host.starts_with("[")) {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = host.substr(1, close - 1);
  } else if (size_t colon = host.find(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  std::string h = lower(std::string(host));
  while (!h.empty() && h.back() == '.') h.pop_back();
  if (h.empty()) return std::nullopt;
  return h;
}

std::optional<UriTarget> uri_target(std::string_view host) {
  if (auto ip = net::parse_ip(host)) return UriTarget{ip->str(), *ip};
  // "%77ww.example" and non-ASCII names are not asked: a list holds names as they resolve
  if (!dns_name_chars(host) || host.find('.') == std::string_view::npos) return std::nullopt;
  auto name = dns::normalize_name(host);
  if (!name) return std::nullopt;
  return UriTarget{dmarc::organizational_domain(*name), std::nullopt};
}

std::vector<UriTarget> uri_targets(const std::vector<std::string>& uris, size_t max) {
  std::vector<UriTarget> out;
  for (auto& u : uris) {
    if (out.size() >= max) break;
    auto host = uri_host(u);
    if (!host) continue;
    auto t = uri_target(*host);
    if (t && std::find(out.begin(), out.end(), *t) == out.end()) out.push_back(std::move(*t));
  }
  return out;
}

std::optional<std::string> uribl_query_name(const UriTarget& t, const std::string& zone) {
  if (t.ip) return policy::reversed_name(*t.ip, zone);
  return policy::domain_name(t.shown, zone);
}

std::string uribl_rule_name(const std::string& zone) {
  std::string name = "URIBL_";
  for (char c : zone) name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(c)) : '_';
  return name;
}

UriblResult check_uribl(const dns::Resolver& r, const std::vector<policy::DnsZone>& zones,
                        const std::vector<UriTarget>& targets) {
  UriblResult out;
  std::vector<policy::ZoneQuestion> qs;
  std::vector<const UriTarget*> asked;
  for (auto& z : zones)
    for (auto& t : targets)
      if (auto name = uribl_query_name(t, z.zone)) {
        qs.push_back({&z, std::move(*name)});
        asked.push_back(&t);
      }
  out.queries = qs.size();
  auto found = policy::look_up(r, qs);
  for (auto& f : found.failed) {  // "zone (why)": one a zone
    std::string zone = f.substr(0, f.find(' '));
    if (std::none_of(out.failed.begin(), out.failed.end(), [&](auto& x) { return x.starts_with(zone + " "); }))
      out.failed.push_back(f);
  }
  for (auto& z : zones) {
    std::vector<std::string> listed;
    for (auto& h : found.hits) {
      if (h.zone != &z) continue;
      size_t i = static_cast<size_t>(std::find_if(qs.begin(), qs.end(), [&](auto& q) { return q.name == h.name; }) - qs.begin());
      listed.push_back(asked[i]->shown + " (" + h.code + ")");
    }
    if (listed.empty()) continue;
    std::string text = "link to " + listed.front();
    if (listed.size() > 1) text += " and " + std::to_string(listed.size() - 1) + " more";
    out.fired.push_back({uribl_rule_name(z.zone), z.score, text + " listed by " + z.zone});
  }
  return out;
}

UriblResult check_uris(const UriblConfig& c, const std::vector<std::string>& uris) {
  auto targets = uri_targets(uris, c.max_targets);
  if (targets.empty()) return {};
  // one try per server, so that all the answers come within the budget
  auto per_try = c.budget / static_cast<long>(std::max<size_t>(c.servers.size(), 1));
  dns::Resolver r(c.servers, std::max(per_try, std::chrono::milliseconds(100)), 1);
  return check_uribl(r, c.zones, targets);
}

}  // namespace posta::spam
