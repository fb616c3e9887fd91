#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "io/fd.h"
#include "sieve/vacation.h"

namespace posta::sieve {
namespace {

Message msg(const std::string& raw, std::string from = "friend@remote.test") {
  static std::string keep;
  keep = raw;
  Message m;
  m.raw = keep;
  m.envelope_from = std::move(from);
  m.envelope_to = "me@example.com";
  return m;
}

const std::vector<std::string> kOwn = {"me@example.com", "alias@example.com"};
const std::string kHeader = "From: Friend <friend@remote.test>\nTo: Me <me@example.com>\nSubject: lunch?\n"
                            "Message-ID: <a1@remote.test>\n";

TEST(SieveVacation, RepliesToAPersonalMessage) {
  EXPECT_EQ(vacation_refusal(msg(kHeader + "\nbody\n"), kOwn), std::nullopt);
  EXPECT_EQ(vacation_refusal(msg(kHeader + "Auto-Submitted: no\n\nbody\n"), kOwn), std::nullopt);
  EXPECT_EQ(vacation_refusal(msg("To: x@y.test\nCc: ALIAS@example.com\n\nb\n"), kOwn), std::nullopt);
}

TEST(SieveVacation, RefusesWhatRfc3834Forbids) {
  for (const char* h : {"Auto-Submitted: auto-replied\n", "Auto-Submitted: auto-generated\n", "List-Id: <a.b>\n",
                        "List-Unsubscribe: <mailto:x@y>\n", "Precedence: bulk\n", "Precedence: LIST\n",
                        "Precedence: junk\n", "X-Spam-Flag: YES\n"}) {
    EXPECT_NE(vacation_refusal(msg(kHeader + h + "\nbody\n"), kOwn), std::nullopt) << h;
  }
  EXPECT_NE(vacation_refusal(msg(kHeader + "\nb\n", ""), kOwn), std::nullopt);
  for (const char* s : {"MAILER-DAEMON@remote.test", "owner-list@remote.test", "list-request@remote.test",
                        "list-bounces@remote.test", "me@example.com", "Alias@Example.com"}) {
    EXPECT_NE(vacation_refusal(msg(kHeader + "\nb\n", s), kOwn), std::nullopt) << s;
  }
  EXPECT_NE(vacation_refusal(msg("To: other@remote.test\n\nb\n"), kOwn), std::nullopt);
  EXPECT_EQ(vacation_refusal(msg(kHeader + "Precedence: first-class\n\nb\n"), kOwn), std::nullopt);
}

TEST(SieveVacation, OwnAddressesByPredicate) {
  // what the predicate calls own counts for both the sender and the addressed check
  OwnAddress own = [](std::string_view a) { return a.ends_with("@example.com"); };
  EXPECT_EQ(vacation_refusal(msg("To: team@example.com\n\nb\n"), own), std::nullopt);
  EXPECT_NE(vacation_refusal(msg("To: team@example.com\n\nb\n", "boss@example.com"), own), std::nullopt);
  EXPECT_NE(vacation_refusal(msg("To: team@example.org\n\nb\n"), own), std::nullopt);
}

TEST(SieveVacation, ReplyFields) {
  Action a;
  a.kind = Action::kVacation;
  a.reason = "Away until Monday.\r\nAsk Bob.";
  Message m = msg(kHeader + "References: <a0@remote.test>\n\nbody\n");
  auto r = vacation_reply(a, m, "me@example.com", "Mon, 07 Dec 2026 10:00:00 +0000", "<r1@example.com>");
  EXPECT_EQ(r.to, "friend@remote.test");
  EXPECT_EQ(r.from, "me@example.com");
  EXPECT_NE(r.data.find("Subject: Auto: lunch?\n"), std::string::npos) << r.data;
  EXPECT_NE(r.data.find("Auto-Submitted: auto-replied"), std::string::npos);
  EXPECT_NE(r.data.find("In-Reply-To: <a1@remote.test>\n"), std::string::npos);
  EXPECT_NE(r.data.find("References: <a0@remote.test> <a1@remote.test>\n"), std::string::npos);
  EXPECT_NE(r.data.find("\n\nAway until Monday.\nAsk Bob.\n"), std::string::npos);
  EXPECT_EQ(r.data.find('\r'), std::string::npos);

  a.subject = "Out\r\nBcc: victim@x";  // no header injection through :subject
  a.from = "Me <me@example.com>";
  r = vacation_reply(a, m, "me@example.com", "d", "<i>");
  EXPECT_NE(r.data.find("Subject: OutBcc: victim@x\n"), std::string::npos) << r.data;
  EXPECT_NE(r.data.find("From: Me <me@example.com>\n"), std::string::npos);

  a.mime = true;
  a.reason = "Content-Type: text/plain; charset=us-ascii\r\n\r\nAway.\r\n";
  r = vacation_reply(a, m, "me@example.com", "d", "<i>");
  EXPECT_NE(r.data.find("MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\nAway.\n"), std::string::npos)
      << r.data;
}

TEST(SieveVacation, MemoryAnswersOncePerPeriod) {
  char dir[] = "/tmp/sieve-vacation-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/vacation.seen";
  VacationMemory mem(path, 3);
  EXPECT_EQ(mem.claim("a@x.test", "h", 1000, 100), true);
  EXPECT_EQ(mem.claim("A@X.test", "h", 1050, 100), false);
  EXPECT_EQ(mem.claim("a@x.test", "other handle", 1050, 100), true);
  EXPECT_EQ(mem.claim("a@x.test", "h", 1101, 100), true);  // the period is over
  EXPECT_EQ(mem.claim("b@x.test", "h", 1102, 100), true);
  EXPECT_EQ(mem.claim("c@x.test", "h", 1103, 100), true);
  // at most 3 lines kept: the oldest is forgotten
  auto content = read_file(path);
  ASSERT_TRUE(content);
  EXPECT_EQ(std::count(content->begin(), content->end(), '\n'), 3);
  EXPECT_EQ(mem.claim("weird sender\nx", "h\nline", 1104, 100), true);
  EXPECT_EQ(mem.claim("weird sender\nx", "h\nline", 1105, 100), false);
  std::system((std::string("rm -rf ") + dir).c_str());
}

}  // namespace
}  // namespace posta::sieve
