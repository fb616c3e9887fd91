// lib/smtp: command and address parser, body decoder (smuggling), replies.
#include <gtest/gtest.h>
#include <unistd.h>

#include "io/fd.h"
#include "io/line_reader.h"
#include "smtp/address.h"
#include "smtp/body.h"
#include "smtp/command.h"
#include "smtp/reply.h"

using namespace posta;
using namespace posta::smtp;

TEST(SmtpCommand, VerbsAreCaseInsensitive) {
  auto c = parse_command("ehlo client.example");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->verb, Verb::kEhlo);
  EXPECT_EQ(c->name, "EHLO");
  EXPECT_EQ(c->arg, "client.example");
  EXPECT_EQ(parse_command("StartTLS")->verb, Verb::kStartTls);
  EXPECT_EQ(parse_command("DATA  ")->arg, "");
  EXPECT_EQ(parse_command("XYZZY 1")->verb, Verb::kUnknown);
}

TEST(SmtpCommand, RefusesControlCharacters) {
  EXPECT_FALSE(parse_command(std::string("MAIL\0 FROM:<a@b>", 16)));
  EXPECT_FALSE(parse_command("NOOP \x01"));
  EXPECT_FALSE(parse_command("RCPT TO:<a@b>\rDATA"));
  EXPECT_FALSE(parse_command(""));
}

TEST(SmtpPath, MailFromForms) {
  auto a = parse_path_args("FROM:<user@example.org>", "FROM:", false, true);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->path.mailbox.str(), "user@example.org");
  a = parse_path_args("from: <user@example.org> SIZE=100 BODY=8BITMIME", "FROM:", false, true);
  ASSERT_TRUE(a);
  ASSERT_EQ(a->params.size(), 2u);
  EXPECT_EQ(a->params[0].keyword, "SIZE");
  EXPECT_EQ(*a->params[0].value, "100");
  EXPECT_TRUE(a->find("BODY"));
  a = parse_path_args("FROM:<>", "FROM:", false, true);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->path.null);
  EXPECT_FALSE(parse_path_args("TO:<>", "TO:", false, false));
}

TEST(SmtpPath, Malformed) {
  for (const char* s : {"FROM:user@example.org", "FROM:<user@example.org", "FROM<user@example.org>",
                        "FROM:<user@example.org>SIZE=1", "FROM:<user@example.org> SIZE=",
                        "FROM:<user@example.org> SIZE=1 SIZE=2", "FROM:<user@example.org> =1",
                        "FROM:<user@example.org>  SIZE=1", "FROM:<@>", "FROM:<user@>",
                        "FROM:<@example.org>", "FROM:<user@example.org.>", "FROM:<user@.example.org>",
                        "FROM:<user@exa mple.org>", "FROM:<us er@example.org>", "FROM:<a..b@example.org>",
                        "FROM:<.a@example.org>", "FROM:<user@-example.org>", "FROM:<user@[1.2.3]>",
                        "FROM:<user@[999.1.1.1]>", "FROM:<user@[IPv6:zz::1]>", "FROM:<\"unterminated@x>",
                        "FROM:<user@example.org> SIZE=\x01"})
    EXPECT_FALSE(parse_path_args(s, "FROM:", false, true)) << s;
}

TEST(SmtpPath, SourceRouteIsDropped) {
  auto a = parse_path_args("TO:<@relay.example,@other.example:user@target.example>", "TO:", false, false);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->path.had_route);
  EXPECT_EQ(a->path.mailbox.str(), "user@target.example");
  EXPECT_FALSE(parse_path_args("TO:<@relay.example:>", "TO:", false, false));
  EXPECT_FALSE(parse_path_args("TO:<@relay.example,user@x>", "TO:", false, false));
}

TEST(SmtpPath, RelayTricksStayLocalNames) {
  auto a = parse_path_args("TO:<user%remote.example@local.test>", "TO:", false, false);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->path.mailbox.local, "user%remote.example");
  EXPECT_EQ(a->path.mailbox.domain, "local.test");
  a = parse_path_args("TO:<remote.example!user@local.test>", "TO:", false, false);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->path.mailbox.local, "remote.example!user");
  a = parse_path_args("TO:<\"user@remote.example\"@local.test>", "TO:", false, false);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->path.mailbox.local, "user@remote.example");
  EXPECT_EQ(a->path.mailbox.domain, "local.test");
  EXPECT_EQ(a->path.mailbox.str(), "\"user@remote.example\"@local.test");
  EXPECT_FALSE(parse_path_args("TO:<user@remote.example@local.test>", "TO:", false, false));
  EXPECT_FALSE(parse_path_args("TO:<user@local.test.>", "TO:", false, false));
}

