#include <gtest/gtest.h>

#include "imap/hibernation.h"

using namespace posta;
using namespace posta::imap;

namespace {

HibernatedSession sample() {
  HibernatedSession s;
  s.tag = "A0042";
  s.env = {"USER=u@example.org", "MAILDIR=/m/u/", "EMPTY="};
  s.idle_end_ms = 123456789;
  s.session_left_ms = 5000;
  s.condstore = s.rev2 = true;
  HibernatedMailbox m;
  m.name = "INBOX";
  m.dir = "/m/u";
  m.uid_validity = 1700000000;
  m.highest_modseq = 77;
  m.new_mtime_ns = 1700000000123456789;
  m.cur_mtime_ns = 0;
  m.uids = uid_runs({1, 2, 3, 5, 9, 10});
  m.recent = uid_runs({9, 10});
  m.keywords_told = {"$Forwarded", "", "Junk"};
  s.mailbox = m;
  return s;
}

std::string encoded(const HibernatedSession& s) {
  auto e = encode_hibernated(s);
  EXPECT_TRUE(e) << (e ? "" : e.error().what);
  return e ? *e : "";
}

}  // namespace

TEST(ImapHibernation, UidRuns) {
  EXPECT_EQ(uid_runs({}), UidRuns{});
  EXPECT_EQ(uid_runs({1, 2, 3, 5, 4294967295u}), (UidRuns{{1, 3}, {5, 5}, {4294967295u, 4294967295u}}));
  EXPECT_EQ(expand_uid_runs({{1, 3}, {7, 7}}), (std::vector<uint32_t>{1, 2, 3, 7}));
  EXPECT_EQ(count_uid_runs({{1, 4294967295u}}), 4294967295ull);
}

TEST(ImapHibernation, RoundTrip) {
  auto s = sample();
  std::string text = encoded(s);
  EXPECT_NE(text.find("uids 1:3,5,9:10\n"), std::string::npos) << text;
  auto p = parse_hibernated(text);
  ASSERT_TRUE(p) << p.error().what;
  EXPECT_EQ(*p, s);
  EXPECT_EQ(encoded(*p), text);

  HibernatedSession bare;  // nothing selected, nothing enabled, no limit, empty folder views
  bare.tag = "x";
  auto q = parse_hibernated(encoded(bare));
  ASSERT_TRUE(q) << q.error().what;
  EXPECT_EQ(*q, bare);
  s.mailbox->uids.clear();
  s.mailbox->recent.clear();
  auto r = parse_hibernated(encoded(s));
  ASSERT_TRUE(r) << r.error().what;
  EXPECT_EQ(*r, s);
}

TEST(ImapHibernation, EncodeRefusesWhatCannotTravel) {
  auto s = sample();
  s.env.push_back("EVIL=a\nend");
  EXPECT_FALSE(encode_hibernated(s));
  s = sample();
  s.env.push_back("NOEQUALS");
  EXPECT_FALSE(encode_hibernated(s));
  s = sample();
  s.tag = "a b";
  EXPECT_FALSE(encode_hibernated(s));
  s = sample();
  s.mailbox->name = std::string("IN\0BOX", 6);
  EXPECT_FALSE(encode_hibernated(s));
  s = sample();
  s.mailbox->dir = "relative";
  EXPECT_FALSE(encode_hibernated(s));
}

