#include <gtest/gtest.h>

#include <filesystem>

#include "base/exitcode.h"
#include "io/fd.h"
#include "queue/journal.h"
#include "queue/writer.h"
#include "queue_inject.h"
#include "tmpdir.h"

using namespace posta;
using namespace posta::queue;
using namespace std::string_literals;

namespace {

JournalConfig config(const std::vector<std::string>& lines) {
  std::vector<std::string> warnings;
  auto cfg = parse_journal(lines, "mx.example.org", warnings);
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  return cfg;
}

Envelope envelope(std::string sender, std::vector<std::string> rcpts, Origin::Kind kind = Origin::Kind::kNetwork) {
  Envelope e;
  e.sender = std::move(sender);
  for (auto& r : rcpts) e.recipients.push_back({r, "", ""});
  e.arrival = 1700000000;
  e.origin = {kind, ""};
  return e;
}

}  // namespace

TEST(Journal, ParsesRulesAndWarnsOnBadLines) {
  std::vector<std::string> warnings;
  auto cfg = parse_journal({"Example.ORG journal@example.org", "* archive outbound", "other.test j@x.test inbound",
                            "bad/domain j@x.test", "example.org", "example.org j@x.test sideways",
                            "example.org j@x.test both extra", "example.org <j@x.test>", "# comment"},
                           "mx.example.org", warnings);
  ASSERT_EQ(cfg.rules.size(), 3u);
  EXPECT_EQ(cfg.rules[0].domain, "example.org");
  EXPECT_EQ(cfg.rules[0].directions, kJournalInbound | kJournalOutbound);
  EXPECT_EQ(cfg.rules[1].domain, "*");
  EXPECT_EQ(cfg.rules[1].address, "archive@mx.example.org");
  EXPECT_EQ(cfg.rules[1].directions, kJournalOutbound);
  EXPECT_EQ(cfg.rules[2].directions, kJournalInbound);
  ASSERT_EQ(warnings.size(), 5u);
  EXPECT_NE(warnings[0].find("bad/domain"), std::string::npos);
  EXPECT_NE(warnings[2].find("sideways"), std::string::npos);
}

TEST(Journal, MatchesInboundOutboundAndDomains) {
  auto cfg = config({"example.org in@example.org inbound", "example.org out@example.org outbound"});
  auto in = journal_targets(cfg, envelope("x@remote.test", {"a@remote.test", "b@Example.Org"}));
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0], (JournalTarget{"in@example.org", kJournalInbound}));
  auto out = journal_targets(cfg, envelope("a@example.org", {"x@remote.test"}, Origin::Kind::kAuthenticated));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (JournalTarget{"out@example.org", kJournalOutbound}));
  EXPECT_TRUE(journal_targets(cfg, envelope("x@remote.test", {"y@other.test"})).empty());
  EXPECT_TRUE(journal_targets(cfg, envelope("", {"y@sub.example.org"})).empty());
}

TEST(Journal, OneReportPerAddressEvenWhenRulesOverlap) {
  auto cfg = config({"example.org j@example.org", "* J@example.org inbound", "other.test k@example.org"});
  auto t = journal_targets(cfg, envelope("a@example.org", {"b@example.org", "c@example.org"}));
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].directions, kJournalInbound | kJournalOutbound);
  EXPECT_EQ(journal_targets(cfg, envelope("a@example.org", {"b@other.test"})).size(), 2u);
}

TEST(Journal, NeverJournalsAgain) {
  auto cfg = config({"* j@example.org"});
  EXPECT_TRUE(journal_targets(cfg, envelope("a@example.org", {"b@example.org"}, Origin::Kind::kForwarded)).empty());
  EXPECT_TRUE(journal_targets(cfg, envelope("", {"b@example.org"}, Origin::Kind::kBounce)).empty());
  EXPECT_EQ(journal_targets(cfg, envelope("a@example.org", {"b@example.org"}, Origin::Kind::kLocal)).size(), 1u);
}

