// Unit tests of lib/mime mbox: separators, escaped From lines, line ends, long lines and the
// per-message cut.
#include <gtest/gtest.h>
#include <fcntl.h>

#include <fstream>
#include <vector>

#include "mime/mbox.h"
#include "mime/mbox_status.h"
#include "mime/mbox_write.h"
#include "tmpdir.h"

namespace posta::mime {
namespace {

std::vector<std::string> messages(const std::string& text, size_t max = 1 << 20) {
  test::TempDir dir;
  std::string path = dir.path + "/mbox";
  std::ofstream(path, std::ios::binary) << text;
  auto fd = open_fd(path, O_RDONLY);
  EXPECT_TRUE(fd);
  MboxReader r(std::move(*fd), max);
  std::vector<std::string> out;
  for (;;) {
    auto m = r.next();
    EXPECT_TRUE(m);
    if (!m || !*m) break;
    out.push_back(**m);
  }
  return out;
}

TEST(MimeMbox, Detection) {
  EXPECT_TRUE(looks_like_mbox("From alice@example.org Mon Dec  7 10:00:00 2026\n"));
  for (const char* not_mbox : {"From: alice@example.org\n", "Received: from x\n", "From", ""})
    EXPECT_FALSE(looks_like_mbox(not_mbox)) << not_mbox;
}

TEST(MimeMbox, SplitsAndUnescapes) {
  auto m = messages(
      "From a@x Mon Dec  7 10:00:00 2026\n"
      "Subject: one\n\nbody\n>From here\n>>From there\n> From quoted\nFrom mid-paragraph\n\n"
      "From b@x Mon Dec  7 10:01:00 2026\n"
      "Subject: two\n\nsecond\n");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0], "Subject: one\n\nbody\nFrom here\n>From there\n> From quoted\nFrom mid-paragraph\n");
  EXPECT_EQ(m[1], "Subject: two\n\nsecond\n");
}

TEST(MimeMbox, CrlfAndEmptyFiles) {
  auto m = messages("From a@x\r\nSubject: a\r\n\r\nbody\r\n\r\nFrom b@x\r\nSubject: b\r\n\r\nx\r\n");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0], "Subject: a\r\n\r\nbody\r\n");
  EXPECT_EQ(m[1], "Subject: b\r\n\r\nx\r\n");
  EXPECT_TRUE(messages("").empty());
  EXPECT_EQ(messages("From a@x\n").size(), 1u);  // one empty message
}

TEST(MimeMbox, LongLinesAndTheCut) {
  std::string huge(300000, 'y');  // longer than a piece: still one line
  auto m = messages("From " + huge + "\nSubject: a\n\n" + huge + "\n\nFrom b\nSubject: b\n\nFrom" + huge + "\n");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0], "Subject: a\n\n" + huge + "\n");
  EXPECT_EQ(m[1], "Subject: b\n\nFrom" + huge + "\n");
  // a message past the limit is cut; the next one is still found
  m = messages("From a\nSubject: a\n\n" + huge + "\n\nFrom b\nSubject: b\n\nbody\n", 1000);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].size(), 1000u);
  EXPECT_EQ(m[1], "Subject: b\n\nbody\n");
}

TEST(MimeMbox, WriterRoundTrip) {
  std::vector<std::string> written = {
      "From: a@b\nSubject: one\n\nFrom the start\n>From quoted\n>>From deeper\nplain\n",
      "From: c@d\r\nSubject: two\r\n\r\nFrom here\r\n\r\n",
      "Subject: three\n\n\n\nend\n",
  };
  std::string file;
  for (const auto& m : written) file += mbox_entry(m, "a@b", 1700000000);
  EXPECT_TRUE(file.starts_with("From a@b Tue Nov 14 22:13:20 2023\n"));
  EXPECT_NE(file.find("\n>From the start\n>>From quoted\n>>>From deeper\n"), std::string::npos);
  EXPECT_TRUE(mbox_entry("x", "two words", 0).starts_with("From MAILER-DAEMON "));
  auto got = messages(file);
  EXPECT_EQ(got, written);
}

