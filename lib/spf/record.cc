#include "spf/record.h"

#include <sys/socket.h>

#include <cctype>

#include "base/strings.h"
#include "spf/macro.h"

namespace posta::spf {
namespace {

bool is_name(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (unsigned char c : s)
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
bool is_toplabel(std::string_view l) {
  if (l.empty() || l.front() == '-' || l.back() == '-') return false;
  bool alpha = false, hyphen = false;
  for (unsigned char c : l) {
    if (c == '-') hyphen = true;
    else if (std::isalpha(c)) alpha = true;
    else if (!std::isdigit(c)) return false;
  }
  return alpha || hyphen;
}

// "/N" with N in 0..max, no leading zero; false when malformed.
bool parse_length(std::string_view digits, int max, int& out) {
  if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) return false;
  int v = 0;
  for (unsigned char c : digits) {
    if (!std::isdigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  if (v > max) return false;
  out = v;
  return true;
}

// Splits a trailing "/N" off s when s ends in '/' and digits; returns the digits.
std::optional<std::string_view> cut_length(std::string_view& s) {
  size_t i = s.size();
  while (i > 0 && std::isdigit(static_cast<unsigned char>(s[i - 1]))) --i;
  if (i == s.size() || i == 0 || s[i - 1] != '/') return std::nullopt;
  auto digits = s.substr(i);
  s = s.substr(0, i - 1);
  return digits;
}

Result<Mechanism> bad(const std::string& term, const std::string& why) {
  return fail("invalid SPF term \"" + term + "\": " + why);
}

// a and mx: [":" domain-spec] [ip4-cidr-length] ["/" ip6-cidr-length]
Status parse_a_args(std::string_view rest, Mechanism& m) {
  if (auto d = cut_length(rest)) {
    if (!rest.empty() && rest.back() == '/') {  // "//N": the IPv6 length
      rest.remove_suffix(1);
      if (!parse_length(*d, 128, m.cidr6)) return fail("IPv6 prefix length");
      if (auto d4 = cut_length(rest); d4 && !parse_length(*d4, 32, m.cidr4)) return fail("IPv4 prefix length");
    } else if (!parse_length(*d, 32, m.cidr4)) {
      return fail("IPv4 prefix length");
    }
  }
  if (rest.empty()) return {};
  if (rest[0] != ':' || rest.size() == 1) return fail("expected ':domain'");
  m.domain_spec = std::string(rest.substr(1));
  if (!valid_domain_spec(m.domain_spec)) return fail("domain-spec");
  return {};
}

Status parse_ip_args(std::string_view rest, Mechanism& m, bool v6) {
  if (rest.size() < 2 || rest[0] != ':') return fail("expected ':address'");
  rest.remove_prefix(1);
  int len = v6 ? 128 : 32;
  if (auto d = cut_length(rest); d && !parse_length(*d, len, len)) return fail("prefix length");
  auto ip = net::parse_ip(rest);
  bool colon = rest.find(':') != std::string_view::npos;
  if (!ip || colon != v6) return fail(v6 ? "IPv6 address" : "IPv4 address");
  m.network = net::Cidr{*ip, len};
  if (v6 && ip->family == AF_INET) m.network.prefix = std::max(0, len - 96);  // ::ffff:a.b.c.d
  return {};
}

Result<Mechanism> parse_directive(const std::string& term) {
  Mechanism m;
  m.text = term;
  std::string_view s = term;
  if (s[0] == '+' || s[0] == '-' || s[0] == '~' || s[0] == '?') {
    m.qualifier = static_cast<Qualifier>(s[0]);
    s.remove_prefix(1);
  }
  size_t n = 0;
  while (n < s.size() && std::isalnum(static_cast<unsigned char>(s[n]))) ++n;
  std::string name = lower(std::string(s.substr(0, n)));
  std::string_view rest = s.substr(n);
  Status st;
  if (name == "all") {
    m.kind = MechanismKind::kAll;
    if (!rest.empty()) return bad(term, "\"all\" takes no argument");
  } else if (name == "include" || name == "exists") {
    m.kind = name == "include" ? MechanismKind::kInclude : MechanismKind::kExists;
    if (rest.size() < 2 || rest[0] != ':') return bad(term, "expected ':domain'");
    m.domain_spec = std::string(rest.substr(1));
    if (!valid_domain_spec(m.domain_spec)) return bad(term, "domain-spec");
  } else if (name == "a" || name == "mx") {
    m.kind = name == "a" ? MechanismKind::kA : MechanismKind::kMx;
    st = parse_a_args(rest, m);
  } else if (name == "ptr") {
    m.kind = MechanismKind::kPtr;
    if (!rest.empty()) {
      if (rest[0] != ':' || rest.size() == 1) return bad(term, "expected ':domain'");
      m.domain_spec = std::string(rest.substr(1));
      if (!valid_domain_spec(m.domain_spec)) return bad(term, "domain-spec");
    }
  } else if (name == "ip4" || name == "ip6") {
    m.kind = name == "ip4" ? MechanismKind::kIp4 : MechanismKind::kIp6;
    st = parse_ip_args(rest, m, name == "ip6");
  } else {
    return bad(term, "unknown mechanism");
  }
  if (!st) return bad(term, st.error().what);
  return m;
}

}  // namespace

const char* mechanism_name(MechanismKind k) {
  switch (k) {
    case MechanismKind::kAll: return "all";
    case MechanismKind::kInclude: return "include";
    case MechanismKind::kA: return "a";
    case MechanismKind::kMx: return "mx";
    case MechanismKind::kPtr: return "ptr";
    case MechanismKind::kIp4: return "ip4";
    case MechanismKind::kIp6: return "ip6";
    case MechanismKind::kExists: return "exists";
  }
  return "?";
}

bool is_spf_record(std::string_view txt) {
  if (txt.size() < 6 || lower(std::string(txt.substr(0, 6))) != "v=spf1") return false;
  return txt.size() == 6 || txt[6] == ' ';
}

bool valid_domain_spec(std::string_view s) {
  if (s.empty() || !check_macro_string(s, MacroUse::kDomain)) return false;
  // domain-end = ( "." toplabel [ "." ] ) / macro-expand
  size_t last_macro_end = 0;
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '%') {
      ++i;
      continue;
    }
    i = s[i + 1] == '{' ? s.find('}', i) + 1 : i + 2;  // well-formed: checked above
    last_macro_end = i;
  }
  if (last_macro_end == s.size()) return true;
  std::string_view t = s.substr(last_macro_end);
  if (t.back() == '.') t.remove_suffix(1);
  size_t dot = t.rfind('.');
  if (dot == std::string_view::npos) {
    // the label must follow a dot, possibly one right after a macro ("%{d}.com" has it)
    return false;
  }
  return is_toplabel(t.substr(dot + 1));
}

Result<Record> parse_record(std::string_view txt) {
  if (!is_spf_record(txt)) return fail("not an SPF record (no v=spf1)");
  Record r;
  for (auto& term : split(std::string(txt.substr(6)), ' ')) {
    if (term.empty()) continue;
    size_t eq = term.find('=');
    if (eq != std::string::npos && is_name(std::string_view(term).substr(0, eq))) {
      std::string name = lower(term.substr(0, eq)), value = term.substr(eq + 1);
      if (name == "redirect" || name == "exp") {
        auto& slot = name == "redirect" ? r.redirect : r.exp;
        if (slot) return fail("invalid SPF record: more than one " + name + "= modifier");
        if (!valid_domain_spec(value)) return fail("invalid SPF term \"" + term + "\": domain-spec");
        slot = value;
      } else {
        if (!check_macro_string(value, MacroUse::kDomain))
          return fail("invalid SPF term \"" + term + "\": macro-string");
        r.unknown_modifiers.emplace_back(name, value);
      }
      continue;
    }
    auto m = parse_directive(term);
    if (!m) return std::unexpected(m.error());
    r.mechanisms.push_back(std::move(*m));
  }
  return r;
}

}  // namespace posta::spf
