#include <gtest/gtest.h>

#include <chrono>

#include "mime/message.h"
#include "spam/content.h"
#include "spam/rules.h"

using namespace posta;
using spam::Analysis;
using spam::RuleSet;

namespace {

RuleSet load(std::string_view text, spam::RuleLimits limits = {}) {
  RuleSet rs(limits);
  auto st = rs.add(text, "rules");
  EXPECT_TRUE(st) << st.error().what;
  auto fin = rs.finish();
  EXPECT_TRUE(fin) << fin.error().what;
  return rs;
}

std::string load_error(std::string_view text, spam::RuleLimits limits = {}) {
  RuleSet rs(limits);
  auto st = rs.add(text, "rules");
  if (!st) return st.error().what;
  auto fin = rs.finish();
  return fin ? "" : fin.error().what;
}

Analysis run(const RuleSet& rs, std::string_view message, spam::RuleStats* stats = nullptr) {
  Analysis a;
  rs.evaluate(spam::extract_content(mime::to_crlf(message)), a, stats);
  return a;
}

std::vector<std::string> names(const Analysis& a) {
  std::vector<std::string> n;
  for (auto& c : a.fired) n.push_back(c.name);
  return n;
}

const char* kPlain =
    "From: Alice <alice@example.test>\n"
    "To: bob@example.test\n"
    "Subject: FREE MONEY NOW\n"
    "\n"
    "Visit http://bit.ly/abc now!\n";

}  // namespace

TEST(SpamRules, HeaderBodyUriAndScores) {
  auto rs = load(
      "# comment\n"
      "header SUBJ_CAPS Subject =~ /^[A-Z !]+$/\n"
      "score SUBJ_CAPS 2.5\n"
      "describe SUBJ_CAPS Subject is all capitals\n"
      "body MONEY /free money/i\n"
      "uri SHORTENER m{^https?://(bit\\.ly|tinyurl\\.com)/}i\n"
      "score SHORTENER 0.7\n"
      "header NO_MATCH From =~ /nobody/\n");
  auto a = run(rs, kPlain);
  EXPECT_EQ(names(a), (std::vector<std::string>{"SUBJ_CAPS", "MONEY", "SHORTENER"}));
  EXPECT_DOUBLE_EQ(a.score(), 2.5 + 1.0 + 0.7);
  EXPECT_EQ(a.fired[0].description, "Subject is all capitals");
}

TEST(SpamRules, ExistsNegationRawAndAll) {
  auto rs = load(
      "header __HAS_DATE exists:Date\n"
      "meta MISSING_DATE !__HAS_DATE\n"
      "header FROM_NOT_EXAMPLE From !~ /example\\.test/\n"
      "header SUBJ_ENCODED Subject:raw =~ /=\\?utf-8\\?/i\n"
      "header SUBJ_DECODED Subject =~ /\\x{fc}ber/\n"
      "header ALL_TO ALL =~ /^To: bob/m\n"
      "header HTML_ONLY :types =~ /^text\\/html$/\n");
  auto a = run(rs, "From: x@example.test\nTo: bob@example.test\nSubject: =?utf-8?B?w7xiZXI=?=\n"
                   "Content-Type: text/html\n\n<p>hi</p>\n");
  EXPECT_EQ(names(a), (std::vector<std::string>{"MISSING_DATE", "SUBJ_ENCODED", "SUBJ_DECODED", "ALL_TO", "HTML_ONLY"}));
}

TEST(SpamRules, MetaExpressions) {
  auto rs = load(
      "body __A /alpha/\n"
      "body __B /beta/\n"
      "body __C /gamma/\n"
      "meta AB __A && __B\n"
      "meta NOT_C_OR_AB (!__C || AB) && !(__A && __C)\n"
      "meta CHAIN AB && NOT_C_OR_AB\n");
  EXPECT_EQ(names(run(rs, "Subject: x\n\nalpha beta\n")), (std::vector<std::string>{"AB", "NOT_C_OR_AB", "CHAIN"}));
  EXPECT_EQ(names(run(rs, "Subject: x\n\nalpha gamma\n")), std::vector<std::string>{});
}