TEST(Journal, ReportListsEveryEnvelopeRecipient) {
  auto cfg = config({"example.org j@example.org"});
  auto env = envelope("s@remote.test", {"to@example.org", "cc@example.org", "bcc@example.org"});
  env.auth_user = "alice";
  JournalFacts facts{"6956A1800A2F3.4242", "Quarterly\tfigures", "127.0.0.9", true};
  auto r = build_journal_report(cfg, {"j@example.org", kJournalInbound}, env, facts);
  for (std::string want : {"From: MAILER-DAEMON@mx.example.org\n", "To: <j@example.org>\n",
                           "Subject: Journal: Quarterly\tfigures\n", "Auto-Submitted: auto-generated\n",
                           "Sender: <s@remote.test>\n", "Recipient: <to@example.org>\n", "Recipient: <cc@example.org>\n",
                           "Recipient: <bcc@example.org>\n", "Direction: inbound\n", "Client-Address: 127.0.0.9\n",
                           "Authenticated-User: alice\n", "Queue-Id: 6956A1800A2F3.4242\n",
                           "Content-Type: message/rfc822\nContent-Transfer-Encoding: 8bit\n"})
    EXPECT_NE(r.head.find(want), std::string::npos) << want;
  EXPECT_TRUE(r.head.ends_with("\n\n"));
  EXPECT_TRUE(r.tail.starts_with("\n--posta-journal-"));
  EXPECT_EQ(r.envelope.sender, "");
  ASSERT_EQ(r.envelope.recipients.size(), 1u);
  EXPECT_EQ(r.envelope.recipients[0].address, "j@example.org");
  EXPECT_EQ(r.envelope.origin.kind, Origin::Kind::kBounce);
  EXPECT_EQ(r.envelope.body, "8BITMIME");
  // the report itself is never journaled
  EXPECT_TRUE(journal_targets(cfg, r.envelope).empty());
}

TEST(Journal, ReportLinesStayShort) {
  auto cfg = config({"* j@example.org"});
  JournalFacts facts{"1.2", std::string(2000, 'x'), "", false};
  auto r = build_journal_report(cfg, {"j@example.org", kJournalOutbound}, envelope("a@b.test", {"c@d.test"}), facts);
  size_t start = 0;
  for (size_t nl; (nl = r.head.find('\n', start)) != std::string::npos; start = nl + 1) EXPECT_LE(nl - start, 998u);
}

TEST(Journal, HeaderSubject) {
  EXPECT_EQ(header_subject("From: a\nSubject: hello\n world\nX: y\n\nSubject: body\n"), "hello world");
  EXPECT_EQ(header_subject("subject:plain\n\n"), "plain");
  EXPECT_EQ(header_subject("From: a\n\nSubject: in the body\n"), "");
  EXPECT_EQ(header_subject(""), "");
}

TEST(JournalWriter, QueuesReportBeforeTheMessageWithTheOriginalInside) {
  posta::test::TempDir tmp("posta-journal-test");
  Spool spool(tmp.path + "/queue");
  ASSERT_TRUE(spool.ensure());
  auto cfg = config({"example.org j@example.org"});
  std::string body = "Subject: secret plans\nTo: a@example.org\n\nline one\n--not a boundary\n", original_id;
  ASSERT_EQ(test::write_through_pipes(spool, body, "Fs@remote.test\0Ta@example.org\0Thidden@example.org\0\0"s,
                                      original_id, &cfg),
            kQueueOk);
  std::vector<std::string> todo;
  for (auto& e : std::filesystem::directory_iterator(spool.dir("todo"))) todo.push_back(e.path().filename());
  ASSERT_EQ(todo.size(), 2u);
  std::string report_id = todo[0] == original_id ? todo[1] : todo[0];
  auto original = read_file(spool.mess(original_id));
  auto report = read_file(spool.mess(report_id));
  ASSERT_TRUE(original && report);
  EXPECT_NE(report->find("Subject: Journal: secret plans\n"), std::string::npos);
  EXPECT_NE(report->find("Recipient: <hidden@example.org>\n"), std::string::npos);
  EXPECT_NE(report->find("\n\n" + *original + "\n--posta-journal-"), std::string::npos);
  auto stored = read_file(spool.todo(report_id));
  ASSERT_TRUE(stored);
  auto renv = parse_stored(*stored);
  ASSERT_TRUE(renv);
  EXPECT_EQ(renv->recipients.at(0).address, "j@example.org");
}

TEST(JournalWriter, NoJournalWithoutAMatch) {
  posta::test::TempDir tmp("posta-journal-test");
  Spool spool(tmp.path + "/queue");
  ASSERT_TRUE(spool.ensure());
  auto cfg = config({"example.org j@example.org"});
  std::string id;
  ASSERT_EQ(test::write_through_pipes(spool, "Subject: x\n\nbody\n", "Fs@remote.test\0Tb@other.test\0\0"s, id, &cfg),
            kQueueOk);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(spool.dir("todo")), {}), 1);
}
