#include <gtest/gtest.h>

#include <ctime>
#include <fstream>

#include "maildir/maildir.h"
#include "mailsearch/match.h"
#include "mailsearch/query.h"
#include "mailsearch/text.h"
#include "mailstore/header_cache.h"
#include "mailstore/mailbox_index.h"
#include "tmpdir.h"

using namespace posta;
using mailsearch::Query;
using Kind = Query::Kind;

namespace {

Query parse_ok(std::string_view s) {
  auto q = mailsearch::parse_query(s);
  EXPECT_TRUE(q) << s << ": " << (q ? "" : q.error().what);
  return q ? *q : Query{};
}

mailsearch::QueryError parse_bad(std::string_view s) {
  auto q = mailsearch::parse_query(s);
  EXPECT_FALSE(q) << s << " parsed as " << (q ? mailsearch::to_text(*q) : "");
  return q ? mailsearch::QueryError{} : q.error();
}

}  // namespace

TEST(MailsearchQuery, TermsAndPrecedence) {
  auto q = parse_ok("from:alice@x and subject:\"invoice 7\" and since:2026-01-01");
  ASSERT_EQ(q.kind, Kind::kAnd);
  ASSERT_EQ(q.sub.size(), 3u);
  EXPECT_EQ(q.sub[0].kind, Kind::kFrom);
  EXPECT_EQ(q.sub[0].text, "alice@x");
  EXPECT_EQ(q.sub[1].text, "invoice 7");
  EXPECT_EQ(q.sub[2].kind, Kind::kSince);
  EXPECT_EQ(q.sub[2].date, 1767225600);
  // and binds tighter than or; juxtaposition is and
  q = parse_ok("a b or c");
  ASSERT_EQ(q.kind, Kind::kOr);
  EXPECT_EQ(q.sub[0].kind, Kind::kAnd);
  EXPECT_EQ(q.sub[1].kind, Kind::kText);
  q = parse_ok("NOT (to:bob OR cc:bob) -is:seen");
  ASSERT_EQ(q.kind, Kind::kAnd);
  EXPECT_EQ(q.sub[0].kind, Kind::kNot);
  EXPECT_EQ(q.sub[0].sub[0].kind, Kind::kOr);
  EXPECT_EQ(q.sub[1].kind, Kind::kNot);
  EXPECT_EQ(q.sub[1].sub[0].kind, Kind::kFlag);
  EXPECT_EQ(q.sub[1].sub[0].flag, 'S');
}

TEST(MailsearchQuery, FieldsValuesAndCanonicalText) {
  auto q = parse_ok("header:List-Id:posta");
  EXPECT_EQ(q.kind, Kind::kHeader);
  EXPECT_EQ(q.field, "List-Id");
  EXPECT_EQ(q.text, "posta");
  q = parse_ok("larger:1M");
  EXPECT_EQ(q.number, 1u << 20);
  q = parse_ok("message-id:<abc@x.example>");
  EXPECT_EQ(q.kind, Kind::kMessageId);
  EXPECT_EQ(q.text, "<abc@x.example>");
  q = parse_ok("subject:\"say \\\"hi\\\" \\\\ now\"");
  EXPECT_EQ(q.text, "say \"hi\" \\ now");
  EXPECT_EQ(parse_ok("is:UNSEEN").kind, Kind::kNoFlag);
  EXPECT_EQ(parse_ok("all").kind, Kind::kAll);
  EXPECT_EQ(parse_ok("folder:Junk").text, "Junk");
  for (const char* s : {"from:a and (to:b or not cc:\"c d\") and before:2025-12-31 and larger:100",
                        "header:X-Y:\"a b\" or body:and or text:\"or\"", "-is:seen is:flagged smaller:5"}) {
    auto once = parse_ok(s);
    auto text = mailsearch::to_text(once);
    auto twice = parse_ok(text);
    EXPECT_EQ(mailsearch::to_text(twice), text) << s;
  }
}

