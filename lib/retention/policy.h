// Retention rules (control/retention) and legal holds (control/legalhold), applied by
// `posta-mail retention` (posta-mail(8) RETENTION).
//
// control/retention, one rule a line, "#" comments:
//   <domain or *>  <folder or *>  <days>
//   *            Trash  30
//   *            Junk   30
//   *            Sent   1825
//   *            *      3650
//   example.org  *      365
// A message of user@domain in folder F is removed once it arrived more than <days> days
// ago, by the rule that fits best: a rule naming F beats one with "*" for the folder; among
// those, one naming the domain beats "*"; among equals the first line. Folder names are
// compared case-insensitively (IMAP names: INBOX, Sent, Work.Reports); a folder no rule
// fits is kept. Days are 1 to 36500.
//
// control/legalhold: one address or domain a line; their mail is never removed by retention.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::retention {

struct Rule {
  std::string domain;  // lower case, or "*"
  std::string folder;  // as written, or "*"
  unsigned days = 0;
  bool operator==(const Rule&) const = default;
};

// The rules of the lines (comments and blank lines already removed, as Control::lines
// gives them); an error names the line (from 1) and what is wrong.
[[nodiscard]] Result<std::vector<Rule>> parse_rules(const std::vector<std::string>& lines);

// The rule for a folder of a user of domain, nullptr when none fits.
const Rule* rule_for(const std::vector<Rule>& rules, std::string_view domain, std::string_view folder);

// Whether address (local@domain) is on hold by the lines of control/legalhold.
bool on_hold(const std::vector<std::string>& holds, std::string_view address);

}  // namespace posta::retention
