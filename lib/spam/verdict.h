// From an Analysis to what posta-spamcheck does with the message (posta-spamcheck(8)
// "VERDICTS"): the instance's thresholds, the verdict, the refusal for posta-queue's exit 82
// protocol, and the X-Spam-* header fields it adds after removing the sender's.
#pragma once
#include <string>
#include <string_view>

#include "base/error.h"
#include "control/control.h"
#include "spam/analysis.h"

namespace posta::spam {

struct Policy {
  double spam_score = 5.0;        // control/spamscore: at or above, spam (X-Spam-Flag: YES)
  double reject_score = 15.0;     // control/spamreject: at or above, refused; 0 never
  bool reject_trusted = false;    // control/spamcheckauth "reject": also authenticated/local mail
  bool accept_on_trouble = false; // control/spamtrouble "accept": unscanned mail passes, marked
  bool accept_virus_trouble = false; // control/virustrouble "accept": mail clamd did not scan passes, marked
  size_t scan_bytes = 10 << 20;   // control/spamscanbytes: the part of a message the checks see
};

// The policy of an instance; a malformed control file is an error (the caller refuses for
// now rather than guess).
[[nodiscard]] Result<Policy> read_policy(const Control& ctl);

enum class Verdict { kHam, kSpam, kReject, kVirus, kPolicy, kQuarantine, kTrouble };
// "ham", "spam", "reject", "virus", "policy", "quarantine", "trouble"
std::string_view verdict_name(Verdict v);

struct Decision {
  Verdict verdict = Verdict::kHam;
  // 'D' (permanent) or 'Z' (temporary) and "5.7.1 text": posta-queue's exit 82 text on fd 6;
  // empty when the message goes on to the queue
  std::string refusal;
  bool flag = false;  // X-Spam-Flag: YES
};

// trusted: authenticated submission or local injection, refused as spam only with
// reject_trusted; viruses and blocked attachments are refused for everyone.
Decision decide(const Analysis& a, const Policy& p, bool trusted);

// A score as the headers and the log show it: one decimal ("7.3", "-0.5").
std::string format_score(double score);

// X-Spam-Flag (spam only), X-Spam-Score, X-Spam-Status and X-Spam-Report, and
// X-Virus-Scan when the virus scan was not done; LF line ends, each line at most 998 bytes.
std::string spam_header_fields(const Analysis& a, const Policy& p, const Decision& d);

// The length of the header block of an LF message, its blank line included; npos when the
// block does not end within message.
size_t header_block_length(std::string_view message);

// The header block without its X-Spam-* and X-Virus-Scan fields (continuation lines included).
std::string strip_spam_fields(std::string_view header_block);

// The header block of a message (through its blank line; a message without one is all
// header) without its X-Spam-* and X-Virus-Scan fields and with fields added at its end, as SpamAssassin
// places them: the trace fields at the top stay together.
std::string rewrite_header_block(std::string_view block, std::string_view fields);

}  // namespace posta::spam
