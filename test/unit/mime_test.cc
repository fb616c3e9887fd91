#include <gtest/gtest.h>

#include "imap/structure.h"
#include "mime/address.h"
#include "mime/decode.h"
#include "mime/message.h"

using namespace posta;

TEST(MimeDecode, EncodedWords) {
  EXPECT_EQ(mime::decode_words("=?utf-8?q?H=C3=A9llo?= world"), "H\xC3\xA9llo world");
  EXPECT_EQ(mime::decode_words("=?ISO-8859-1?B?SOlsbG8=?="), "H\xC3\xA9llo");
  EXPECT_EQ(mime::decode_words("=?utf-8?q?a?= =?utf-8?q?b?="), "ab");
  EXPECT_EQ(mime::decode_words("plain =?bogus"), "plain =?bogus");
}

TEST(MimeDecode, QuotedPrintableAndBase64) {
  EXPECT_EQ(mime::qp_decode("caf=C3=A9=\r\n bar"), "caf\xC3\xA9 bar");
  EXPECT_EQ(mime::decode_body("aGVs\r\nbG8=\r\n", "base64", "utf-8"), "hello");
}

TEST(MimeAddress, ListsAndGroups) {
  auto a = mime::parse_addresses("\"Doe, Jo\" <jo@ex.test>, bob@ex.test (Bob), Team: x@y.z;");
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a[0].name, "Doe, Jo");
  EXPECT_EQ(a[0].mailbox, "jo");
  EXPECT_EQ(a[1].host, "ex.test");
  EXPECT_TRUE(a[2].group_start);
  EXPECT_EQ(a[2].mailbox, "Team");
  EXPECT_TRUE(a[4].group_end);
  EXPECT_EQ(a[1].comment, "Bob");  // the name ENVELOPE shows for a bare address
  EXPECT_FALSE(a[1].has_name);
  // a source route, and a nested comment as the name
  std::string got;
  for (auto& r : mime::parse_addresses("<@r1.test,@r2.test:rt@x.test>, y@x.test (a (nested) one)"))
    got += r.comment + "|" + r.route + "|" + r.mailbox + "@" + r.host + ";";
  EXPECT_EQ(got, "|@r1.test,@r2.test|rt@x.test;a (nested) one||y@x.test;");
}

TEST(MimeAddress, StrayCloseParenIsSkipped) {
  std::string got;
  for (auto& a : mime::parse_addresses("Jo) <jo@ex.test>, x@y.z)"))
    got += a.name + "|" + a.mailbox + "@" + a.host + ";";
  EXPECT_EQ(got, "Jo|jo@ex.test;|x@y.z;");
}

namespace {
const char* kNested =
    "From: a@b.test\r\n"
    "Subject: =?utf-8?B?w7xiZXI=?=\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=inner\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "caf=C3=A9\r\n"
    "--inner\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<p>x</p>\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: application/pdf; name=\"r.pdf\"\r\n"
    "Content-Disposition: attachment; filename=\"r.pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0=\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner\r\n"
    "\r\n"
    "inner body\r\n"
    "--outer--\r\n";
}  // namespace

TEST(MimeMessage, NestedStructure) {
  std::string msg = kNested;
  auto root = mime::parse(msg);
  ASSERT_TRUE(root.multipart());
  ASSERT_EQ(root.children.size(), 3u);
  EXPECT_EQ(root.children[0].subtype, "alternative");
  ASSERT_EQ(root.children[0].children.size(), 2u);
  const auto* p11 = mime::find_part(root, {1, 1});
  ASSERT_TRUE(p11);
  EXPECT_EQ(msg.substr(p11->body_start, p11->body_size()), "caf=C3=A9");
  EXPECT_EQ(mime::decode_body(msg.substr(p11->body_start, p11->body_size()), p11->encoding, "utf-8"), "caf\xC3\xA9");
  const auto* p2 = mime::find_part(root, {2});
  EXPECT_EQ(p2->disposition, "attachment");
  const auto* p3 = mime::find_part(root, {3});
  ASSERT_TRUE(p3 && p3->rfc822());
  EXPECT_EQ(mime::find_part(root, {3, 1}), &p3->children[0]);
  EXPECT_EQ(mime::find_part(root, {4}), nullptr);
  EXPECT_EQ(mime::find_part(root, {1, 1, 2}), nullptr);
  std::string bs = imap::body_structure(root, true);
  EXPECT_NE(bs.find("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 9 1"), std::string::npos) << bs;
  EXPECT_NE(bs.find("\"ALTERNATIVE\" (\"BOUNDARY\" \"inner\")"), std::string::npos) << bs;
  EXPECT_NE(bs.find("(\"ATTACHMENT\" (\"FILENAME\" \"r.pdf\"))"), std::string::npos) << bs;
  EXPECT_NE(bs.find("\"MIXED\" (\"BOUNDARY\" \"outer\") NIL NIL NIL)"), std::string::npos) << bs;
}

