// What the content checks of posta-spamcheck found about one message: scored contributions
// (rules, the classifier) and at most one hard verdict (virus, blocked attachment, trouble)
// that decides whatever the score (posta-spamcheck(8) "VERDICTS").
#pragma once
#include <string>
#include <vector>

namespace posta::spam {

struct Contribution {
  std::string name;         // "MISSING_DATE", "GTUBE", "BAYES_99"
  double score = 0;
  std::string description;  // one line for X-Spam-Report and `check`
};

struct Analysis {
  std::vector<Contribution> fired;
  enum class Hard { kNone, kVirus, kPolicy, kTempFail } hard = Hard::kNone;
  std::string hard_text;  // why, for the refusal and the log
  // a blocked attachment under the policy action "quarantine", or a DMARC policy of
  // quarantine: delivered as spam (to Junk)
  bool quarantine = false;
  // the virus scan could not be done: why ("clamd unavailable: ..."); refused for now unless
  // control/virustrouble says accept, then delivered with X-Virus-Scan: unscanned (why)
  std::string virus_unscanned;
  double score() const {
    double s = 0;
    for (auto& c : fired) s += c.score;
    return s;
  }
};

}  // namespace posta::spam
