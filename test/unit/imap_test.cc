#include <gtest/gtest.h>

#include "imap/command_reader.h"
#include "imap/parser.h"
#include "imap/writer.h"

using namespace posta::imap;

namespace {
RawCommand raw(std::string text, std::vector<std::string> lits = {}) { return RawCommand{std::move(text), std::move(lits)}; }
}  // namespace

TEST(ImapParser, TagAtomAstringQuotedLiteral) {
  auto c = raw(std::string("a1 LOGIN \"jo \\\"x\\\\\" ") + '\0', {"pa ss"});
  Parser p(c);
  EXPECT_EQ(*p.tag(), "a1");
  ASSERT_TRUE(p.sp());
  EXPECT_EQ(*p.atom(), "LOGIN");
  ASSERT_TRUE(p.sp());
  EXPECT_EQ(*p.astring(), "jo \"x\\");
  ASSERT_TRUE(p.sp());
  EXPECT_EQ(*p.astring(), "pa ss");
  EXPECT_TRUE(p.at_end());
}

TEST(ImapParser, UnterminatedQuotedStringFails) {
  auto c = raw("a LOGIN \"abc");
  Parser p(c);
  p.tag(); p.sp(); p.atom(); p.sp();
  EXPECT_FALSE(p.astring());
  EXPECT_FALSE(p.error().empty());
}

TEST(ImapParser, SequenceSets) {
  for (const char* good : {"1", "1:3,5", "*", "7:*", "4294967294"}) {
    auto c = raw(good);
    Parser p(c);
    EXPECT_TRUE(p.sequence_set()) << good;
  }
  for (const char* bad : {"0", "*:0", "1:99999999999", "1,", ":3", "4294967295", "a"}) {
    auto c = raw(bad);
    Parser p(c);
    auto s = p.sequence_set();
    EXPECT_TRUE(!s || !p.at_end()) << bad;
  }
  auto c = raw("2:4,9:*");
  Parser p(c);
  auto s = p.sequence_set();
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->contains(3, 10));
  EXPECT_FALSE(s->contains(5, 10));
  EXPECT_TRUE(s->contains(10, 10));
}

TEST(ImapParser, FetchAttributesAndSections) {
  auto c = raw("(UID FLAGS BODY.PEEK[1.2.HEADER.FIELDS (From To)]<0.100> BODY[TEXT] BODYSTRUCTURE)");
  Parser p(c);
  auto a = p.fetch_atts();
  ASSERT_TRUE(a) << p.error();
  ASSERT_EQ(a->size(), 5u);
  EXPECT_EQ((*a)[2].kind, FetchAtt::Kind::kSection);
  EXPECT_TRUE((*a)[2].peek);
  EXPECT_EQ((*a)[2].section.part, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ((*a)[2].section.text(), "1.2.HEADER.FIELDS (FROM TO)");
  EXPECT_TRUE((*a)[2].partial);
  EXPECT_EQ((*a)[2].count, 100u);
  auto m = raw("ALL");
  Parser pm(m);
  EXPECT_EQ(pm.fetch_atts()->size(), 4u);
}

TEST(ImapParser, SectionDepthLimit) {
  auto c = raw("BODY[1.2.3.4.5.6.7.8.9.10]");
  Parser p(c);
  EXPECT_FALSE(p.fetch_atts());
  auto z = raw("BODY[0]");
  Parser pz(z);
  EXPECT_FALSE(pz.fetch_atts());
}

TEST(ImapParser, SearchKeysNested) {
  auto c = raw("OR (FROM jo SUBJECT \"a b\") NOT SEEN UID 1:* HEADER X-Foo bar SINCE 1-Feb-2024 LARGER 10");
  Parser p(c);
  auto k = p.search_program();
  ASSERT_TRUE(k) << p.error();
  ASSERT_EQ(k->sub.size(), 5u);
  EXPECT_EQ(k->sub[0].kind, SearchKey::Kind::kOr);
  EXPECT_EQ(k->sub[0].sub[0].kind, SearchKey::Kind::kAnd);
  EXPECT_EQ(k->sub[0].sub[1].kind, SearchKey::Kind::kNot);  // OR (...) NOT SEEN
  ASSERT_EQ(k->sub[1].kind, SearchKey::Kind::kUid);
  EXPECT_EQ(k->sub[1].set.ranges[0].second, kStar);
  EXPECT_EQ(k->sub[2].field, "X-FOO");
  EXPECT_EQ(k->sub[3].kind, SearchKey::Kind::kSince);
  EXPECT_EQ(k->sub[4].number, 10u);
}

TEST(ImapParser, SearchNestingLimit) {
  std::string deep(200, '(');
  deep += "ALL" + std::string(200, ')');
  auto c = raw(deep);
  Parser p(c);
  EXPECT_FALSE(p.search_program());
  std::string nots;
  for (int i = 0; i < 100; ++i) nots += "NOT ";
  auto c2 = raw(nots + "ALL");
  Parser p2(c2);
  EXPECT_FALSE(p2.search_program());
}

TEST(ImapParser, DateTime) {
  auto c = raw("\"01-Jan-2024 10:00:00 +0100\"");
  Parser p(c);
  auto t = p.date_time();
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, 1704099600);
  auto bad = raw("\"32-Foo-2024 10:00:00 +0100\"");
  Parser pb(bad);
  EXPECT_FALSE(pb.date_time());
}

TEST(ImapParser, FlagList) {
  auto c = raw("(\\Seen $Junk \\Deleted)");
  Parser p(c);
  auto f = p.flag_list();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->size(), 3u);
  auto b = raw("(\\Seen");
  Parser pb(b);
  EXPECT_FALSE(pb.flag_list());
}

TEST(ImapReader, TrailingLiteral) {
  size_t n = 0, start = 0;
  bool ns = false;
  EXPECT_TRUE(trailing_literal("a APPEND x {12}", n, ns, start));
  EXPECT_EQ(n, 12u);
  EXPECT_FALSE(ns);
  EXPECT_TRUE(trailing_literal("a APPEND x {12+}", n, ns, start));
  EXPECT_TRUE(ns);
  EXPECT_TRUE(trailing_literal("a APPEND x {99999999999999999999999}", n, ns, start));
  EXPECT_EQ(n, SIZE_MAX);
  EXPECT_FALSE(trailing_literal("a APPEND x {1a}", n, ns, start));
  EXPECT_EQ(guess_tag("abc LOGIN"), "abc");
  EXPECT_EQ(guess_tag("(bad"), "*");
}

TEST(ImapWriter, Quoting) {
  EXPECT_EQ(quote("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(quote("x\r\ny"), "{4}\r\nx\r\ny");
  EXPECT_EQ(nquote("", false), "NIL");
}
