#include "policy/dnsbl.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "log/log.h"

namespace posta::policy {
namespace {

// "6", "0x0e": a nonzero 32-bit mask.
std::optional<uint32_t> parse_mask(const std::string& s) {
  bool hex = s.starts_with("0x") || s.starts_with("0X");
  // strtoul would take a sign or spaces: a mask is digits only
  if (s.empty() || s.size() > 10 || !std::isdigit(static_cast<unsigned char>(s[0]))) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  unsigned long v = std::strtoul(s.c_str(), &end, hex ? 16 : 10);
  if (*end != '\0' || errno != 0 || v == 0 || v > 0xffffffffUL) return std::nullopt;
  return static_cast<uint32_t>(v);
}

// The IPv4 address a.b.c.d as a number.
uint32_t address_value(const std::string& dotted) {
  auto ip = net::parse_ip(dotted);
  if (!ip || ip->family != AF_INET) return 0;
  return static_cast<uint32_t>(ip->bytes[0]) << 24 | static_cast<uint32_t>(ip->bytes[1]) << 16 |
         static_cast<uint32_t>(ip->bytes[2]) << 8 | ip->bytes[3];
}

}  // namespace

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
  if (i < w.size() && w[i].starts_with("&")) {
    auto m = parse_mask(w[i].substr(1));
    if (!m) return fail("bad answer mask " + w[i]);
    z.mask = *m;
    ++i;
  } else if (i < w.size() && w[i].starts_with("=")) {
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
    if (z.mask) {
      if (address_value(r.data) & z.mask) return r.data;
      continue;
    }
    if (z.codes.empty()) return r.data;
    for (auto& c : z.codes)
      if (c == r.data) return r.data;
  }
  return std::nullopt;
}

ZoneLookup look_up(const dns::Resolver& r, const std::vector<ZoneQuestion>& asked) {
  ZoneLookup out;
  if (asked.empty()) return out;
  std::vector<dns::Question> qs;
  for (auto& q : asked) qs.push_back({q.name, dns::kA});
  auto answers = r.query_all(qs);
  for (size_t i = 0; i < answers.size() && i < asked.size(); ++i) {
    if (answers[i].status == dns::QueryStatus::kTempFail) {
      out.failed.push_back(asked[i].zone->zone + " (" + answers[i].error + ")");
      continue;
    }
    if (auto code = listed_code(*asked[i].zone, answers[i])) out.hits.push_back({asked[i].zone, qs[i].name, *code});
  }
  return out;
}

ZoneLookup look_up_zones(const dns::Resolver& r, const std::vector<DnsZone>& zones,
                         const std::function<std::optional<std::string>(const std::string& zone)>& name_of) {
  std::vector<ZoneQuestion> qs;
  for (auto& z : zones)
    if (auto n = name_of(z.zone)) qs.push_back({&z, std::move(*n)});
  return look_up(r, qs);
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
