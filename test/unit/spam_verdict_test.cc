#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

#include "spam/instance_rules.h"
#include "spam/verdict.h"
#include "tmpdir.h"

using namespace posta;
using spam::Analysis;
using spam::Verdict;

namespace {

Analysis scored(std::initializer_list<std::pair<const char*, double>> fired) {
  Analysis a;
  for (auto& [n, s] : fired) a.fired.push_back({n, s, std::string("about ") + n});
  return a;
}

}  // namespace

TEST(SpamVerdict, ThresholdsAndTrustedSenders) {
  spam::Policy p;  // 5 spam, 15 reject
  EXPECT_EQ(spam::decide(scored({{"A", 4.9}}), p, false).verdict, Verdict::kHam);
  auto spam = spam::decide(scored({{"A", 3}, {"B", 2}}), p, false);
  EXPECT_EQ(spam.verdict, Verdict::kSpam);
  EXPECT_TRUE(spam.flag);
  EXPECT_TRUE(spam.refusal.empty());
  auto reject = spam::decide(scored({{"GTUBE", 1000}}), p, false);
  EXPECT_EQ(reject.verdict, Verdict::kReject);
  EXPECT_EQ(reject.refusal, "D5.7.1 Message refused as spam (score 1000.0)");
  // authenticated or local: scored and flagged, not refused, unless the instance says so
  auto trusted = spam::decide(scored({{"GTUBE", 1000}}), p, true);
  EXPECT_EQ(trusted.verdict, Verdict::kReject);
  EXPECT_TRUE(trusted.refusal.empty());
  EXPECT_TRUE(trusted.flag);
  p.reject_trusted = true;
  EXPECT_FALSE(spam::decide(scored({{"GTUBE", 1000}}), p, true).refusal.empty());
  p.reject_score = 0;  // never
  EXPECT_TRUE(spam::decide(scored({{"GTUBE", 1000}}), p, false).refusal.empty());
}

TEST(SpamVerdict, HardVerdictsWinWhateverTheScore) {
  spam::Policy p;
  Analysis v = scored({{"A", -50}});
  v.hard = Analysis::Hard::kVirus;
  v.hard_text = "Eicar-Signature";
  EXPECT_EQ(spam::decide(v, p, true).refusal, "D5.7.1 Message refused: virus found (Eicar-Signature)");
  v.hard = Analysis::Hard::kPolicy;
  v.hard_text = "blocked attachment x.exe";
  EXPECT_EQ(spam::decide(v, p, true).refusal, "D5.7.1 Message refused: blocked attachment x.exe");
  v.hard = Analysis::Hard::kTempFail;
  EXPECT_EQ(spam::decide(v, p, false).refusal, "Z4.7.1 Message not scanned, please try again later");
  p.accept_on_trouble = true;
  auto d = spam::decide(v, p, false);
  EXPECT_EQ(d.verdict, Verdict::kTrouble);
  EXPECT_TRUE(d.refusal.empty());
  EXPECT_EQ(spam::spam_header_fields(v, p, d), "X-Spam-Status: Unscanned, blocked attachment x.exe\n");
}

TEST(SpamVerdict, HeaderFields) {
  spam::Policy p;
  Analysis a = scored({{"SUBJ_ALL_CAPS", 1.5}, {"GTUBE", 1000}});
  auto d = spam::decide(a, p, true);
  EXPECT_EQ(spam::spam_header_fields(a, p, d),
            "X-Spam-Flag: YES\n"
            "X-Spam-Score: 1001.5\n"
            "X-Spam-Status: Yes, score=1001.5 required=5.0\n\ttests=SUBJ_ALL_CAPS,GTUBE\n"
            "X-Spam-Report:\n\t*    1.5 SUBJ_ALL_CAPS about SUBJ_ALL_CAPS\n\t* 1000.0 GTUBE about GTUBE\n");
  Analysis ham;
  EXPECT_EQ(spam::spam_header_fields(ham, p, spam::decide(ham, p, false)),
            "X-Spam-Score: 0.0\nX-Spam-Status: No, score=0.0 required=5.0\n\ttests=none\nX-Spam-Report: none\n");
}