TEST(SmtpPath, QuotedLocalParts) {
  auto m = parse_mailbox("\"john doe\"@example.org", false);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->local, "john doe");
  EXPECT_EQ(m->str(), "\"john doe\"@example.org");
  m = parse_mailbox("\"plain\"@example.org", false);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->str(), "plain@example.org");  // needless quotes removed
  m = parse_mailbox("\"a\\\"b\\\\c\"@example.org", false);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->local, "a\"b\\c");
  EXPECT_EQ(m->str(), "\"a\\\"b\\\\c\"@example.org");
  EXPECT_FALSE(parse_mailbox("\"\"@example.org", false));
  EXPECT_FALSE(parse_mailbox("\"a\x01\"@example.org", false));
  EXPECT_FALSE(parse_mailbox("\"a\"b@example.org", false));
  auto p = parse_path("<\"a>b\"@example.org>", false, false);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->mailbox.local, "a>b");
}

TEST(SmtpPath, Utf8NeedsPermission) {
  std::string s = "TO:<j\xc3\xb6rg@example.org>";
  EXPECT_FALSE(parse_path_args(s, "TO:", false, false));
  auto a = parse_path_args(s, "TO:", true, false);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->path.mailbox.utf8);
  EXPECT_FALSE(parse_path_args("TO:<j\xc3@example.org>", "TO:", true, false));      // truncated
  EXPECT_FALSE(parse_path_args("TO:<j\xc0\xafx@example.org>", "TO:", true, false));  // overlong
  EXPECT_FALSE(parse_path_args("TO:<j\xc2\x85x@example.org>", "TO:", true, false));  // C1 NEL
  EXPECT_TRUE(parse_path_args("TO:<user@b\xc3\xbc\x63her.example>", "TO:", true, false));
}

TEST(SmtpPath, LiteralsAndPostmaster) {
  auto m = parse_mailbox("user@[127.0.0.1]", false);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->literal);
  EXPECT_TRUE(parse_mailbox("user@[IPv6:::1]", false));
  m = parse_mailbox("PostMaster", false);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->domain.empty());
  EXPECT_FALSE(parse_mailbox("user", false));
}

TEST(SmtpPath, Lengths) {
  std::string label(63, 'a'), longlabel(64, 'a');
  EXPECT_TRUE(is_domain(label + ".example", false));
  EXPECT_FALSE(is_domain(longlabel + ".example", false));
  std::string local(250, 'x');
  EXPECT_FALSE(parse_path("<" + local + "@example.org>", false, false));  // path > 256
}

TEST(SmtpXtext, RoundTrip) {
  EXPECT_EQ(*xtext_decode("rfc822+3Buser+2Btag@example.org"), "rfc822;user+tag@example.org");
  EXPECT_EQ(xtext_encode("a+b=c d"), "a+2Bb+3Dc+20d");
  EXPECT_EQ(*xtext_decode(xtext_encode("x\x01y")), "x\x01y");
  EXPECT_FALSE(xtext_decode("a+2"));
  EXPECT_FALSE(xtext_decode("a+zz"));
  EXPECT_FALSE(xtext_decode("a+2b"));  // lower-case hex is not xtext
  EXPECT_FALSE(xtext_decode("a=b"));
}

TEST(SmtpBdat, Args) {
  auto b = parse_bdat("1024 LAST");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->size, 1024u);
  EXPECT_TRUE(b->last);
  EXPECT_FALSE(parse_bdat("1024")->last);
  EXPECT_TRUE(parse_bdat("0 last")->last);
  for (const char* s : {"", "-1", "12x", "1 LASTX", "1 LAST junk", "99999999999999999999"})
    EXPECT_FALSE(parse_bdat(s)) << s;
}