TEST(MailsearchQuery, ErrorsNamePositions) {
  EXPECT_EQ(parse_bad("").what, "empty query");
  auto e = parse_bad("from:a and");
  EXPECT_EQ(e.position, 10u);
  e = parse_bad("subject:x and (from:a");
  EXPECT_EQ(e.what, "'(' not closed");
  EXPECT_EQ(e.position, 14u);
  e = parse_bad("frm:alice");
  EXPECT_EQ(e.what, "unknown field 'frm'");
  EXPECT_EQ(e.position, 0u);
  e = parse_bad("since:2026-13-01");
  EXPECT_EQ(e.position, 6u);
  parse_bad("since:2026-02-30");
  parse_bad("since:yesterday");
  parse_bad("larger:lots");
  parse_bad("is:purple");
  parse_bad("subject:\"open");
  parse_bad("subject:\"x\"y");
  parse_bad("a )");
  parse_bad("or a");
  parse_bad("a or");
  parse_bad("not");
  parse_bad("()");
  parse_bad("header::x");
  parse_bad("from:");
  EXPECT_EQ(mailsearch::describe(e), "a date YYYY-MM-DD expected at position 7");
  EXPECT_EQ(mailsearch::point_at(e, "since:2026-13-01"), "  since:2026-13-01\n        ^\n");
}

