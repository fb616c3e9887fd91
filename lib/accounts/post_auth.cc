#include "accounts/post_auth.h"

#include <algorithm>

#include "control/control.h"

namespace posta::accounts {
namespace {

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) out.emplace_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

Result<PostAuthPolicy> PostAuthPolicy::parse(const std::vector<std::string>& lines) {
  PostAuthPolicy p;
  for (auto& line : lines) {
    auto w = words(line);
    if (w.empty()) continue;
    if (w[0].front() != '/') return fail("authprograms: not an absolute path: " + w[0]);
    p.commands_.push_back(std::move(w));
  }
  return p;
}

PostAuthPolicy PostAuthPolicy::defaults(const std::vector<std::string>& bin_dirs) {
  PostAuthPolicy p;
  for (auto& d : bin_dirs) {
    if (d.empty() || d.front() != '/') continue;
    for (const char* prog : {"posta-imapd", "posta-pop3d", "posta-managesieved"}) {
      std::vector<std::string> c = {d + "/" + prog, "--post-auth"};
      if (std::find(p.commands_.begin(), p.commands_.end(), c) == p.commands_.end())
        p.commands_.push_back(std::move(c));
    }
  }
  p.commands_.push_back({"/bin/true"});
  return p;
}

Result<PostAuthPolicy> PostAuthPolicy::load(const std::string& home, const std::vector<std::string>& bin_dirs) {
  Control ctl(home);
  if (!ctl.exists("authprograms")) return defaults(bin_dirs);
  return parse(ctl.lines("authprograms"));
}

bool PostAuthPolicy::allows(const std::vector<std::string>& argv) const {
  if (argv.empty()) return false;
  return std::find(commands_.begin(), commands_.end(), argv) != commands_.end();
}

}  // namespace posta::accounts