TEST(SpamRules, GtubeAlwaysFires) {
  auto rs = load("score GTUBE_LOOKALIKE 1\nbody GTUBE_LOOKALIKE /nothing/\n");
  auto a = run(rs, std::string("Subject: test\n\n") + std::string(spam::kGtube) + "\n");
  ASSERT_FALSE(a.fired.empty());
  EXPECT_EQ(a.fired[0].name, "GTUBE");
  EXPECT_DOUBLE_EQ(a.score(), spam::kGtubeScore);
  // also with no rules at all, and in a base64 part
  RuleSet empty = load("");
  auto b = run(empty, "Subject: t\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
                      "WEpTKkM0SkRCUUFETjEuTlNCTjMqMklETkVOKkdUVUJFLVNUQU5EQVJELUFOVEktVUJFLVRFU1QtRU1BSUwqQy4zNFg=\n");
  EXPECT_EQ(names(b), std::vector<std::string>{"GTUBE"});
}

TEST(SpamRules, BodySeesDecodedTextAndHtmlAsText) {
  auto rs = load(
      "body QP_WORD /caf\\x{e9} cr\\x{e8}me/\n"
      "body HTML_WORD /click here now/\n"
      "body NO_TAGS /<b>/\n"
      "body NO_SCRIPT /evil/\n"
      "uri HREF /^http:\\/\\/hidden\\.example\\//\n");
  auto a = run(rs,
               "Subject: x\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b\n\n"
               "--b\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n"
               "caf=E9 cr=E8me\n"
               "--b\nContent-Type: text/html\n\n"
               "<p>click <b>here</b> now</p><script>evil()</script><a href=\"http://hidden.example/x\">x</a>\n"
               "--b--\n");
  EXPECT_EQ(names(a), (std::vector<std::string>{"QP_WORD", "HTML_WORD", "HREF"}));
}

TEST(SpamRules, ParseErrorsNameFileAndLine) {
  const std::pair<const char*, const char*> kCases[] = {
      {"body A /x/\nbogus B /y/\n", "rules:2: unknown directive 'bogus' (header, body, uri, meta, score, describe)"},
      {"body A /x/\nbody A /y/\n", "rules:2: rule A defined twice (first at rules:1)"},
      {"body A x\n", "rules:1: expected /pattern/flags"},
      {"body A /x/q\n", "rules:1: unknown pattern flag 'q' (i, m, s, x)"},
      {"body A /x\n", "rules:1: unterminated pattern"},
      {"body A //\n", "rules:1: empty pattern"},
      {"body B-C /x/\n", "rules:1: bad or missing rule name (letters, digits, _; at most 64)"},
      {"header A Subject ~ /x/\n", "rules:1: expected header NAME Field =~ /pattern/ (or !~, exists:Field)"},
      {"header A exists:Date /x/\n", "rules:1: nothing may follow exists:Field"},
      {"meta A\n", "rules:1: empty meta expression"},
      {"meta A B &&\n", "rules:1: meta expression ends early"},
      {"meta A (B\n", "rules:1: missing ')' in meta expression"},
      {"meta A B C\n", "rules:1: unexpected 'C' in meta expression"},
      {"body A /x/\nmeta M A && NOPE\n", "rules:2: meta M uses unknown rule NOPE"},
      {"meta X Y\nmeta Y X\n", "rules:2: meta rules Y and X use each other"},
      {"meta X X\n", "rules:1: meta rules X and X use each other"},
      {"score A 1\n", "rules:1: score for unknown rule A"},
      {"body A /x/\nscore A lots\n", "rules:2: score is not a number: lots"},
      {"body A /x/\nscore A 1e9\n", "rules:2: score out of range (at most 1000)"},
  };
  for (auto& [text, want] : kCases) EXPECT_EQ(load_error(text), want) << text;
  EXPECT_EQ(load_error("\n\nbody A /(/\n").substr(0, 29), "rules:3: bad pattern at offse");
}

