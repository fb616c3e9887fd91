// posta-spamcheck: the content filter between posta-smtpd and posta-queue (posta-spamcheck(8)).
#pragma once
#include <string>
#include <string_view>

#include "base/error.h"
#include "scan/clamd.h"
#include "scan/policy.h"
#include "control/control.h"
#include "spam/analysis.h"
#include "spam/rules.h"
#include "spam/verdict.h"

namespace posta::spamcheck {

// What the checks of an instance need, loaded once per process.
struct Checks {
  spam::Policy policy;
  spam::RuleSet rules;
  std::optional<scan::ClamdConfig> clamd;                // control/clamd: virus scanning
  std::optional<scan::AttachmentPolicy> attachments;    // control/attachmentpolicy
  std::string trouble;  // why the checks cannot run ("" when they can): a temporary refusal
};

// Reads the policy and the rules of the instance at home; trouble says what failed.
Checks load_checks(const std::string& home);
// control/clamd and control/attachmentpolicy (scanners.cc); trouble says what failed.
void load_scanners(const Control& ctl, Checks& checks);

// Every check over the scanned part of one message (LF or CRLF line ends): contributions and
// hard verdicts; rules_stats gets what the rules cost; cut: message is only the first
// control/spamscanbytes of a longer one. The virus scan, which sees the whole message, is
// added by the caller (spam::add_virus_result).
spam::Analysis analyze(const Checks& checks, std::string_view message, spam::RuleStats* rules_stats = nullptr,
                       bool cut = false);

// Filter mode: message on fd 0, envelope on fd 1, posta-queue's exit protocol.
int run_filter();

// `check FILE...`: prints the verdict, score and contributions of each file.
int run_check(const std::string& home, const std::vector<std::string>& files, bool json, bool trusted);

}  // namespace posta::spamcheck
