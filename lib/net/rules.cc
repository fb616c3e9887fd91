#include "net/rules.h"

#include <algorithm>
#include <cctype>

#include "base/strings.h"
#include "io/fd.h"

namespace posta::net {

namespace {

bool valid_env_name(std::string_view n) {
  if (n.empty() || std::isdigit(static_cast<unsigned char>(n[0]))) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// Parses ",NAME=VALUE,..." after the action word.
Status parse_settings(std::string_view s, Rule& r) {
  while (!s.empty()) {
    if (s[0] != ',') return fail("expected ',' before " + std::string(s));
    s.remove_prefix(1);
    size_t eq = s.find('=');
    if (eq == std::string_view::npos) return fail("setting without '=': " + std::string(s));
    std::string_view name = trim_view(s.substr(0, eq));
    if (!valid_env_name(name)) return fail("bad variable name: " + std::string(name));
    s.remove_prefix(eq + 1);
    std::string value;
    if (!s.empty() && (s[0] == '"' || s[0] == '\'')) {
      size_t close = s.find(s[0], 1);
      if (close == std::string_view::npos) return fail("unterminated quote");
      value = s.substr(1, close - 1);
      s.remove_prefix(close + 1);
    } else {
      size_t comma = s.find(',');
      value = trim_view(s.substr(0, comma));
      if (value.find_first_of(" \t") != std::string::npos)
        return fail("unquoted value with a space: " + value);
      s.remove_prefix(comma == std::string_view::npos ? s.size() : comma);
    }
    if (value.find('\0') != std::string::npos) return fail("NUL in value");
    r.env.emplace_back(std::string(name), std::move(value));
    s = trim_view(s);
  }
  return {};
}

int specificity(const Rule& r) { return r.any ? -1 : r.net.prefix; }

}  // namespace

Result<Rule> parse_rule(std::string_view line) {
  Rule r;
  // the address ends at the last ':' before the action word (IPv6 addresses contain ':')
  size_t pos = std::string_view::npos;
  for (std::string_view act : {":allow", ":deny"}) {
    size_t p = line.find(act);
    while (p != std::string_view::npos) {
      size_t end = p + act.size();
      if (end == line.size() || line[end] == ',' || std::isspace(static_cast<unsigned char>(line[end]))) {
        if (pos == std::string_view::npos || p < pos) pos = p;
        break;
      }
      p = line.find(act, p + 1);
    }
  }
  if (pos == std::string_view::npos) return fail("expected ADDRESS:allow or ADDRESS:deny");
  std::string_view addr = trim_view(line.substr(0, pos));
  std::string_view rest = line.substr(pos + 1);
  r.allow = rest.starts_with("allow");
  rest.remove_prefix(r.allow ? 5 : 4);
  r.text = addr;
  if (addr.empty() || addr == "*") {
    r.any = true;
  } else {
    auto c = parse_cidr(addr);
    if (!c) return fail("bad address or network: " + std::string(addr));
    r.net = *c;
  }
  if (auto s = parse_settings(trim_view(rest), r); !s) return std::unexpected(s.error());
  if (!r.allow && !r.env.empty()) return fail("deny rules take no settings");
  return r;
}

Result<Rules> Rules::parse(std::string_view text) {
  Rules rs;
  int n = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++n;
    line = trim_view(line);
    if (line.empty() || line[0] == '#') continue;
    auto r = parse_rule(line);
    if (!r) return fail("line " + std::to_string(n) + ": " + r.error().what);
    r->line = n;
    rs.rules_.push_back(std::move(*r));
  }
  // longest prefix first; equal prefixes keep file order, so the first written wins
  std::stable_sort(rs.rules_.begin(), rs.rules_.end(),
                   [](const Rule& a, const Rule& b) { return specificity(a) > specificity(b); });
  return rs;
}

Result<Rules> Rules::load(const std::string& path) {
  auto text = read_file(path, 4 << 20);
  if (!text) return std::unexpected(text.error());
  auto r = parse(*text);
  if (!r) return fail(path + ": " + r.error().what);
  return r;
}

const Rule* Rules::match(const IpAddr& addr) const {
  for (auto& r : rules_)
    if (r.any || r.net.contains(addr)) return &r;
  return nullptr;
}

}  // namespace posta::net
