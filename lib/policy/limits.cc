#include "policy/limits.h"

#include <charconv>

#include "log/log.h"

namespace posta::policy {

Result<Limits> parse_limits(const std::string& line, const std::string& allowed) {
  Limits out;
  auto names = split(allowed, ' ');
  for (auto& w : split(line, ' ')) {
    if (w.empty()) continue;
    auto eq = w.find('=');
    if (eq == std::string::npos) return fail("expected name=N, not " + w);
    std::string name = w.substr(0, eq), v = w.substr(eq + 1);
    bool known = false;
    for (auto& n : names) known = known || n == name;
    if (!known) return fail("unknown limit " + name);
    uint32_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size()) return fail("bad number in " + w);
    out[name] = n;
  }
  return out;
}

Limits load_limits(const Control& ctl, const std::string& name, const std::string& allowed) {
  auto l = parse_limits(ctl.string(name), allowed);
  if (l) return *l;
  log::warning("control/", name, ": ", l.error().what, ": no limits applied");
  return {};
}

uint32_t limit_of(const Limits& l, std::string_view name) {
  auto it = l.find(name);
  return it == l.end() ? 0 : it->second;
}

}  // namespace posta::policy