TEST(SpamVerdict, IncomingSpamFieldsAreRemovedOursAddedAtTheEnd) {
  std::string msg = "Received: from x\nX-Spam-Flag: YES\nSubject: hi\nx-spam-report: a\n\tb\n c\nX-Spam: kept\nTo: t\n\nbody\nX-Spam-Flag: YES\n";
  size_t h = spam::header_block_length(msg);
  ASSERT_EQ(msg.substr(h), "body\nX-Spam-Flag: YES\n");
  EXPECT_EQ(spam::rewrite_header_block(msg.substr(0, h), "X-Spam-Score: 0.0\n"),
            "Received: from x\nSubject: hi\nX-Spam: kept\nTo: t\nX-Spam-Score: 0.0\n\n");
  // no blank line: all header; no header at all
  EXPECT_EQ(spam::header_block_length("Subject: x\n"), std::string::npos);
  EXPECT_EQ(spam::rewrite_header_block("Subject: x", "X-Spam-Score: 0.0\n"), "Subject: x\nX-Spam-Score: 0.0\n");
  EXPECT_EQ(spam::header_block_length("\nbody"), 1u);
  EXPECT_EQ(spam::rewrite_header_block("\n", "X-Spam-Score: 0.0\n"), "X-Spam-Score: 0.0\n\n");
}

TEST(SpamVerdict, PolicyFromControlFiles) {
  test::TempDir d;
  ::mkdir((d.path + "/control").c_str(), 0755);
  auto put = [&](const char* name, const char* text) { std::ofstream(d.path + "/control/" + name) << text; };
  auto p = spam::read_policy(Control(d.path));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->spam_score, 5.0);
  EXPECT_EQ(p->reject_score, 15.0);
  EXPECT_FALSE(p->reject_trusted);
  put("spamscore", "# comment\n6.5\n");
  put("spamreject", "0\n");
  put("spamcheckauth", "reject\n");
  put("spamtrouble", "accept\n");
  p = spam::read_policy(Control(d.path));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->spam_score, 6.5);
  EXPECT_EQ(p->reject_score, 0);
  EXPECT_TRUE(p->reject_trusted);
  EXPECT_TRUE(p->accept_on_trouble);
  EXPECT_FALSE(p->accept_virus_trouble);  // control/spamtrouble is not about viruses
  put("virustrouble", "accept\n");
  EXPECT_TRUE(spam::read_policy(Control(d.path))->accept_virus_trouble);
  put("virustrouble", "maybe\n");
  EXPECT_EQ(spam::read_policy(Control(d.path)).error().what, "control/virustrouble: \"refuse\" or \"accept\", not maybe");
  put("virustrouble", "refuse\n");
  put("spamscore", "five\n");
  EXPECT_EQ(spam::read_policy(Control(d.path)).error().what, "control/spamscore: not a score: five");
  put("spamscore", "5\n");
  put("spamcheckauth", "maybe\n");
  EXPECT_FALSE(spam::read_policy(Control(d.path)));
}

TEST(SpamInstanceRules, ShippedReplacedAndLocalFiles) {
  test::TempDir d;
  ::mkdir((d.path + "/control").c_str(), 0755);
  ::mkdir((d.path + "/spam").c_str(), 0755);
  auto put = [&](const std::string& name, const char* text) { std::ofstream(d.path + "/" + name) << text; };
  auto missing = spam::load_instance_rules(d.path);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().what.find(d.path + "/spam/rules"), std::string::npos);
  put("spam/rules", "body A /a/\nbody B /b/\n");
  auto shipped = spam::load_instance_rules(d.path);
  ASSERT_TRUE(shipped);
  EXPECT_EQ(shipped->size(), 2u);
  put("control/spamrules.local", "body C /c/\nscore A 3\n");
  EXPECT_EQ(spam::load_instance_rules(d.path)->size(), 3u);
  put("control/spamrules", "body Z /z/\nscore Z 2\n");
  // replaced: A is gone, so the local file's score line for it is an error naming the line
  auto replaced = spam::load_instance_rules(d.path);
  ASSERT_FALSE(replaced);
  EXPECT_EQ(replaced.error().what, d.path + "/control/spamrules.local:2: score for unknown rule A");
  put("control/spamrules.local", "body C /c/\n");
  EXPECT_EQ(spam::load_instance_rules(d.path)->size(), 2u);
}