TEST(MailsearchQuery, NestingAndSizeAreBounded) {
  std::string deep(100, '(');
  deep += "a" + std::string(100, ')');
  EXPECT_NE(parse_bad(deep).what.find("nested deeper"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 1000; ++i) nots += "not ";
  parse_bad(nots + "a");
  std::string many;
  for (int i = 0; i < 300; ++i) many += "a ";
  EXPECT_NE(parse_bad(many).what.find("terms"), std::string::npos);
  parse_bad(std::string(10000, 'a'));
  parse_ok(std::string(30, '(') + "a" + std::string(30, ')'));
}

TEST(MailsearchQuery, Need) {
  EXPECT_EQ(mailsearch::need_of(parse_ok("is:seen larger:5 folder:x since:2020-01-01")), mailsearch::Need::kIndex);
  EXPECT_EQ(mailsearch::need_of(parse_ok("from:a or message-id:x")), mailsearch::Need::kHeaders);
  EXPECT_EQ(mailsearch::need_of(parse_ok("header:Subject:x")), mailsearch::Need::kHeaders);
  EXPECT_EQ(mailsearch::need_of(parse_ok("header:X-Mailer:x")), mailsearch::Need::kFull);
  EXPECT_EQ(mailsearch::need_of(parse_ok("from:a and not word")), mailsearch::Need::kFull);
}

TEST(MailsearchText, DatesAndIds) {
  EXPECT_EQ(mailsearch::date_day("Tue, 1 Jul 2003 10:52:37 +0200"), 1057017600);
  EXPECT_EQ(mailsearch::date_day("1 jul 03 10:52 GMT"), 1057017600);
  EXPECT_FALSE(mailsearch::date_day("someday"));
  EXPECT_EQ(mailsearch::bare_message_id(" <a@b> "), "a@b");
  EXPECT_EQ(mailsearch::bare_message_id("a@b"), "a@b");
}

namespace {

struct Folder : test::TempDir {
  Folder() : TempDir("mailsearch-test") { EXPECT_TRUE(maildir::ensure_maildir(path)); }
  void put(const std::string& name, const std::string& body) { std::ofstream(path + "/" + name) << body; }
  // The UIDs of the folder's messages that q matches, in order.
  std::vector<uint32_t> search(const std::string& q, mailstore::HeaderCache* cache = nullptr) {
    auto query = mailsearch::parse_query(q);
    EXPECT_TRUE(query);
    auto ix = mailstore::MailboxIndex::open(path);
    EXPECT_TRUE(ix);
    std::vector<uint32_t> out;
    for (const auto& m : ix->messages()) {
      mailsearch::Candidate c("INBOX", *ix, m, cache);
      if (mailsearch::matches(*query, c)) out.push_back(m.uid);
    }
    return out;
  }
};

}  // namespace

TEST(MailsearchMatch, HeadersBodyFlagsSizes) {
  Folder f;
  f.put("cur/1.a.h:2,S",
        "From: Alice <alice@x.example>\nTo: bob@y.example\nSubject: =?UTF-8?Q?Invoice_=C3=A9t=C3=A9?=\n"
        "Message-ID: <inv-1@x.example>\nDate: Tue, 1 Jul 2003 10:52:37 +0200\nX-Mailer: Frob\n\nPlease pay.\n");
  f.put("new/2.b.h",
        "From: carol@z.example\nCc: Bob <bob@y.example>\nSubject: lunch\nMessage-ID: <l@z.example>\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" "SGVsbG8gd29ybGQsIHBheWVy\n" + std::string(600, ' ') + "\n");
  using V = std::vector<uint32_t>;
  auto uid_of = [&](const char* q) { return f.search(q); };
  V both = uid_of("all");
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(uid_of("from:alice"), V{both[0]});
  EXPECT_EQ(uid_of("from:\"Alice\""), V{both[0]});
  EXPECT_EQ(uid_of("subject:\"invoice été\""), V{both[0]});
  EXPECT_EQ(uid_of("to:bob or cc:bob"), both);
  EXPECT_EQ(uid_of("cc:bob"), V{both[1]});
  EXPECT_EQ(uid_of("message-id:inv-1@x.example"), V{both[0]});
  EXPECT_EQ(uid_of("message-id:<l@z.example>"), V{both[1]});
  EXPECT_EQ(uid_of("message-id:l@z"), V{});
  EXPECT_EQ(uid_of("body:\"hello world\""), V{both[1]});  // base64 decoded
  EXPECT_EQ(uid_of("body:pay"), both);
  EXPECT_EQ(uid_of("text:frob"), V{both[0]});
  EXPECT_EQ(uid_of("body:frob"), V{});
  EXPECT_EQ(uid_of("header:x-mailer:FROB"), V{both[0]});
  EXPECT_EQ(uid_of("is:seen"), V{both[0]});
  EXPECT_EQ(uid_of("not is:seen"), V{both[1]});
  EXPECT_EQ(uid_of("senton:2003-07-01"), V{both[0]});
  EXPECT_EQ(uid_of("sentbefore:2003-07-01"), V{});
  EXPECT_EQ(uid_of("larger:600"), V{both[1]});
  EXPECT_EQ(uid_of("smaller:600"), V{both[0]});
  EXPECT_EQ(uid_of("folder:inbox"), both);
  EXPECT_EQ(uid_of("folder:Sent"), V{});
  time_t today = std::time(nullptr) / 86400 * 86400;
  struct tm tm{};
  gmtime_r(&today, &tm);
  char day[16];
  std::strftime(day, sizeof day, "%Y-%m-%d", &tm);
  EXPECT_EQ(uid_of((std::string("on:") + day).c_str()), both);
  EXPECT_EQ(uid_of((std::string("before:") + day).c_str()), V{});
  EXPECT_EQ(uid_of((std::string("since:") + day).c_str()), both);
}

TEST(MailsearchMatch, HeaderCacheIsFilledAndUsed) {
  Folder f;
  f.put("cur/1.a.h:2,", "From: alice@x.example\nSubject: one\n\nbody\n");
  {
    mailstore::HeaderCache cache(f.path);
    cache.load();
    EXPECT_EQ(f.search("from:alice", &cache).size(), 1u);
    EXPECT_EQ(cache.size(), 1u);
    auto ix = mailstore::MailboxIndex::open(f.path);
    ASSERT_TRUE(ix);
    ASSERT_TRUE(cache.save(*ix));
  }
  // The cache answers now: a changed file is not read for header terms.
  f.put("cur/1.a.h:2,", "From: mallory@x.example\nSubject: one\n\nbody\n");
  mailstore::HeaderCache cache(f.path);
  cache.load();
  EXPECT_EQ(f.search("from:alice", &cache).size(), 1u);
  EXPECT_EQ(f.search("from:mallory").size(), 1u);  // without the cache, from the file
}
