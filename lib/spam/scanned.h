// What the scanners of lib/scan found, as parts of an Analysis (posta-spamcheck(8) "VIRUSES
// AND ATTACHMENTS"): each finding is a zero-score contribution, so that the log, `check` and
// X-Spam-Report name it, and sets the hard verdict or flag decide() acts on.
#pragma once
#include "scan/attachments.h"
#include "scan/clamd.h"
#include "spam/analysis.h"

namespace posta::spam {

// virus: Hard::kVirus, hard_text the signature name (contribution VIRUS); unavailable or
// error: virus_unscanned says why (VIRUS_UNSCANNED); clean: nothing.
void add_virus_result(const scan::ClamdResult& r, Analysis& a);

// Blocked attachments (ATTACHMENT_BLOCKED each): under Action::refuse Hard::kPolicy with
// "blocked attachment WHERE: WHAT" (a virus verdict stays), under Action::quarantine the
// quarantine flag.
void add_attachment_report(const scan::AttachmentReport& r, scan::AttachmentPolicy::Action action, Analysis& a);

}  // namespace posta::spam
