#include "policy/dnsbl.h"

#include <cstdlib>

#include "log/log.h"

namespace posta::policy {

Result<DnsZone> parse_zone_line(const std::string& line) {
  DnsZone z;
  auto words = split(line, ' ');
  std::vector<std::string> w;
  for (auto& x : words)
    if (!x.empty()) w.push_back(x);
  if (w.empty()) return fail("empty zone line");
  auto name = dns::normalize_name(w[0]);
  if (!name) return fail("bad zone name " + w[0]);
  z.zone = *name;
  size_t i = 1;
  if (i < w.size() && w[i].starts_with("=")) {
    for (auto& c : split(w[i].substr(1), ',')) {
      auto ip = net::parse_ip(c);
      if (!ip || ip->family != AF_INET) return fail("bad answer code " + c);
      z.codes.push_back(ip->str());
    }
    ++i;
  }
  if (i < w.size() && w[i] == "reject") {
    ++i;
  } else if (i + 1 < w.size() && w[i] == "score") {
    char* end = nullptr;
    z.score = std::strtod(w[i + 1].c_str(), &end);
    if (w[i + 1].empty() || *end != '\0') return fail("bad score " + w[i + 1]);
    z.reject = false;
    i += 2;
  }
  if (i != w.size()) return fail("unexpected " + w[i]);
  return z;
}

std::vector<DnsZone> load_zones(const Control& ctl, const std::string& name) {
  std::vector<DnsZone> out;
  for (auto& l : ctl.lines(name)) {
    auto z = parse_zone_line(l);
    if (z)
      out.push_back(std::move(*z));
    else
      log::warning("control/", name, ": ", z.error().what, ": line ignored");
  }
  return out;
}

std::string reversed_name(const net::IpAddr& ip, const std::string& zone) {
  std::string out;
  if (ip.family == AF_INET) {
    for (int i = 3; i >= 0; --i) out += std::to_string(ip.bytes[static_cast<size_t>(i)]) + ".";
  } else {
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i) {
      uint8_t b = ip.bytes[static_cast<size_t>(i)];
      out += kHex[b & 15];
      out += '.';
      out += kHex[b >> 4];
      out += '.';
    }
  }
  return out + zone;
}

std::optional<std::string> domain_name(const std::string& domain, const std::string& zone) {
  auto n = dns::normalize_name(domain + "." + zone);
  if (!n) return std::nullopt;
  return *n;
}

std::optional<std::string> listed_code(const DnsZone& z, const dns::Answer& a) {
  if (a.status != dns::QueryStatus::kOk) return std::nullopt;
  for (auto& r : a.records) {
    if (r.type != dns::kA || !r.data.starts_with("127.") || r.data.starts_with("127.255.255.")) continue;
    if (z.codes.empty()) return r.data;
    for (auto& c : z.codes)
      if (c == r.data) return r.data;
  }
  return std::nullopt;
}

ZoneLookup look_up_zones(const dns::Resolver& r, const std::vector<DnsZone>& zones,
                         const std::function<std::optional<std::string>(const std::string& zone)>& name_of) {
  ZoneLookup out;
  std::vector<dns::Question> qs;
  std::vector<const DnsZone*> asked;
  for (auto& z : zones) {
    auto n = name_of(z.zone);
    if (!n) continue;
    qs.push_back({*n, dns::kA});
    asked.push_back(&z);
  }
  if (qs.empty()) return out;
  auto answers = r.query_all(qs);
  for (size_t i = 0; i < answers.size() && i < asked.size(); ++i) {
    if (answers[i].status == dns::QueryStatus::kTempFail) {
      out.failed.push_back(asked[i]->zone + " (" + answers[i].error + ")");
      continue;
    }
    if (auto code = listed_code(*asked[i], answers[i])) out.hits.push_back({asked[i], qs[i].name, *code});
  }
  return out;
}

std::string listing_text(const dns::Resolver& r, const ZoneHit& hit) {
  auto a = r.query(hit.name, dns::kTxt);
  std::string text;
  if (a.status == dns::QueryStatus::kOk && !a.records.empty()) text = a.records.front().data;
  std::string clean;
  for (char c : text)
    clean += (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) ? ' ' : c;
  clean = trim(clean);
  if (clean.empty()) clean = "Listed by " + hit.zone->zone;
  return clean.substr(0, 200);
}

}  // namespace posta::policy
