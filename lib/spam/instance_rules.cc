#include "spam/instance_rules.h"

#include <sys/stat.h>

#include "io/fd.h"

namespace posta::spam {
namespace {

bool exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

Status add_file(RuleSet& rs, const std::string& path) {
  auto text = read_file(path, kMaxRulesFile);
  if (!text) return std::unexpected(text.error());
  return rs.add(*text, path);
}

}  // namespace

Result<RuleSet> load_instance_rules(const std::string& home) {
  RuleSet rs;
  std::string replace = home + "/control/spamrules", shipped = home + "/spam/rules",
              local = home + "/control/spamrules.local";
  if (auto s = add_file(rs, exists(replace) ? replace : shipped); !s) return std::unexpected(s.error());
  if (exists(local))
    if (auto s = add_file(rs, local); !s) return std::unexpected(s.error());
  if (auto s = rs.finish(); !s) return std::unexpected(s.error());
  return rs;
}

}  // namespace posta::spam