TEST(SpamRules, LimitsOnRulesPatternsAndMetas) {
  spam::RuleLimits l;
  l.max_rules = 2;
  l.max_pattern = 8;
  EXPECT_EQ(load_error("body A /a/\nbody B /b/\nbody C /c/\n", l), "rules:3: more than 2 rules");
  EXPECT_EQ(load_error("body A /aaaaaaaaa/\n", l), "rules:1: pattern longer than 8 bytes");
  EXPECT_EQ(load_error("body A /x/\nmeta M " + std::string(40, '(') + "A" + std::string(40, ')') + "\n"),
            "rules:2: meta expression nested too deeply");
  std::string many = "body A /x/\nmeta M A";
  for (int i = 0; i < 100; ++i) many += " && A";
  EXPECT_EQ(load_error(many + "\n"), "rules:2: meta expression has too many terms");
  EXPECT_EQ(load_error("body A /" + std::string(5000, 'x') + "/\n"), "rules:1: line longer than 4096 bytes");
}

TEST(SpamRules, LaterFileReplacesAndRescores) {
  RuleSet rs;
  ASSERT_TRUE(rs.add("body A /alpha/\nscore A 1\n", "base"));
  ASSERT_TRUE(rs.add("body A /beta/\nscore A 3\nbody B /alpha/\n", "local"));
  ASSERT_TRUE(rs.finish());
  auto a = run(rs, "Subject: x\n\nalpha beta\n");
  EXPECT_EQ(names(a), (std::vector<std::string>{"A", "B"}));
  EXPECT_DOUBLE_EQ(a.score(), 4);
}

TEST(SpamRules, CatastrophicPatternIsCutOffByTheMatchLimit) {
  auto rs = load("body EVIL /^(a|aa)+$/\nbody FINE /a{3}/\n");
  spam::RuleStats st;
  auto start = std::chrono::steady_clock::now();
  auto a = run(rs, "Subject: x\n\n" + std::string(20000, 'a') + "!\n", &st);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(names(a), std::vector<std::string>{"FINE"});
  EXPECT_GE(st.limit_hits, 1u);
  EXPECT_LT(ms, 2000);
}

TEST(SpamRules, InvalidUtf8IsMatchedNotRejected) {
  auto rs = load("header BIN Subject:raw =~ /^caf/\nbody BODY /\\xff?end/\n");
  auto a = run(rs, "Subject: caf\xe9x\n\n\xff\xfe end\n");
  EXPECT_EQ(names(a), (std::vector<std::string>{"BIN", "BODY"}));
}

TEST(SpamContent, UrisFromTextAndHtml) {
  std::vector<std::string> u;
  spam::find_uris("see http://a.example/x, and (https://b.example/y). www.c.example xhttp://no", u);
  EXPECT_EQ(u, (std::vector<std::string>{"http://a.example/x", "https://b.example/y", "www.c.example"}));
  std::vector<std::string> links;
  EXPECT_EQ(spam::html_to_text("a&amp;b<br>c&#65;<style>x</style><A HREF='http://d.example/'>d</a>", &links), "a&b\ncAd");
  EXPECT_EQ(links, std::vector<std::string>{"http://d.example/"});
}

TEST(SpamContent, LimitsBoundTextAndParts) {
  spam::ContentLimits l;
  l.max_part_text = 100;
  l.max_total_text = 150;
  std::string msg = "Subject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 10000; ++i) msg += "--b\r\nContent-Type: text/plain\r\n\r\n" + std::string(200, 'x') + "\r\n";
  msg += "--b--\r\n";
  auto c = spam::extract_content(msg, l);
  EXPECT_TRUE(c.truncated);
  size_t total = 0;
  for (auto& t : c.texts) total += t.size();
  EXPECT_LE(total, 150u);
  EXPECT_LE(c.text_parts, l.mime.max_parts);
}