TEST(ImapHibernation, ParseRejectsMalformed) {
  std::string good = encoded(sample());
  ASSERT_TRUE(parse_hibernated(good));
  auto replaced = [&](std::string from, std::string to) {
    std::string t = good;
    auto at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return t.replace(at, from.size(), to);
  };
  const std::vector<std::string> bad = {
      "",
      "garbage\n",
      good.substr(0, good.size() - 1),            // no final LF
      good + "x\n",                               // after the end
      replaced("posta-hibernate-state 1", "posta-hibernate-state 2"),
      replaced("tag A0042", "tag A 42"),
      replaced("tag A0042", "tag A+1"),
      replaced("tag A0042\n", ""),                // missing field
      replaced("idle-end 123456789", "idle-end -1"),
      replaced("idle-end 123456789", "idle-end 0123"),
      replaced("idle-end 123456789", "idle-end 99999999999999999999999"),
      replaced("session-left 5000", "session-left"),
      replaced("enabled condstore rev2", "enabled rev2 condstore"),  // not canonical
      replaced("enabled condstore rev2", "enabled condstore condstore"),
      replaced("enabled condstore rev2", "enabled condstore "),
      replaced("enabled condstore rev2", "enabled bogus"),
      replaced("env USER=", "env =USER"),
      replaced("env USER=", "env 1USER="),
      replaced("env USER=u", "env USER u"),
      replaced("env USER=u@example.org", std::string("env USER=u\0x", 12)),
      replaced("env USER=u@example.org", "env USER=u\rx"),
      replaced("dir /m/u", "dir m/u"),
      replaced("read-only 0", "read-only 2"),
      replaced("mtimes 1700000000123456789 0", "mtimes 1700000000123456789"),
      replaced("mtimes 1700000000123456789 0", "mtimes 1700000000123456789 0 0"),
      replaced("mtimes 1700000000123456789 0", "mtimes -1 0"),
      replaced("uidvalidity 1700000000", "uidvalidity 0"),
      replaced("uids 1:3,5,9:10", "uids 3:1,5,9:10"),
      replaced("uids 1:3,5,9:10", "uids 1:3,4,9:10"),      // adjacent: not canonical
      replaced("uids 1:3,5,9:10", "uids 1:3,3:5,9:10"),    // overlapping
      replaced("uids 1:3,5,9:10", "uids 0:3,5,9:10"),
      replaced("uids 1:3,5,9:10", "uids 1:3,5,9:4294967296"),
      replaced("uids 1:3,5,9:10", "uids 1:3,,5"),
      replaced("uids 1:3,5,9:10", "uids 1:3,5,"),
      replaced("uids 1:3,5,9:10", "uids 1:1"),
      replaced("recent 9:10", "recent 11"),               // not in the view
      replaced("keyword Junk", "keyword Ju(nk"),
      replaced("end\n", "end now\n"),
      replaced("mailbox INBOX\n", ""),
  };
  for (const auto& t : bad) EXPECT_FALSE(parse_hibernated(t)) << t;
  std::string many = "posta-hibernate-state 1\ntag a\nidle-end 1\nsession-left none\nenabled\n";
  for (size_t i = 0; i <= kMaxHibernatedEnv; ++i) many += "env A=1\n";
  EXPECT_FALSE(parse_hibernated(many + "end\n"));
  EXPECT_FALSE(parse_hibernated(std::string(kMaxHibernatedState + 1, 'x')));
  std::string longline = "posta-hibernate-state 1\ntag a\nidle-end 1\nsession-left none\nenabled\nenv A=" +
                         std::string(kMaxHibernatedField, 'x') + "\nend\n";
  EXPECT_FALSE(parse_hibernated(longline));
}

TEST(ImapHibernation, FrameHeader) {
  EXPECT_EQ(hibernate_frame_header(120, 1), "posta-hibernate 1 120 1\n");
  auto h = parse_hibernate_frame_header("posta-hibernate 1 120 2");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->first, 120u);
  EXPECT_EQ(h->second, 2);
  for (std::string_view bad : {"", "posta-hibernate 1", "posta-hibernate 1 120", "posta-hibernate 1 0 1",
                               "posta-hibernate 1 120 3", "posta-hibernate 1 120 0", "posta-hibernate 2 120 1",
                               "posta-hibernate 1 99999999 1", "posta-hibernate 1 -5 1", "posta-hibernate 1 12 1 x"})
    EXPECT_FALSE(parse_hibernate_frame_header(bad)) << bad;
}
