#include "dmarc/record.h"

#include <algorithm>
#include <map>

#include "base/strings.h"

namespace posta::dmarc {
namespace {

constexpr std::string_view kWsp = " \t\r\n";

std::optional<Policy> parse_policy(std::string_view v) {
  std::string s = lower(std::string(v));
  if (s == "none") return Policy::kNone;
  if (s == "quarantine") return Policy::kQuarantine;
  if (s == "reject") return Policy::kReject;
  return std::nullopt;
}

std::optional<Alignment> parse_alignment(std::string_view v) {
  std::string s = lower(std::string(v));
  if (s == "r") return Alignment::kRelaxed;
  if (s == "s") return Alignment::kStrict;
  return std::nullopt;
}

std::optional<long long> number(std::string_view v, long long max) {
  if (v.empty() || v.size() > 10 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  long long n = std::stoll(std::string(v));
  if (n > max) return std::nullopt;
  return n;
}

// Colon-separated values, each from `allowed` (fo=, rf=).
std::optional<std::vector<std::string>> token_list(std::string_view v, std::initializer_list<std::string_view> allowed) {
  std::vector<std::string> out;
  for (auto& item : split(v, ':')) {
    std::string t = lower(trim(item, kWsp));
    if (std::find(allowed.begin(), allowed.end(), t) == allowed.end()) return std::nullopt;
    out.push_back(t);
  }
  return out;
}

// Comma-separated URIs (RFC 3986 scheme ":" ...), each optionally followed by "!size[kmgt]".
std::optional<std::vector<std::string>> uri_list(std::string_view v) {
  std::vector<std::string> out;
  for (auto& item : split(v, ',')) {
    std::string u = trim(item, kWsp);
    auto colon = u.find(':');
    if (colon == std::string::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(u[0]))) return std::nullopt;
    for (size_t i = 0; i < colon; ++i)
      if (!std::isalnum(static_cast<unsigned char>(u[i])) && u[i] != '+' && u[i] != '-' && u[i] != '.')
        return std::nullopt;
    if (colon + 1 == u.size()) return std::nullopt;
    for (char c : u)
      if (static_cast<unsigned char>(c) <= ' ' || c == ';' || static_cast<unsigned char>(c) >= 0x7f) return std::nullopt;
    out.push_back(u);
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> split_tags(std::string_view txt) {
  std::vector<std::pair<std::string, std::string>> tags;
  for (auto& part : split(txt, ';')) {
    std::string_view p = trim_view(part, kWsp);
    if (p.empty()) continue;  // "a=1;;" and a trailing ';'
    auto eq = p.find('=');
    if (eq == std::string_view::npos) return fail("DMARC record: '" + std::string(p) + "' is not tag=value");
    std::string name(trim_view(p.substr(0, eq), kWsp));
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
        }))
      return fail("DMARC record: malformed tag name");
    for (auto& [n, v] : tags)
      if (n == name) return fail("DMARC record: tag " + name + " repeated");
    tags.emplace_back(name, std::string(trim_view(p.substr(eq + 1), kWsp)));
  }
  return tags;
}

}  // namespace

const char* policy_name(Policy p) {
  switch (p) {
    case Policy::kNone: return "none";
    case Policy::kQuarantine: return "quarantine";
    case Policy::kReject: return "reject";
  }
  return "?";
}

bool is_dmarc_record(std::string_view txt) {
  auto semi = txt.find(';');
  auto first = trim_view(txt.substr(0, semi), kWsp);
  auto eq = first.find('=');
  return eq != std::string_view::npos && trim_view(first.substr(0, eq), kWsp) == "v" &&
         trim_view(first.substr(eq + 1), kWsp) == "DMARC1";
}

Result<Record> parse_record(std::string_view txt) {
  if (!is_dmarc_record(txt)) return fail("DMARC record: does not start with v=DMARC1");
  POSTA_TRY(auto tags, split_tags(txt));
  Record r;
  std::optional<Policy> p;
  bool p_seen = false;
  for (auto& [name, value] : tags) {
    if (name == "v") continue;
    if (name == "p") {
      p_seen = true;
      p = parse_policy(value);
    } else if (name == "sp") {
      if (!(r.sp = parse_policy(value))) return fail("DMARC record: invalid sp=" + value);
    } else if (name == "pct") {
      auto n = number(value, 100);
      if (!n) return fail("DMARC record: invalid pct=" + value);
      r.pct = static_cast<int>(*n);
    } else if (name == "adkim" || name == "aspf") {
      auto a = parse_alignment(value);
      if (!a) return fail("DMARC record: invalid " + name + "=" + value);
      (name == "adkim" ? r.adkim : r.aspf) = *a;
    } else if (name == "rua" || name == "ruf") {
      auto l = uri_list(value);
      if (!l) return fail("DMARC record: invalid " + name + "=" + value);
      (name == "rua" ? r.rua : r.ruf) = std::move(*l);
    } else if (name == "fo") {
      auto l = token_list(value, {"0", "1", "d", "s"});
      if (!l) return fail("DMARC record: invalid fo=" + value);
      r.fo = std::move(*l);
    } else if (name == "rf") {
      auto l = token_list(value, {"afrf", "iodef"});
      if (!l) return fail("DMARC record: invalid rf=" + value);
      r.rf = std::move(*l);
    } else if (name == "ri") {
      auto n = number(value, 0xffffffffLL);
      if (!n) return fail("DMARC record: invalid ri=" + value);
      r.ri = static_cast<uint32_t>(*n);
    }
  }
  if (p) {
    r.p = *p;
  } else if (!r.rua.empty()) {
    r.p = Policy::kNone;
    r.p_assumed = true;
  } else {
    return fail(p_seen ? "DMARC record: invalid p=" : "DMARC record: no p=");
  }
  return r;
}

}  // namespace posta::dmarc
