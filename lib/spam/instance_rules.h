// The rules an instance runs (posta-spamrules(5) "FILES"): control/spamrules when present
// (it replaces the shipped rules), else $POSTA_HOME/spam/rules (the shipped rules, installed
// by posta-setup); then control/spamrules.local when present (it adds to either).
#pragma once
#include <string>

#include "base/error.h"
#include "spam/rules.h"

namespace posta::spam {

inline constexpr size_t kMaxRulesFile = 4 << 20;

[[nodiscard]] Result<RuleSet> load_instance_rules(const std::string& home);

}  // namespace posta::spam
