// Virus and attachment findings in an Analysis, and what decide() and the header fields make
// of them (lib/spam/scanned.h, lib/spam/verdict.h).
#include <gtest/gtest.h>

#include "spam/scanned.h"
#include "spam/verdict.h"

using namespace posta;
using spam::Analysis;
using spam::Verdict;
using K = scan::ClamdResult::Kind;
using Action = scan::AttachmentPolicy::Action;

namespace {

scan::AttachmentReport blocked(std::initializer_list<const char*> wheres) {
  scan::AttachmentReport r;
  for (auto* w : wheres) r.findings.push_back({scan::Finding::Why::extension, w, "extension .exe"});
  return r;
}

}  // namespace

TEST(SpamScanned, VirusIsRefusedForEveryone) {
  Analysis a;
  a.fired.push_back({"HAM", -20, ""});
  spam::add_virus_result({K::virus, "Eicar-Test-Signature.UNOFFICIAL"}, a);
  EXPECT_EQ(a.hard, Analysis::Hard::kVirus);
  spam::Policy p;
  p.accept_on_trouble = p.accept_virus_trouble = true;
  auto d = spam::decide(a, p, true);
  EXPECT_EQ(d.verdict, Verdict::kVirus);
  EXPECT_EQ(d.refusal, "D5.7.1 Message refused: virus found (Eicar-Test-Signature.UNOFFICIAL)");
  EXPECT_EQ(a.fired.back().name, "VIRUS");
}

TEST(SpamScanned, CleanAddsNothing) {
  Analysis a;
  spam::add_virus_result({K::clean, ""}, a);
  EXPECT_TRUE(a.fired.empty());
  EXPECT_EQ(a.hard, Analysis::Hard::kNone);
  EXPECT_TRUE(a.virus_unscanned.empty());
}

TEST(SpamScanned, ClamdTroubleIsTemporaryUnlessVirustroubleAccepts) {
  Analysis a;
  spam::add_virus_result({K::unavailable, "connect: Connection refused"}, a);
  EXPECT_EQ(a.virus_unscanned, "clamd unavailable: connect: Connection refused");
  spam::Policy p;
  // control/spamtrouble accept is about the spam checks, not about viruses
  p.accept_on_trouble = true;
  auto d = spam::decide(a, p, false);
  EXPECT_EQ(d.verdict, Verdict::kTrouble);
  EXPECT_EQ(d.refusal, "Z4.7.1 Message not scanned for viruses, please try again later");
  p.accept_virus_trouble = true;
  d = spam::decide(a, p, false);
  EXPECT_EQ(d.verdict, Verdict::kHam);
  EXPECT_TRUE(d.refusal.empty());
  auto fields = spam::spam_header_fields(a, p, d);
  EXPECT_TRUE(fields.ends_with("X-Virus-Scan: unscanned (clamd unavailable: connect: Connection refused)\n")) << fields;
  // both troubles, both accepted: both fields
  a.hard = Analysis::Hard::kTempFail;
  a.hard_text = "rules: broken";
  d = spam::decide(a, p, false);
  EXPECT_EQ(spam::spam_header_fields(a, p, d),
            "X-Spam-Status: Unscanned, rules: broken\n"
            "X-Virus-Scan: unscanned (clamd unavailable: connect: Connection refused)\n");
}

TEST(SpamScanned, BlockedAttachmentRefusedNamingIt) {
  Analysis a;
  spam::add_attachment_report(blocked({"invoice.zip/setup.exe", "b.exe"}), Action::refuse, a);
  EXPECT_EQ(a.hard, Analysis::Hard::kPolicy);
  ASSERT_EQ(a.fired.size(), 2u);
  EXPECT_EQ(a.fired[0].name, "ATTACHMENT_BLOCKED");
  EXPECT_EQ(a.fired[0].description, "invoice.zip/setup.exe: extension .exe");
  EXPECT_EQ(spam::decide(a, spam::Policy{}, true).refusal,
            "D5.7.1 Message refused: blocked attachment invoice.zip/setup.exe: extension .exe (and 1 more)");
  // a virus verdict stays
  Analysis v;
  spam::add_virus_result({K::virus, "X"}, v);
  spam::add_attachment_report(blocked({"a.exe"}), Action::refuse, v);
  EXPECT_EQ(v.hard, Analysis::Hard::kVirus);
  // nothing blocked: nothing added
  Analysis n;
  spam::add_attachment_report({}, Action::refuse, n);
  EXPECT_TRUE(n.fired.empty());
  EXPECT_EQ(n.hard, Analysis::Hard::kNone);
}

TEST(SpamScanned, QuarantinedAttachmentIsDeliveredAsSpamNotRefused) {
  Analysis a;
  spam::add_attachment_report(blocked({"a.exe"}), Action::quarantine, a);
  EXPECT_EQ(a.hard, Analysis::Hard::kNone);
  EXPECT_TRUE(a.quarantine);
  spam::Policy p;
  auto d = spam::decide(a, p, false);
  EXPECT_EQ(d.verdict, Verdict::kQuarantine);
  EXPECT_EQ(spam::verdict_name(d.verdict), "quarantine");
  EXPECT_TRUE(d.flag);
  EXPECT_TRUE(d.refusal.empty());
  auto fields = spam::spam_header_fields(a, p, d);
  EXPECT_TRUE(fields.starts_with("X-Spam-Flag: YES\n")) << fields;
  EXPECT_NE(fields.find("ATTACHMENT_BLOCKED a.exe: extension .exe"), std::string::npos) << fields;
  // a score over the reject threshold still refuses
  a.fired.push_back({"GTUBE", 1000, ""});
  EXPECT_EQ(spam::decide(a, p, false).verdict, Verdict::kReject);
  EXPECT_FALSE(spam::decide(a, p, false).refusal.empty());
}

TEST(SpamScanned, ForgedVirusScanFieldRemoved) {
  EXPECT_EQ(spam::strip_spam_fields("A: 1\nX-Virus-Scan: clean\n\tfolded\nX-Virus-Other: kept\n"),
            "A: 1\nX-Virus-Other: kept\n");
}