TEST(MimeMboxStatus, FlagsOutAndBackIn) {
  std::string m = "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\nStatus: RO\r\n";
  std::string out = with_mbox_status(m, "FRS");
  EXPECT_EQ(out, "From: a@example.org\r\nSubject: hi\r\nStatus: RO\r\nX-Status: AF\r\n\r\nbody\r\nStatus: RO\r\n");
  EXPECT_EQ(take_mbox_status(out), "FRS");
  EXPECT_EQ(out, m);  // the body's "Status:" line is not a field
  std::string unseen = with_mbox_status("Subject: x\n\nb\n", "DT");
  EXPECT_EQ(unseen, "Subject: x\nStatus: O\nX-Status: TD\n\nb\n");
  EXPECT_EQ(take_mbox_status(unseen), "DT");
  EXPECT_EQ(unseen, "Subject: x\n\nb\n");
}

TEST(MimeMboxStatus, ExistingFieldsReplacedAndOddMessages) {
  // fields of another program (folded, any case) are replaced, not doubled
  std::string m = "status: O\nSubject: x\nX-Status: F\n  A\n\nbody\n";
  EXPECT_EQ(with_mbox_status(m, ""), "Subject: x\nStatus: O\n\nbody\n");
  std::string read = m;
  EXPECT_EQ(take_mbox_status(read), "FR");
  EXPECT_EQ(read, "Subject: x\n\nbody\n");
  // no header/body separator: nothing to change
  EXPECT_EQ(with_mbox_status("Subject: x\n", "S"), "Subject: x\n");
  std::string none = "Subject: x";
  EXPECT_EQ(take_mbox_status(none), "");
  EXPECT_EQ(none, "Subject: x");
  // an empty header
  EXPECT_EQ(with_mbox_status("\nbody\n", "S"), "Status: RO\n\nbody\n");
  std::string mutt = "From: b\nStatus: RO\nX-Status: \n\nx\n";
  EXPECT_EQ(take_mbox_status(mutt), "S");
}

TEST(MimeMbox, SeparatorTimes) {
  EXPECT_EQ(mbox_separator_time("From a@b.c Thu Jan  1 00:00:00 2026\n"), 1767225600);
  EXPECT_EQ(mbox_separator_time("From MAILER-DAEMON Fri Feb 13 23:31:30 2009\r\n"), 1234567890);
  EXPECT_EQ(mbox_separator_time("From a@b.c Fri Feb 13 23:31:30 +0100 2009"), 1234567890 - 3600);
  EXPECT_EQ(mbox_separator_time("From a@b.c Fri Feb 13 23:31:30 -0230 2009 remote from x"), 1234567890 + 9000);
  for (const char* bad : {"From a@b.c", "From a@b.c yesterday", "From a@b.c Fri Feb 13 23:31:30", "Subject: x",
                          "From a@b.c Fri Feb 13 23:31:30 1969", "From a@b.c Fri Feb 13 23:31:30 20x9",
                          "From a@b.c Fri Feb 31 25:61:30 2009"})
    EXPECT_EQ(mbox_separator_time(bad), 0) << bad;
}

TEST(MimeMbox, SeparatorOfEachMessage) {
  posta::test::TempDir t;
  std::string path = t.path + "/m";
  std::ofstream(path) << "From a Thu Jan  1 00:00:00 2026\nS: 1\n\nx\n\nFrom b Fri Jan  2 00:00:00 2026\nS: 2\n\ny\n";
  MboxReader r(*open_fd(path, O_RDONLY), 1 << 20);
  auto m = r.next();
  ASSERT_TRUE(m && *m);
  EXPECT_EQ(r.separator(), "From a Thu Jan  1 00:00:00 2026\n");
  m = r.next();
  ASSERT_TRUE(m && *m);
  EXPECT_EQ(**m, "S: 2\n\ny\n");
  EXPECT_EQ(r.separator(), "From b Fri Jan  2 00:00:00 2026\n");
}

}  // namespace
}  // namespace posta::mime
