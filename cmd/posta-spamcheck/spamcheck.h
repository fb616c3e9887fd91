// posta-spamcheck: the content filter between posta-smtpd and posta-queue (posta-spamcheck(8)).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "scan/clamd.h"
#include "scan/policy.h"
#include "control/control.h"
#include "spam/analysis.h"
#include "spam/bayes.h"
#include "spam/rules.h"
#include "spam/uribl.h"
#include "spam/verdict.h"

namespace posta::spamcheck {

// The user of the learner and of serve in a system-mode instance: the owner of spam/.
inline constexpr const char* kContentUser = "posta-c";

// What the checks of an instance need, loaded once per process.
struct Checks {
  spam::Policy policy;
  spam::RuleSet rules;
  std::shared_ptr<spam::TokenSource> tokens;  // the published token store; null: none yet
  spam::BayesOptions bayes;                   // min_learned from control/spamminlearned
  std::optional<scan::ClamdConfig> clamd;                // control/clamd: virus scanning
  std::optional<scan::AttachmentPolicy> attachments;    // control/attachmentpolicy
  std::optional<spam::UriblConfig> uribl;               // control/uribl: URI blocklists
  std::string trouble;  // why the checks cannot run ("" when they can): a temporary refusal
};

// Reads the policy and the rules of the instance at home; trouble says what failed.
Checks load_checks(const std::string& home);
// control/clamd and control/attachmentpolicy (scanners.cc); trouble says what failed.
void load_scanners(const Control& ctl, Checks& checks);

// Opens the published token store of the instance into c (none: no classifier) and reads
// control/spamminlearned.
void load_classifier(const std::string& home, Checks& c);

// For mail to one recipient: that user's own store (spam/users/<address>/) once it has
// learned enough, instead of the global one.
void use_recipient_store(Checks& c, const std::string& home, std::string_view address);

// The classifier's result for a message; nullopt when there is no store or it failed.
std::optional<spam::BayesResult> classify_message(const Checks& c, std::string_view message);

// The "BAYES_nn" entry of a result; nullopt when too little is learned.
std::optional<spam::Contribution> bayes_contribution(const spam::BayesResult& r);

// Every check over the scanned part of one message (LF or CRLF line ends): contributions and
// hard verdicts; rules_stats gets what the rules cost; cut: message is only the first
// control/spamscanbytes of a longer one. The virus scan, which sees the whole message, is
// added by the caller (spam::add_virus_result).
spam::Analysis analyze(const Checks& checks, std::string_view message, spam::RuleStats* rules_stats = nullptr,
                       bool cut = false);

// Filter mode: message on fd 0, envelope on fd 1, posta-queue's exit protocol.
int run_filter();
// One message through checks, as the filter: fds 0, 1, 6 and POSTA_QUEUE_IDFD as posta-queue
// gets them, the session's facts in the environment; caller_speaks: the caller is posta-smtpd
// (or root, or the instance owner), whose POSTA_AUTH_USER and POSTA_ORIGIN are believed.
// Returns posta-queue's exit code; checks.tokens may become the recipient's own store.
int filter(const std::string& home, Checks& checks, bool caller_speaks);

// `serve`: the resident filter on run/spamcheck.sock (serve.cc).
struct ServeOptions {
  std::string socket;            // -D
  std::string group;             // -G
  std::optional<int> notify_fd;  // -d
  int jobs = 100;                // -c
  int timeout = 5;               // -t: seconds for the frame to arrive
};
int run_serve(const ServeOptions& o);

// `check FILE...`: prints the verdict, score and contributions of each file; verbose adds
// the classifier's most significant tokens.
int run_check(const std::string& home, const std::vector<std::string>& files, bool json, bool trusted, bool verbose);

// `learn`, `unlearn` and `expire`.
struct LearnArgs {
  std::string home, user;           // user: a per-user store ("" the global one)
  std::vector<std::string> paths;   // message files and Maildirs
  bool spam = false, ham = false;   // neither: unlearn
  bool requests = false, loop = false;
  bool expire = false;
  uint32_t min_count = 2, max_idle_days = 90;
};
int run_learn(const LearnArgs& a);

}  // namespace posta::spamcheck
