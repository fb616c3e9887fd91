#include <gtest/gtest.h>

#include "queue/normalize.h"

using namespace posta::queue;
using namespace std::string_literals;

namespace {

// The stored form of in, fed in pieces of `step` bytes (0: all at once); "!" + the refusal.
std::string stored(std::string_view in, size_t step = 0) {
  MessageNormalizer n;
  std::string out;
  if (step == 0) step = in.size() ? in.size() : 1;
  for (size_t i = 0; i < in.size(); i += step) n.feed(in.substr(i, step), out);
  n.finish();
  return n.refused() ? "!" + n.refusal() : out;
}

}  // namespace

TEST(QueueNormalize, LineEndsBecomeLf) {
  EXPECT_EQ(stored("a\r\nb\r\n"), "a\nb\n");
  EXPECT_EQ(stored("a\nb\n"), "a\nb\n");
  EXPECT_EQ(stored("a\r\nb\nc"), "a\nb\nc");  // a last line without end stays so
  EXPECT_EQ(stored(""), "");
  EXPECT_EQ(stored("\r\n\r\n"), "\n\n");
}

TEST(QueueNormalize, StoredFormPassesByteForByte) {
  std::string m = "From: a@b\nSubject: caf\xc3\xa9\n\n" + std::string(998, 'x') + "\n.\n..\n\tend\n";
  EXPECT_EQ(stored(m), m);
  for (size_t step : {1, 2, 3, 7, 64, 999}) EXPECT_EQ(stored(m, step), m) << step;
}

TEST(QueueNormalize, BareCrIsRefused) {
  const std::string why = "!5.6.0 Message contains a bare CR (see RFC 5321 2.3.8)";
  EXPECT_EQ(stored("a\rb\n"), why);
  EXPECT_EQ(stored("a\r.\rMAIL FROM:<x@y>\r\n"), why);  // the smuggling shape
  EXPECT_EQ(stored("a\r\r\nb\n"), why);
  EXPECT_EQ(stored("a\r"), why);   // at the very end
  EXPECT_EQ(stored("\r"), why);
  EXPECT_EQ(stored("a\n\r\n\rb\n"), why);
  // split between two feeds: the CR waits for the next byte
  EXPECT_EQ(stored("ab\r\ncd\r\n", 3), "ab\ncd\n");
  EXPECT_EQ(stored("ab\r\ncd\r\n", 1), "ab\ncd\n");
  EXPECT_EQ(stored("ab\rcd\n", 3), why);
  EXPECT_EQ(stored("ab\rcd\n", 1), why);
}

TEST(QueueNormalize, NulIsRefused) {
  EXPECT_EQ(stored("a\0b\n"s), "!5.6.0 Message contains a NUL character");
  EXPECT_EQ(stored("ab\n\0"s, 1), "!5.6.0 Message contains a NUL character");
}

TEST(QueueNormalize, LinesOver998OctetsAreRefused) {
  const std::string why = "!5.6.0 Message contains a line longer than 998 characters";
  std::string ok(998, 'h');
  EXPECT_EQ(stored(ok + "\r\n"), ok + "\n");
  EXPECT_EQ(stored(ok), ok);
  EXPECT_EQ(stored(ok + "h\n"), why);
  EXPECT_EQ(stored(ok + "h"), why);  // the last line too
  EXPECT_EQ(stored("Subject: " + std::string(990, 's') + "\n\nbody\n"), why);  // a header line
  EXPECT_EQ(stored("h\n\n" + ok + "h\r\n", 100), why);                       // across feeds
  for (size_t step : {1, 997, 998, 999}) EXPECT_EQ(stored(ok + "\r\n" + ok + "\n", step), ok + "\n" + ok + "\n") << step;
}

TEST(QueueNormalize, WholeMessageHelper) {
  std::string out, why;
  EXPECT_TRUE(normalize_message("a\r\nb\n", out, why));
  EXPECT_EQ(out, "a\nb\n");
  EXPECT_EQ(why, "");
  EXPECT_FALSE(normalize_message("a\rb\n", out, why));
  EXPECT_EQ(out, "");
  EXPECT_EQ(why, "5.6.0 Message contains a bare CR (see RFC 5321 2.3.8)");
}
