#include "control/control.h"

#include <sys/stat.h>

#include <charconv>
#include <cstdlib>

#include "io/fd.h"
#include "log/log.h"

namespace posta {

std::string posta_home() {
  const char* h = std::getenv("POSTA_HOME");
  return h && *h ? h : "/var/posta";
}

std::vector<std::string> Control::lines(const std::string& name) const {
  std::vector<std::string> out;
  auto content = read_file(dir_ + "/" + name, 64 << 20);
  if (!content) return out;
  for (auto& l : split(*content, '\n')) {
    auto t = trim(l);
    if (t.empty() || t[0] == '#') continue;
    out.push_back(std::move(t));
  }
  return out;
}

std::string Control::string(const std::string& name, const std::string& def) const {
  auto l = lines(name);
  return l.empty() ? def : l.front();
}

long long Control::number(const std::string& name, long long def) const {
  auto s = string(name);
  if (s.empty()) return def;
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) {
    log::warning("control/", name, " is not a number: ", s, "; using ", def);
    return def;
  }
  return v;
}

bool Control::flag(const std::string& name, bool def) const {
  auto s = lower(string(name));
  if (s.empty()) return def;
  return s == "1" || s == "yes" || s == "on" || s == "true";
}

bool Control::exists(const std::string& name) const {
  struct stat st;
  return ::stat((dir_ + "/" + name).c_str(), &st) == 0;
}

}  // namespace posta