TEST(MimeMessage, HostileInputStaysBounded) {
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" + std::to_string(i) + "\r\n";
  auto root = mime::parse(deep);
  int depth = 0;
  for (const mime::Part* p = &root; !p->children.empty(); p = &p->children[0]) ++depth;
  EXPECT_LE(depth, 31);
  auto empty = mime::parse("");
  EXPECT_EQ(empty.type, "text");
  auto noblank = mime::parse("Subject: x\r\n");
  EXPECT_EQ(noblank.body_size(), 0u);
}

TEST(MimeMessage, CrlfConversion) {
  EXPECT_EQ(mime::to_crlf("a\nb\r\nc"), "a\r\nb\r\nc");
}

TEST(MimeMessage, EnvelopeDefaultsSenderAndReplyTo) {
  auto h = mime::parse_headers("From: Jo <jo@x.test>\r\nSubject: hi\r\n\r\n");
  std::string e = imap::envelope(h);
  EXPECT_EQ(e, "(NIL \"hi\" ((\"Jo\" NIL \"jo\" \"x.test\")) ((\"Jo\" NIL \"jo\" \"x.test\")) ((\"Jo\" NIL \"jo\" \"x.test\")) NIL NIL NIL NIL NIL)");
}

namespace {
// A multipart with n children, each itself a multipart whose boundary never appears, and
// no closing delimiter anywhere: every child's search for its own boundary must stop at the
// child's end (a search that ran on to the end of the message would be quadratic in n).
std::string unclosed_children(int n) {
  std::string m = "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\npreamble\r\n";
  for (int i = 0; i < n; ++i) {
    m += "--outer\r\nContent-Type: multipart/mixed; boundary=\"inner" + std::to_string(i) +
         "\"\r\n\r\nno delimiter of mine here, only text that looks like one: -inner\r\n";
  }
  return m;
}
}  // namespace

TEST(MimeParse, BoundarySearchStaysInsideItsPart) {
  mime::ParseStats small_stats, big_stats;
  std::string small = unclosed_children(1000), big = unclosed_children(5000);
  auto small_root = mime::parse(small, {}, &small_stats);
  auto big_root = mime::parse(big, {}, &big_stats);
  ASSERT_EQ(small_root.children.size(), 1000u);
  ASSERT_EQ(big_root.children.size(), mime::Limits{}.max_parts - 1);  // the part limit, not the size
  EXPECT_TRUE(big_root.children.back().multipart());
  // Linear: a few passes over the message at most, and the same few for 5x the children.
  EXPECT_LE(big_stats.bytes_scanned, 4 * big.size()) << big_stats.bytes_scanned << " of " << big.size();
  double small_ratio = static_cast<double>(small_stats.bytes_scanned) / small.size();
  double big_ratio = static_cast<double>(big_stats.bytes_scanned) / big.size();
  EXPECT_LT(big_ratio, small_ratio * 1.5) << small_ratio << " vs " << big_ratio;
  EXPECT_EQ(imap::body_structure(big_root, true).substr(0, 2), "((");
}

// Nested as deep as the limit allows, none of them closed: each level searches its own part.
TEST(MimeParse, DeepUnclosedNestingIsBounded) {
  std::string m;
  for (int i = 0; i < 5000; ++i)
    m += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "x\"\r\n\r\n--b" + std::to_string(i) + "x\r\n";
  m += "\r\nleaf\r\n";
  mime::ParseStats stats;
  auto root = mime::parse(m, {}, &stats);
  int depth = 0;
  for (const mime::Part* p = &root; !p->children.empty(); p = &p->children[0]) ++depth;
  EXPECT_EQ(depth, mime::Limits{}.max_depth);
  EXPECT_LE(stats.bytes_scanned, static_cast<size_t>(mime::Limits{}.max_depth + 2) * m.size());
}

TEST(MimeFold, AsciiAndCommonScripts) {
  EXPECT_EQ(mime::fold("J\xC3\x96RG Abc"), "j\xC3\xB6rg abc");                    // JÖRG
  EXPECT_EQ(mime::fold("\xC5\x81\xC3\x93" "D\xC5\xB9"), "\xC5\x82\xC3\xB3" "d\xC5\xBA");  // ŁÓDŹ
  EXPECT_EQ(mime::fold("\xD0\x9C\xD0\x98\xD0\xA0"), "\xD0\xBC\xD0\xB8\xD1\x80");   // МИР
  EXPECT_EQ(mime::fold("\xCE\xA9 \xC3\x97 \xE2\x82\xAC \xFF"), "\xCF\x89 \xC3\x97 \xE2\x82\xAC \xFF");  // Ω × € and a stray byte
}
