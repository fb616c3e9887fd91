// The checks a message goes through, in order; each adds scored contributions to the
// Analysis or sets its hard verdict (posta-spamcheck(8) "CHECKS").
#include "control/control.h"
#include "log/log.h"
#include "mime/message.h"
#include "spam/content.h"
#include "spam/instance_rules.h"
#include "spam/scanned.h"
#include "spamcheck.h"

namespace posta::spamcheck {

Checks load_checks(const std::string& home) {
  Checks c;
  // first: broken rules with control/spamtrouble accept must not also skip the virus scan
  load_scanners(Control(home), c);
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
  if (auto uribl = spam::load_uribl(Control(home)))
    c.uribl = std::move(*uribl);
  else
    log::warning("uribl: ", uribl.error().what, ": no URI blocklist lookups");
  return c;
}

spam::Analysis analyze(const Checks& checks, std::string_view message, spam::RuleStats* rules_stats, bool cut) {
  spam::Analysis a;
  if (!checks.trouble.empty()) {
    a.hard = spam::Analysis::Hard::kTempFail;
    a.hard_text = checks.trouble;
    return a;
  }
  std::string crlf = mime::to_crlf(message);
  spam::Content content = spam::extract_content(crlf);
  checks.rules.evaluate(content, a, rules_stats);
  if (checks.uribl) {
    auto found = spam::check_uris(*checks.uribl, content.uris);
    for (auto& f : found.failed) log::warning("uribl: lookup failed: ", f);
    for (auto& c : found.fired) a.fired.push_back(std::move(c));
  }
  if (auto bayes = classify_message(checks, crlf))
    if (auto c = bayes_contribution(*bayes)) a.fired.push_back(std::move(*c));
  if (checks.attachments)
    spam::add_attachment_report(scan::check_attachments(crlf, *checks.attachments, cut), checks.attachments->action, a);
  return a;
}

}  // namespace posta::spamcheck
