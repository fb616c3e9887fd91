#include "retention/policy.h"

#include <strings.h>

#include <algorithm>

#include "base/strings.h"
#include "mailstore/names.h"

namespace posta::retention {
namespace {

bool same_ci(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Result<std::vector<Rule>> parse_rules(const std::vector<std::string>& lines) {
  std::vector<Rule> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string where = "control/retention line " + std::to_string(i + 1) + ": ";
    std::string line = lines[i];
    std::replace(line.begin(), line.end(), '\t', ' ');
    auto words = mailstore::split_words(line);
    if (words.size() != 3) return fail(where + "3 fields expected: DOMAIN|* FOLDER|* DAYS");
    auto days = parse_uint(words[2]);
    if (!days || *days < 1 || *days > 36500) return fail(where + "days must be 1 to 36500");
    std::string domain = lower(std::string(words[0]));
    if (domain != "*" && (domain.find('@') != std::string::npos || domain.find('.') == std::string::npos))
      return fail(where + "a domain or * expected");
    out.push_back(Rule{domain, std::string(words[1]), static_cast<unsigned>(*days)});
  }
  return out;
}

const Rule* rule_for(const std::vector<Rule>& rules, std::string_view domain, std::string_view folder) {
  const Rule* best = nullptr;
  int best_score = -1;
  for (const auto& r : rules) {
    bool folder_named = r.folder != "*";
    bool domain_named = r.domain != "*";
    if (folder_named && !same_ci(r.folder, folder)) continue;
    if (domain_named && !same_ci(r.domain, domain)) continue;
    int score = (folder_named ? 2 : 0) + (domain_named ? 1 : 0);
    if (score > best_score) best = &r, best_score = score;
  }
  return best;
}

bool on_hold(const std::vector<std::string>& holds, std::string_view address) {
  size_t at = address.rfind('@');
  std::string_view domain = at == std::string_view::npos ? "" : address.substr(at + 1);
  for (const auto& h : holds) {
    std::string_view v = trim_view(h);
    if (same_ci(v, address) || (!domain.empty() && same_ci(v, domain))) return true;
  }
  return false;
}

}  // namespace posta::retention