TEST(SmtpReply, Format) {
  EXPECT_EQ(format_reply(250, "2.1.0", "Ok"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(format_reply(220, "", "mx ESMTP"), "220 mx ESMTP\r\n");
  EXPECT_EQ(format_reply(550, "5.1.1", "a\nb"), "550-5.1.1 a\r\n550 5.1.1 b\r\n");
  EXPECT_EQ(format_reply(500, "5.5.2", "x\ry"), "500 5.5.2 x?y\r\n");
  EXPECT_EQ(format_reply(334, "", ""), "334 \r\n");
  EXPECT_EQ(format_lines(250, {"mx", "SIZE 10"}), "250-mx\r\n250 SIZE 10\r\n");
}

// Runs a DATA stream through a LineReader and the decoder, like posta-smtpd does.
struct DataRun {
  bool ended = false;
  std::string out;        // what the queue would get
  std::string after;      // the next line after the end (a command)
  BodyFilter body{0, BareLfPolicy::kReject};
};

static DataRun run_data(const std::string& wire, BareLfPolicy policy = BareLfPolicy::kReject,
                        size_t max = 0) {
  DataRun r;
  r.body = BodyFilter(max, policy);
  auto p = Pipe::make();
  EXPECT_TRUE(p);
  EXPECT_TRUE(write_all(p->write.get(), wire));
  p->write.reset();
  LineReader in(p->read.get(), 65536, std::chrono::milliseconds(1000));
  DataDecoder dec;
  for (;;) {
    Line l = in.read_line();
    if (l.status != Line::Status::kOk) return r;
    std::string_view content;
    if (dec.feed(l, content) == DataDecoder::Step::kEnd) break;
    r.body.add_line(content, l.bare_lf, r.out);
  }
  r.ended = true;
  Line next = in.read_line();
  if (next.status == Line::Status::kOk) r.after = next.text;
  return r;
}

TEST(SmtpData, EndAndUnstuffing) {
  auto r = run_data("Subject: x\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n");
  EXPECT_TRUE(r.ended);
  EXPECT_FALSE(r.body.refused());
  EXPECT_EQ(r.out, "Subject: x\n\n.leading dot\n");
  EXPECT_EQ(r.after, "QUIT");
  EXPECT_EQ(r.body.problems().bytes, 10u + 2 + 0 + 2 + 12 + 2);
  EXPECT_TRUE(run_data(".\r\n").ended);  // empty message
}

TEST(SmtpData, SmugglingVariantsNeverEnd) {
  const char* variants[] = {"a\n.\nMAIL FROM:<x@y>\r\n", "a\n.\r\nMAIL FROM:<x@y>\r\n",
                            "a\r\n.\nMAIL FROM:<x@y>\r\n", "a\r.\rMAIL FROM:<x@y>\r\n",
                            "a\r\n.\r.\r\nMAIL FROM:<x@y>\r\n", "a\r\n\r.\r\nMAIL FROM:<x@y>\r\n"};
  for (const char* v : variants) {
    // Each variant is followed by the real end: exactly one message, refused, no command.
    auto r = run_data(std::string(v) + "body\r\n.\r\nNOOP\r\n");
    EXPECT_TRUE(r.ended) << v;
    EXPECT_TRUE(r.body.refused()) << v;
    EXPECT_EQ(r.after, "NOOP") << v;
    EXPECT_EQ(r.body.refusal().code, 554) << v;
  }
}

TEST(SmtpData, BareLfNormalizeStillNeedsCrlfEnd) {
  auto r = run_data("a\nb\n.\nc\r\n.\r\nNOOP\r\n", BareLfPolicy::kNormalize);
  EXPECT_TRUE(r.ended);
  EXPECT_FALSE(r.body.refused());
  EXPECT_EQ(r.out, "a\nb\n\nc\n");  // ".\n" is content (unstuffed), not an end
  EXPECT_EQ(r.after, "NOOP");
  // bare CR is refused under either policy
  EXPECT_TRUE(run_data("a\rb\r\n.\r\n", BareLfPolicy::kNormalize).body.refused());
}

TEST(SmtpData, LimitsAndNul) {
  auto r = run_data(std::string(999, 'x') + "\r\n.\r\n");
  EXPECT_TRUE(r.body.refused());
  EXPECT_EQ(r.body.refusal().code, 554);
  EXPECT_FALSE(run_data(std::string(998, 'x') + "\r\n.\r\n").body.refused());
  r = run_data(std::string("a\0b\r\n.\r\n", 7));
  EXPECT_TRUE(r.body.problems().nul);
  EXPECT_TRUE(r.body.refused());
  r = run_data("0123456789\r\n0123456789\r\n.\r\n", BareLfPolicy::kReject, 20);
  EXPECT_TRUE(r.body.refused());
  EXPECT_EQ(r.body.refusal().code, 552);
  EXPECT_TRUE(r.out.empty());
}

TEST(SmtpChunks, SplitAcrossChunks) {
  BodyFilter body(0, BareLfPolicy::kReject);
  ChunkSplitter split;
  std::string out;
  split.feed("Subject: a\r", body, out);
  split.feed("\n\r\nline.\r\n.no stuffing", body, out);
  split.feed("\r\n", body, out);
  split.finish(body, out);
  EXPECT_FALSE(body.refused());
  EXPECT_EQ(out, "Subject: a\n\nline.\n.no stuffing\n");
  BodyFilter b2(0, BareLfPolicy::kReject);
  ChunkSplitter s2;
  std::string o2;
  s2.feed("a\nb\r\n", b2, o2);
  EXPECT_TRUE(b2.refused());
  BodyFilter b3(0, BareLfPolicy::kReject);
  ChunkSplitter s3;
  std::string o3;
  s3.feed(std::string(5000, 'x'), b3, o3);
  s3.feed("\r\nok\r\n", b3, o3);
  EXPECT_TRUE(b3.problems().long_line);
}
