// The checks a message goes through, in order; each adds scored contributions to the
// Analysis or sets its hard verdict (posta-spamcheck(8) "CHECKS").
#include "control/control.h"
#include "mime/message.h"
#include "spam/content.h"
#include "spam/instance_rules.h"
#include "spamcheck.h"

namespace posta::spamcheck {

Checks load_checks(const std::string& home) {
  Checks c;
  auto policy = spam::read_policy(Control(home));
  if (!policy) {
    c.trouble = policy.error().what;
    return c;
  }
  c.policy = *policy;
  auto rules = spam::load_instance_rules(home);
  if (!rules) {
    c.trouble = "rules: " + rules.error().what;
    return c;
  }
  c.rules = std::move(*rules);
  load_classifier(home, c);
  return c;
}

spam::Analysis analyze(const Checks& checks, std::string_view message, spam::RuleStats* rules_stats) {
  spam::Analysis a;
  if (!checks.trouble.empty()) {
    a.hard = spam::Analysis::Hard::kTempFail;
    a.hard_text = checks.trouble;
    return a;
  }
  std::string crlf = mime::to_crlf(message);
  spam::Content content = spam::extract_content(crlf);
  checks.rules.evaluate(content, a, rules_stats);
  if (auto bayes = classify_message(checks, crlf))
    if (auto c = bayes_contribution(*bayes)) a.fired.push_back(std::move(*c));
  // The virus scan through clamd (lib/scan) plugs in here, over crlf: Hard::kVirus, or
  // Hard::kTempFail when clamd cannot be reached.
  // The attachment policy (lib/scan) plugs in here: Hard::kPolicy for a blocked
  // attachment type, also inside archives.
  return a;
}

}  // namespace posta::spamcheck
