#include <gtest/gtest.h>

#include "sieve/sieve.h"

namespace posta::sieve {
namespace {

const char* kMessage =
    "Return-Path: <alice@example.org>\r\n"
    "Received: from mx.example.org by mail.example.com; Tue, 1 Jul 2003 10:52:37 +0200\r\n"
    "Received: from client by mx.example.org; Tue, 1 Jul 2003 10:50:00 +0200\r\n"
    "From: Alice <alice+lists@Example.org>\r\n"
    "To: bob@example.com, \"Carol\" <carol@example.net>\r\n"
    "Subject: =?UTF-8?B?SGVsbMO2?= world\r\n"
    "Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n"
    "X-Priority: 3\r\n"
    "X-Spam-Flag: YES\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"b\"\r\n"
    "\r\n"
    "--b\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Gr=FC=DFe, the secret word is banana.\r\n"
    "--b\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<p>html part</p>\r\n"
    "--b--\r\n";

Message message() {
  Message m;
  m.raw = kMessage;
  m.envelope_from = "alice+lists@example.org";
  m.envelope_to = "bob+work@example.com";
  return m;
}

// The formatted outcome, or "error: ..." / "compile: ...".
std::string outcome(std::string_view script, const RunOptions& o = {}) {
  auto s = compile(script);
  if (!s) return "compile: " + s.error().what;
  auto r = run(*s, message(), o);
  if (!r) return "error: " + r.error().what;
  return format_outcome(*r);
}

const char* kImplicit = "Implicit keep:\n * store message in folder: INBOX\n";
const char* kNoImplicit = "Implicit keep:\n  (none)\n";

std::string performed(std::string_view actions, bool implicit) {
  return "Performed actions:\n" + std::string(actions.empty() ? "  (none)\n" : actions) + (implicit ? kImplicit : kNoImplicit);
}

bool taken(std::string_view test, std::string_view require = "") {
  std::string script = std::string(require) + "if " + std::string(test) + " { discard; }";
  std::string r = outcome(script);
  EXPECT_EQ(r.find("error"), std::string::npos) << script << "\n" << r;
  EXPECT_EQ(r.find("compile"), std::string::npos) << script << "\n" << r;
  return r.find(" * discard") != std::string::npos;
}

TEST(SieveRun, EmptyScriptKeeps) { EXPECT_EQ(outcome(""), performed("", true)); }

// Conditions against kMessage: {the require command, the test, whether it holds}.
struct TestCase {
  const char* require;
  const char* test;
  bool holds;
};

const TestCase kTests[] = {
    {"", "header :contains \"subject\" \"hellö\"", true},
    {"", "header :is \"Subject\" \"Hellö world\"", true},
    {"", "header :is :comparator \"i;octet\" \"subject\" \"hellö world\"", false},
    {"", "header :matches \"x-spam-flag\" \"Y*\"", true},
    {"", "header :contains [\"x-nothing\", \"x-spam-flag\"] [\"no\", \"yes\"]", true},
    {"", "header :contains \"x-nothing\" \"\"", false},
    {"", "exists [\"From\", \"to\"]", true},
    {"", "exists [\"From\", \"x-nothing\"]", false},
    {"", "size :over 100", true},
    {"", "size :under 100", false},
    {"", "not anyof (false, header :is \"x-priority\" \"1\")", true},
    {"", "allof (true, false)", false},
    {"", "address :domain :is \"from\" \"example.org\"", true},
    {"", "address :localpart :is \"from\" \"alice+lists\"", true},
    {"", "address :all :is \"to\" \"carol@example.net\"", true},
    {"", "address :all :is \"to\" \"Carol\"", false},
    {"require \"subaddress\";", "address :user :is \"from\" \"alice\"", true},
    {"require \"subaddress\";", "address :detail :is \"from\" \"lists\"", true},
    {"require \"subaddress\";", "address :detail :is \"to\" \"\"", false},
    {"require [\"envelope\", \"subaddress\"];", "envelope :detail \"to\" \"work\"", true},
    {"require \"envelope\";", "envelope :domain \"from\" \"example.org\"", true},
    {"require \"body\";", "body :text :contains \"grüße\"", true},
    {"require \"body\";", "body :contains \"banana\"", true},
    {"require \"body\";", "body :content \"text/html\" :contains \"banana\"", false},
    {"require \"body\";", "body :content \"text/html\" :contains \"html part\"", true},
    {"require \"body\";", "body :raw :contains \"Gr=FC\"", true},
    {"require [\"relational\", \"comparator-i;ascii-numeric\"];", "header :value \"lt\" :comparator \"i;ascii-numeric\" \"x-priority\" \"4\"", true},
    {"require [\"relational\", \"comparator-i;ascii-numeric\"];", "header :value \"gt\" :comparator \"i;ascii-numeric\" \"x-priority\" \"20\"", false},
    {"require [\"relational\", \"comparator-i;ascii-numeric\"];", "header :count \"eq\" :comparator \"i;ascii-numeric\" \"received\" \"2\"", true},
    {"require [\"relational\", \"comparator-i;ascii-numeric\"];", "address :count \"ge\" :comparator \"i;ascii-numeric\" \"to\" \"2\"", true},
    {"require [\"relational\", \"comparator-i;ascii-numeric\"];", "header :value \"gt\" \"subject\" \"A\"", true},
    {"require [\"date\", \"index\", \"relational\"];", "date :originalzone \"date\" \"hour\" \"10\"", true},
    {"require [\"date\", \"index\", \"relational\"];", "date :zone \"+0000\" \"date\" \"hour\" \"08\"", true},
    {"require [\"date\", \"index\", \"relational\"];", "date :zone \"+0000\" \"date\" \"iso8601\" \"2003-07-01T08:52:37+00:00\"", true},
    {"require [\"date\", \"index\", \"relational\"];", "date :originalzone \"date\" \"std11\" \"Tue, 01 Jul 2003 10:52:37 +0200\"", true},
    {"require [\"date\", \"index\", \"relational\"];", "date :zone \"+0000\" \"date\" \"weekday\" \"2\"", true},
    {"require [\"date\", \"index\", \"relational\"];", "date :zone \"+0000\" \"date\" \"julian\" \"52821\"", true},
    {"require [\"date\", \"index\", \"relational\"];", "date :zone \"+0000\" :index 2 \"received\" \"time\" \"08:50:00\"", true},
    {"require [\"date\", \"index\", \"relational\"];", "date :zone \"+0000\" :index 1 :last \"received\" \"time\" \"08:50:00\"", true},
    {"require [\"date\", \"index\", \"relational\"];", "date :zone \"+0000\" :index 1 \"received\" \"time\" \"08:50:00\"", false},
    {"require [\"date\", \"index\", \"relational\"];", "currentdate :value \"ge\" \"year\" \"2020\"", true},
    {"require [\"date\", \"index\", \"relational\"];", "header :index 1 :contains \"received\" \"mail.example.com\"", true},
};

TEST(SieveRun, TestsOfEveryKind) {
  for (const auto& c : kTests) EXPECT_EQ(taken(c.test, c.require), c.holds) << c.test;
}

TEST(SieveRun, RegexAndVariables) {
  const char* req = "require [\"regex\", \"variables\", \"fileinto\"];";
  EXPECT_EQ(outcome(std::string(req) +
                    "if address :regex \"from\" \"^([a-z]+)\\\\+([a-z]+)@\" { fileinto \"${2}.${1}\"; }"),
            performed(" * store message in folder: lists.alice\n", false));
  EXPECT_EQ(outcome(std::string(req) + "if header :matches \"to\" \"*@*, *\" { fileinto \"${2}\"; }"),
            performed(" * store message in folder: example.com\n", false));
  EXPECT_EQ(outcome(std::string(req) + "set :upperfirst \"a\" \"box\"; set :length \"n\" \"${a}\"; fileinto \"${a}${n}\";"),
            performed(" * store message in folder: Box3\n", false));
  EXPECT_EQ(outcome(std::string(req) + "set \"x\" \"1\"; if string :is \"${x}\" \"1\" { fileinto \"one\"; }"),
            performed(" * store message in folder: one\n", false));
  EXPECT_EQ(outcome(std::string(req) + "fileinto \"${unknown}x${bad\";"),
            performed(" * store message in folder: x${bad\n", false));
}

TEST(SieveRun, ActionsAndDuplicates) {
  EXPECT_EQ(outcome("require [\"fileinto\", \"copy\"]; fileinto :copy \"A\"; fileinto \"A\"; keep; keep;"),
            performed(" * store message in folder: A\n * store message in folder: INBOX\n", false));
  EXPECT_EQ(outcome("redirect \"a@b.example\"; redirect \"a@b.example\";"),
            performed(" * redirect message to: <a@b.example>\n", false));
  EXPECT_EQ(outcome("require \"copy\"; redirect :copy \"a@b.example\";"),
            performed(" * redirect message to: <a@b.example>\n", true));
  EXPECT_EQ(outcome("discard; stop; keep;"), performed(" * discard\n", false));
  EXPECT_EQ(outcome("require \"reject\"; reject \"no\";"),
            performed(" * reject message with reason: no\n", false));
  EXPECT_EQ(outcome("require [\"reject\", \"fileinto\"]; fileinto \"x\"; reject \"no\";").substr(0, 6), "error:");
  EXPECT_EQ(outcome("require \"vacation\"; vacation \"a\"; vacation \"b\";").substr(0, 6), "error:");
}

TEST(SieveRun, Imap4flags) {
  const char* req = "require [\"imap4flags\", \"fileinto\", \"variables\"];";
  EXPECT_EQ(outcome(std::string(req) + "setflag \"\\\\Seen foo\"; addflag [\"bar\", \"FOO\"]; removeflag \"foo\";"),
            "Performed actions:\n  (none)\nImplicit keep:\n * store message in folder: INBOX\n"
            "        + add IMAP flags: \\seen bar\n");
  EXPECT_EQ(outcome(std::string(req) + "addflag \"x\"; fileinto :flags \"\\\\Flagged\" \"A\"; fileinto \"B\";"),
            performed(" * store message in folder: A\n        + add IMAP flags: \\flagged\n"
                      " * store message in folder: B\n        + add IMAP flags: x\n", false));
  EXPECT_TRUE(taken("hasflag :contains \"flagged\"", "require \"imap4flags\"; addflag \"\\\\Flagged\";"));
  EXPECT_TRUE(taken("hasflag \"v\" \"a\"", "require [\"imap4flags\", \"variables\"]; addflag \"v\" [\"a\", \"b\"];"));
}

TEST(SieveRun, Vacation) {
  EXPECT_EQ(outcome("require \"vacation\"; vacation :days 3 :subject \"s\" :from \"me@example.com\" \"away\";"),
            performed(" * send vacation message:\n    => seconds : 259200\n    => subject : s\n"
                      "    => from    : me@example.com\n    => handle  : awaysme@example.com<NO-MIME>\n", true));
  EXPECT_EQ(outcome("require \"vacation\"; vacation :days 0 :handle \"h\" \"away\";"),
            performed(" * send vacation message:\n    => seconds : 86400\n    => handle  : h\n", true));
}

TEST(SieveRun, LimitsStopHostileScripts) {
  RunOptions o;
  o.limits.max_redirects = 2;
  EXPECT_EQ(outcome("redirect \"a@x.example\"; redirect \"b@x.example\"; redirect \"c@x.example\";", o).substr(0, 6),
            "error:");
  o.limits.max_actions = 3;
  EXPECT_EQ(outcome("require \"fileinto\"; fileinto \"a\"; fileinto \"b\"; fileinto \"c\"; fileinto \"d\";", o)
                .substr(0, 6),
            "error:");
  // exponential regex: bounded by the PCRE2 match limit
  std::string evil = "require \"regex\"; if header :regex \"subject\" \"^(a|a?)+$\" { discard; }";
  Message m = message();
  std::string raw = "Subject: " + std::string(40, 'a') + "b\r\n\r\nx\r\n";
  m.raw = raw;
  auto s = compile(evil);
  ASSERT_TRUE(s);
  auto r = run(*s, m);
  EXPECT_FALSE(r);
  // many large matches: bounded by the step budget
  std::string big = "Subject: x\r\n\r\n" + std::string(1 << 20, 'a') + "\r\n";
  m.raw = big;
  std::string keys = "require \"body\"; if body :raw :matches [";
  for (int i = 0; i < 200; ++i) keys += "\"*a*b*\",";
  keys += "\"x\"] { discard; }";
  s = compile(keys);
  ASSERT_TRUE(s);
  EXPECT_FALSE(run(*s, m));
  // the CPU time limit stops what the step budget would let run on
  RunOptions slow;
  slow.limits.max_steps = UINT64_MAX;
  slow.limits.max_cpu_ms = 1;
  auto stopped = run(*s, m, slow);
  ASSERT_FALSE(stopped);
  EXPECT_NE(stopped.error().what.find("CPU time limit reached (1 ms)"), std::string::npos) << stopped.error().what;
}

TEST(SieveRun, IncludeAndSequence) {
  RunOptions o;
  o.includes.load = [](std::string_view name, bool global) -> Result<std::string> {
    if (name == "spam" && global) return std::string("if header :is \"x-spam-flag\" \"yes\" { discard; stop; }");
    if (name == "loop") return std::string("require \"include\"; include \"loop\";");
    return fail("no such script", ENOENT);
  };
  EXPECT_EQ(outcome("require \"include\"; include :global \"spam\"; keep;", o), performed(" * discard\n", false));
  EXPECT_EQ(outcome("require \"include\"; include :optional \"none\"; keep;", o),
            performed(" * store message in folder: INBOX\n", false));
  EXPECT_EQ(outcome("require \"include\"; include \"none\";", o).substr(0, 6), "error:");
  EXPECT_EQ(outcome("require \"include\"; include \"loop\";", o).substr(0, 6), "error:");

  auto before = compile("require \"imap4flags\"; addflag \"b\";");
  auto user = compile("require \"fileinto\"; fileinto \"U\";");
  auto after = compile("redirect \"archive@example.com\";");
  ASSERT_TRUE(before && user && after);
  auto r = run_sequence({&*before, &*user, &*after}, message());
  ASSERT_TRUE(r);
  EXPECT_EQ(format_outcome(*r), performed(" * store message in folder: U\n        + add IMAP flags: b\n"
                                          " * redirect message to: <archive@example.com>\n", false));
  auto stopper = compile("discard; stop;");
  r = run_sequence({&*stopper, &*user, &*after}, message());
  ASSERT_TRUE(r);
  EXPECT_EQ(format_outcome(*r), performed(" * discard\n", false));
}

}  // namespace
}  // namespace posta::sieve
