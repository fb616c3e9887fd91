#include <gtest/gtest.h>

#include "imap/command_reader.h"
#include "imap/list_pattern.h"
#include "imap/parser.h"
#include "imap/writer.h"

using namespace posta::imap;

namespace {
// The command a ParserOn reads, a base so that it is built before the Parser.
struct OwnedCommand {
  RawCommand cmd;
};
// A Parser over text (and its literals) that owns what it reads.
struct ParserOn : private OwnedCommand, public Parser {
  explicit ParserOn(std::string text, std::vector<std::string> literals = {})
      : OwnedCommand{{std::move(text), std::move(literals)}}, Parser(cmd) {}
};
}  // namespace

TEST(ImapParser, TagAtomAstringQuotedLiteral) {
  ParserOn p(std::string("a1 LOGIN \"jo \\\"x\\\\\" ") + '\0', {"pa ss"});
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
  ParserOn p("a LOGIN \"abc");
  p.tag(); p.sp(); p.atom(); p.sp();
  EXPECT_FALSE(p.astring());
  EXPECT_FALSE(p.error().empty());
}

TEST(ImapParser, SequenceSets) {
  for (const char* good : {"1", "1:3,5", "*", "7:*", "4294967294", "4294967295", "1:4294967295"}) {
    ParserOn p(good);
    EXPECT_TRUE(p.sequence_set()) << good;
  }
  for (const char* bad : {"0", "*:0", "1:99999999999", "1,", ":3", "4294967296", "a"}) {
    ParserOn p(bad);
    auto s = p.sequence_set();
    EXPECT_TRUE(!s || !p.at_end()) << bad;
  }
  ParserOn p("2:4,9:*");
  auto s = p.sequence_set();
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->contains(3, 10));
  EXPECT_FALSE(s->contains(5, 10));
  EXPECT_TRUE(s->contains(10, 10));
}

TEST(ImapParser, FetchAttributesAndSections) {
  ParserOn p("(UID FLAGS BODY.PEEK[1.2.HEADER.FIELDS (From To)]<0.100> BODY[TEXT] BODYSTRUCTURE)");
  auto a = p.fetch_atts();
  ASSERT_TRUE(a) << p.error();
  ASSERT_EQ(a->size(), 5u);
  EXPECT_EQ((*a)[2].kind, FetchAtt::Kind::kSection);
  EXPECT_TRUE((*a)[2].peek);
  EXPECT_EQ((*a)[2].section.part, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ((*a)[2].section.text(), "1.2.HEADER.FIELDS (FROM TO)");
  EXPECT_TRUE((*a)[2].partial);
  EXPECT_EQ((*a)[2].count, 100u);
  ParserOn pm("ALL");
  EXPECT_EQ(pm.fetch_atts()->size(), 4u);
}

TEST(ImapParser, SectionDepthLimit) {
  ParserOn p("BODY[1.2.3.4.5.6.7.8.9.10]");
  EXPECT_FALSE(p.fetch_atts());
  ParserOn pz("BODY[0]");
  EXPECT_FALSE(pz.fetch_atts());
}

TEST(ImapParser, SearchKeysNested) {
  ParserOn p("OR (FROM jo SUBJECT \"a b\") NOT SEEN UID 1:* HEADER X-Foo bar SINCE 1-Feb-2024 LARGER 10");
  auto k = p.search_program();
  ASSERT_TRUE(k) << p.error();
  ASSERT_EQ(k->sub.size(), 5u);
  EXPECT_EQ(k->sub[0].kind, SearchKey::Kind::kOr);
  EXPECT_EQ(k->sub[0].sub[0].kind, SearchKey::Kind::kAnd);
  EXPECT_EQ(k->sub[0].sub[1].kind, SearchKey::Kind::kNot);  // OR (...) NOT SEEN
  ASSERT_EQ(k->sub[1].kind, SearchKey::Kind::kUid);
  EXPECT_TRUE(k->sub[1].set.has_star());
  EXPECT_EQ(k->sub[1].set.star_from(), 1u);
  EXPECT_EQ(k->sub[2].field, "X-FOO");
  EXPECT_EQ(k->sub[3].kind, SearchKey::Kind::kSince);
  EXPECT_EQ(k->sub[4].number, 10u);
}

TEST(ImapParser, SearchNestingLimit) {
  std::string deep(200, '(');
  deep += "ALL" + std::string(200, ')');
  ParserOn p(deep);
  EXPECT_FALSE(p.search_program());
  std::string nots;
  for (int i = 0; i < 100; ++i) nots += "NOT ";
  ParserOn p2(nots + "ALL");
  EXPECT_FALSE(p2.search_program());
}

TEST(ImapParser, DateTime) {
  ParserOn p("\"01-Jan-2024 10:00:00 +0100\"");
  auto t = p.date_time();
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, 1704099600);
  ParserOn pb("\"32-Foo-2024 10:00:00 +0100\"");
  EXPECT_FALSE(pb.date_time());
}

TEST(ImapParser, FlagList) {
  ParserOn p("(\\Seen $Junk \\Deleted)");
  auto f = p.flag_list();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->size(), 3u);
  ParserOn pb("(\\Seen");
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
  // literal8 (RFC 3516, RFC 6855 APPEND UTF8): the '~' goes with the literal.
  ASSERT_TRUE(trailing_literal("a APPEND x UTF8 (~{12+}", n, ns, start));
  EXPECT_EQ(start, std::string("a APPEND x UTF8 (").size());
  EXPECT_EQ(guess_tag("abc LOGIN"), "abc");
  EXPECT_EQ(guess_tag("(bad"), "*");
}

TEST(ImapWriter, Quoting) {
  EXPECT_EQ(quote("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(quote("x\r\ny"), "{4}\r\nx\r\ny");
  EXPECT_EQ(nquote("", false), "NIL");
}

// ---- sequence sets: normalised into sorted, merged intervals as they are parsed ----

namespace {
std::optional<SequenceSet> parse_set(const std::string& text) {
  ParserOn p(text);
  auto s = p.sequence_set();
  if (s && !p.at_end()) return std::nullopt;
  return s;
}
using Iv = std::vector<SequenceSet::Interval>;
}  // namespace

TEST(ImapSequenceSet, MergesSortsAndResolvesStar) {
  auto s = parse_set("8,5:7,1:2,3,10:*,12:14");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->finite(), (Iv{{1, 3}, {5, 8}, {12, 14}}));  // 1:2 and 3 are adjacent: one range
  EXPECT_TRUE(s->has_star());
  EXPECT_EQ(s->star_from(), 10u);
  EXPECT_EQ(s->resolve(20), (Iv{{1, 3}, {5, 8}, {10, 20}}));
  EXPECT_EQ(s->resolve(6), (Iv{{1, 3}, {5, 6}}));  // 10:* on 6 messages is 6
  EXPECT_EQ(s->resolve(0), Iv{});
  EXPECT_TRUE(s->contains(6, 20));
  EXPECT_FALSE(s->contains(9, 20));
  EXPECT_TRUE(s->contains(15, 20));
  EXPECT_FALSE(s->contains(21, 20));
  EXPECT_TRUE(s->contains(6, 6));  // '*' is the last message, whatever "10:" says
}

TEST(ImapSequenceSet, ReversedAndStarOnlyRanges) {
  auto s = parse_set("9:4,*,*:7");  // 9:4 is 4:9, *:7 is 7:*
  ASSERT_TRUE(s);
  EXPECT_EQ(s->finite(), (Iv{{4, 9}}));
  EXPECT_EQ(s->star_from(), 7u);
  EXPECT_EQ(s->resolve(100), (Iv{{4, 100}}));
  EXPECT_EQ(s->resolve(3), (Iv{{3, 3}}));
  auto star = parse_set("*");
  ASSERT_TRUE(star);
  EXPECT_EQ(star->resolve(50), (Iv{{50, 50}}));
  EXPECT_FALSE(star->contains(49, 50));
  EXPECT_FALSE(star->contains(1, 0));  // an empty folder has no '*'
  auto top = parse_set("4294967294,1:4294967293");
  ASSERT_TRUE(top);
  EXPECT_EQ(top->finite(), (Iv{{1, 4294967294u}}));
  // the highest UID there can be is also the largest max: '*' is that UID (found by
  // imap_sets_fuzz: resolve() took max == 4294967295 for "no star part")
  EXPECT_EQ(star->resolve(4294967295u), (Iv{{4294967295u, 4294967295u}}));
  EXPECT_TRUE(star->contains(4294967295u, 4294967295u));
  auto tail = parse_set("3,4294967290:*");
  ASSERT_TRUE(tail);
  EXPECT_EQ(tail->resolve(4294967295u), (Iv{{3, 3}, {4294967290u, 4294967295u}}));
}

// The full 32-bit range: 4294967295 is a number like any other, not '*'.
TEST(ImapSequenceSet, FullRangeIsNotStar) {
  auto all = parse_set("1:4294967295");
  ASSERT_TRUE(all);
  EXPECT_FALSE(all->has_star());
  EXPECT_EQ(all->finite(), (Iv{{1, 4294967295u}}));
  EXPECT_EQ(all->resolve(7), (Iv{{1, 7}}));
  EXPECT_TRUE(all->contains(4294967295u, 7));
  auto past = parse_set("8:4294967295");  // from UIDNEXT: nothing in a folder whose last UID is 7
  ASSERT_TRUE(past);
  EXPECT_EQ(past->resolve(7), Iv{});
  EXPECT_FALSE(past->contains(7, 7));
  auto top = parse_set("4294967295");
  ASSERT_TRUE(top);
  EXPECT_EQ(top->resolve(7), Iv{});  // unlike "*"
  auto mixed = parse_set("4294967295:*,*:3");
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->resolve(7), (Iv{{3, 7}}));
  EXPECT_FALSE(parse_set("0:5"));
  EXPECT_FALSE(parse_set("4294967296"));
}

// The defect: 15,000 copies of "1:*" were expanded one message at a time before merging.
// Normalised, they are one range, and resolving it is bounded by the folder.
TEST(ImapSequenceSet, RepeatedRangesCollapse) {
  std::string text;
  for (int i = 0; i < 15000; ++i) text += i ? ",1:*" : "1:*";
  auto s = parse_set(text);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->finite().empty());
  EXPECT_EQ(s->resolve(3000), (Iv{{1, 3000}}));
  std::string many;
  for (int i = 0; i < 15000; ++i) many += (i ? "," : "") + std::to_string(1 + i % 3000) + ":" + std::to_string(3000 - i % 3000);
  auto m = parse_set(many);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->finite(), (Iv{{1, 3000}}));
  EXPECT_LE(m->finite().capacity(), 1u);  // what the command text held is given back
}

TEST(ImapSequenceSet, RangeCountCapped) {
  std::string text = "1";
  for (size_t i = 0; i < Parser::kMaxSetRanges; ++i) text += ",1";
  ParserOn p(text);
  EXPECT_FALSE(p.sequence_set());
  EXPECT_EQ(p.error(), "sequence set too long");
}

// contains() and resolve() against the definition, on random sets.
TEST(ImapSequenceSet, AgreesWithTheDefinition) {
  uint32_t seed = 12345;
  auto rnd = [&](uint32_t n) { seed = seed * 1103515245u + 12345u; return (seed >> 8) % n; };
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::pair<uint32_t, uint32_t>> given;
    std::string text;
    int n = 1 + static_cast<int>(rnd(6));
    for (int i = 0; i < n; ++i) {
      uint32_t a = rnd(8) == 0 ? kStar : 1 + rnd(30), b = rnd(3) == 0 ? a : (rnd(8) == 0 ? kStar : 1 + rnd(30));
      given.emplace_back(a, b);
      auto w = [](uint32_t v) { return v == kStar ? std::string("*") : std::to_string(v); };
      text += (i ? "," : "") + w(a) + (a == b ? "" : ":" + w(b));
    }
    auto s = parse_set(text);
    ASSERT_TRUE(s) << text;
    for (uint32_t max = 0; max < 35; max += 1 + rnd(4)) {
      std::vector<uint32_t> expect, got;
      for (uint32_t x = 1; x <= max; ++x) {
        bool in = false;
        for (auto [a, b] : given) {
          uint32_t lo = a == kStar ? max : a, hi = b == kStar ? max : b;
          if (lo > hi) std::swap(lo, hi);
          in = in || (x >= lo && x <= hi);
        }
        if (in) expect.push_back(x);
        EXPECT_EQ(s->contains(x, max), in) << text << " max " << max << " n " << x;
      }
      auto iv = s->resolve(max);
      for (size_t i = 0; i < iv.size(); ++i) {
        if (i) { EXPECT_GT(iv[i].first, iv[i - 1].second + 1) << text; }  // disjoint, not adjacent
        for (uint32_t x = iv[i].first; x <= iv[i].second; ++x) got.push_back(x);
      }
      EXPECT_EQ(got, expect) << text << " max " << max;
    }
  }
}

// ---- LIST patterns ----

namespace {
// The definition, as a table: m[i][j] = pattern[0..i) matches name[0..j).
bool reference_match(std::string_view pat, std::string_view name, char delim) {
  std::vector<std::vector<char>> m(pat.size() + 1, std::vector<char>(name.size() + 1, 0));
  m[0][0] = 1;
  for (size_t i = 1; i <= pat.size(); ++i)
    for (size_t j = 0; j <= name.size(); ++j) {
      char c = pat[i - 1];
      if (c == '*') m[i][j] = m[i - 1][j] || (j > 0 && m[i][j - 1]);
      else if (c == '%') m[i][j] = m[i - 1][j] || (j > 0 && name[j - 1] != delim && m[i][j - 1]);
      else m[i][j] = j > 0 && name[j - 1] == c && m[i - 1][j - 1];
    }
  return m[pat.size()][name.size()];
}

bool list_match(std::string_view pat, std::string_view name) {
  auto p = ListPattern::compile(pat, '.');
  EXPECT_TRUE(p) << pat;
  return p && p->matches(name);
}
}  // namespace

TEST(ImapListPattern, Wildcards) {
  EXPECT_TRUE(list_match("*", "Work.Reports.2024"));
  EXPECT_TRUE(list_match("%", "Work"));
  EXPECT_FALSE(list_match("%", "Work.Reports"));
  EXPECT_TRUE(list_match("Work.%", "Work.Reports"));
  EXPECT_FALSE(list_match("Work.%", "Work.Reports.2024"));
  EXPECT_TRUE(list_match("Work.*", "Work.Reports.2024"));
  EXPECT_TRUE(list_match("%.%.%", "a.b.c"));
  EXPECT_FALSE(list_match("%.%", "a.b.c"));
  EXPECT_TRUE(list_match("*a%b", "x.a.yab"));  // '%' must restart after the last '.'
  EXPECT_FALSE(list_match("*a%b", "x.a.yb"));
  EXPECT_TRUE(list_match("%*%", "a.b"));  // a run with '*' is '*'
  EXPECT_TRUE(list_match("", ""));
  EXPECT_FALSE(list_match("", "a"));
  EXPECT_FALSE(list_match("Work", "work"));  // case-sensitive (INBOX is the caller's)
  EXPECT_TRUE(list_match(std::string(1000, '%') + "x", "x"));
}

// Every pattern over {a, b, ., *, %} up to 5 characters against every name over {a, b, .}
// up to 5: the automaton agrees with the definition.
TEST(ImapListPattern, AgreesWithTheDefinitionExhaustively) {
  auto all = [](std::string_view alphabet, size_t max_len) {
    std::vector<std::string> out{""};
    for (size_t start = 0, len = 1; len <= max_len; ++len) {
      size_t end = out.size();
      for (size_t i = start; i < end; ++i)
        for (char c : alphabet) out.push_back(out[i] + c);
      start = end;
    }
    return out;
  };
  auto patterns = all("ab.*%", 5), names = all("ab.", 5);
  size_t checked = 0;
  for (auto& pat : patterns) {
    auto p = ListPattern::compile(pat, '.');
    ASSERT_TRUE(p);
    for (auto& n : names) {
      ASSERT_EQ(p->matches(n), reference_match(pat, n, '.')) << "pattern '" << pat << "' name '" << n << "'";
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000000u);
}

// Patterns past 64 positions use several words of state: the carries between them.
TEST(ImapListPattern, LongPatternsAgreeWithTheDefinition) {
  uint32_t seed = 99;
  auto rnd = [&](uint32_t n) { seed = seed * 1103515245u + 12345u; return (seed >> 8) % n; };
  for (int round = 0; round < 3000; ++round) {
    std::string pat, name;
    size_t plen = 50 + rnd(200), nlen = rnd(250);
    for (size_t i = 0; i < plen; ++i) pat += "ab.*%"[rnd(rnd(4) == 0 ? 5 : 3)];
    for (size_t i = 0; i < nlen; ++i) name += "ab."[rnd(10) == 0 ? 2 : rnd(2)];
    if (round % 2) name = pat.substr(0, std::min(pat.size(), name.size()));  // near misses
    auto p = ListPattern::compile(pat, '.');
    ASSERT_TRUE(p);
    ASSERT_EQ(p->matches(name), reference_match(pat, name, '.')) << pat << " / " << name;
  }
}

// The defect: "*a*a*a...*b" against a long name backtracked exponentially (minutes of CPU).
TEST(ImapListPattern, HostilePatternsAreOnePass) {
  std::string pat;
  for (int i = 0; i < 200; ++i) pat += "*a%a";
  pat += "*b";
  std::string name(150, 'a');
  auto p = ListPattern::compile(pat, '.');
  ASSERT_TRUE(p);
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(p->matches(name));
  EXPECT_FALSE(p->matches(std::string(5000, 'a')));
  EXPECT_TRUE(p->matches(std::string(700, 'a') + "b"));
}

TEST(ImapListPattern, LengthCapped) {
  EXPECT_TRUE(ListPattern::compile(std::string(ListPattern::kMaxLength, '*'), '.'));
  EXPECT_FALSE(ListPattern::compile(std::string(ListPattern::kMaxLength + 1, 'a'), '.'));
}

namespace {
// Each input, parsed by parse, is refused.
template <typename F>
void expect_refused(std::initializer_list<const char*> inputs, F parse) {
  for (const char* in : inputs) {
    ParserOn p(in);
    EXPECT_FALSE(parse(p)) << in;
  }
}
}  // namespace

TEST(ImapCondstore, FetchStoreModifiersAndModseqs) {
  {
    ParserOn p("(CHANGEDSINCE 12345 VANISHED)");
    auto m = p.fetch_modifiers();
    ASSERT_TRUE(m);
    EXPECT_EQ(*m->changed_since, 12345u);
    EXPECT_TRUE(m->vanished);
    EXPECT_TRUE(p.at_end());
  }
  {
    ParserOn p("(UNCHANGEDSINCE 9223372036854775807)");
    EXPECT_EQ(*p.store_modifiers(), 9223372036854775807ull);
  }
  {
    ParserOn p("(unchangedsince 0)");
    EXPECT_EQ(*p.store_modifiers(), 0u);
  }
  expect_refused({"(CHANGEDSINCE)", "(CHANGEDSINCE x)", "(CHANGEDSINCE 1 CHANGEDSINCE 2)", "(VANISHED)",
                          "(VANISHED CHANGEDSINCE)", "(CHANGEDSINCE 1", "()", "(FOO 1)", "CHANGEDSINCE 1",
                          "(CHANGEDSINCE 9223372036854775808)", "(CHANGEDSINCE 99999999999999999999999)",
                          "(CHANGEDSINCE -1)", "(CHANGEDSINCE 1 VANISHED VANISHED)"},
                 [](Parser& p) { return p.fetch_modifiers().has_value(); });
  expect_refused({"(UNCHANGEDSINCE)", "(UNCHANGEDSINCE 1", "(CHANGEDSINCE 1)", "(UNCHANGEDSINCE x)",
                          "(UNCHANGEDSINCE 18446744073709551616)", "UNCHANGEDSINCE 1"},
                 [](Parser& p) { return p.store_modifiers().has_value(); });
}

TEST(ImapCondstore, SelectParameters) {
  {
    ParserOn p("(CONDSTORE)");
    auto s = p.select_params();
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->condstore);
    EXPECT_FALSE(s->qresync);
  }
  {
    ParserOn p("(QRESYNC (67890007 20050715194045000 41,43:211,214:541))");
    auto s = p.select_params();
    ASSERT_TRUE(s && s->qresync);
    EXPECT_EQ(s->qresync->uid_validity, 67890007u);
    EXPECT_EQ(s->qresync->modseq, 20050715194045000ull);
    ASSERT_TRUE(s->qresync->known_uids);
    EXPECT_TRUE(s->qresync->known_uids->contains(43, 1000));
    EXPECT_FALSE(s->qresync->known_uids->contains(42, 1000));
    EXPECT_FALSE(s->qresync->match_seqs);
    EXPECT_TRUE(p.at_end());
  }
  {
    ParserOn p("(QRESYNC (1 2 1:* (1,3 5,9)) CONDSTORE)");
    auto s = p.select_params();
    ASSERT_TRUE(s && s->qresync && s->qresync->match_seqs && s->qresync->match_uids);
    EXPECT_TRUE(s->condstore);
    EXPECT_TRUE(s->qresync->match_uids->contains(9, 10));
  }
  {
    ParserOn p("(QRESYNC (1 2 (1 5)))");  // seq-match-data without known-uids
    auto s = p.select_params();
    ASSERT_TRUE(s && s->qresync && s->qresync->match_seqs && !s->qresync->known_uids);
  }
  expect_refused({"(QRESYNC)", "(QRESYNC ())", "(QRESYNC (0 1))", "(QRESYNC (1))", "(QRESYNC (x 1))",
                          "(QRESYNC (1 1 1:x))", "(QRESYNC (1 1 1:5 (1:2)))", "(QRESYNC (1 1 1:5 (1:2 1:2))",
                          "(QRESYNC (4294967296 1))", "(QRESYNC (1 9223372036854775808))", "(CONDSTORE",
                          "(FOO)", "()", "(QRESYNC (1 1) QRESYNC (1 1))", "(QRESYNC (1 1 ))", "CONDSTORE"},
                 [](Parser& p) { return p.select_params().has_value(); });
}

TEST(ImapCondstore, SearchModseqFetchModseqAndSetFormat) {
  {
    ParserOn p("MODSEQ \"/flags/\\\\draft\" all 620162338 UNSEEN");
    auto k = p.search_program();
    ASSERT_TRUE(k);
    ASSERT_EQ(k->sub.size(), 2u);
    EXPECT_EQ(k->sub[0].kind, SearchKey::Kind::kModseq);
    EXPECT_EQ(k->sub[0].number, 620162338u);
  }
  expect_refused({"MODSEQ", "MODSEQ x", "MODSEQ \"/flags/\\\\seen\" bogus 1", "MODSEQ \"/flags\" 1",
                          "MODSEQ 9223372036854775808"},
                 [](Parser& p) { return p.search_program().has_value(); });
  ParserOn f("(UID MODSEQ FLAGS)");
  auto atts = f.fetch_atts();
  ASSERT_TRUE(atts);
  EXPECT_EQ((*atts)[1].kind, FetchAtt::Kind::kModseq);
  EXPECT_EQ(format_set(std::vector<uint32_t>{1, 2, 3, 5, 7, 8, 8}), "1:3,5,7:8");
  EXPECT_EQ(format_set(std::vector<uint32_t>{}), "");
  EXPECT_EQ(format_set(std::vector<SequenceSet::Interval>{{1, 4}, {5, 5}, {9, 4294967295u}}), "1:5,9:4294967295");
}

TEST(ImapSearch, ReturnOptionsAndSavedResult) {
  {
    ParserOn p("(MIN max Count ALL SAVE)");
    auto r = p.search_return();
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->min && r->max && r->count && r->all && r->save);
  }
  {
    ParserOn p("()");
    auto r = p.search_return();
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->all && !r->min && !r->save);
  }
  {
    ParserOn p("(SAVE)");
    auto r = p.search_return();
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->save && !r->all);
  }
  expect_refused({"(FOO)", "(MIN", "MIN", "(MIN  MAX)", "(MIN,MAX)", "( MIN)"},
                 [](Parser& p) { return p.search_return().has_value(); });
  ParserOn s("$");
  auto set = s.sequence_set();
  ASSERT_TRUE(set);
  EXPECT_TRUE(set->last_result);
  EXPECT_TRUE(s.at_end());
  ParserOn k("NOT $");
  auto key = k.search_program();
  ASSERT_TRUE(key);
  EXPECT_TRUE(key->sub.empty() ? key->kind == SearchKey::Kind::kNot : key->sub[0].kind == SearchKey::Kind::kNot);
}

TEST(ImapWriter, Utf8Quoting) {
  EXPECT_EQ(quote("Caf\xC3\xA9", true), "\"Caf\xC3\xA9\"");
  EXPECT_EQ(quote("Caf\xC3\xA9"), "{5}\r\nCaf\xC3\xA9");
  EXPECT_EQ(quote("a\r\nb", true), "{4}\r\na\r\nb");
}

TEST(ImapParser, BinaryFetchItems) {
  ParserOn p("(BINARY[1.2] BINARY.PEEK[]<0.10> BINARY.SIZE[3])");
  auto atts = p.fetch_atts();
  ASSERT_TRUE(atts);
  ASSERT_EQ(atts->size(), 3u);
  EXPECT_EQ((*atts)[0].kind, FetchAtt::Kind::kBinary);
  EXPECT_FALSE((*atts)[0].peek);
  EXPECT_EQ((*atts)[0].section.part, (std::vector<uint32_t>{1, 2}));
  EXPECT_TRUE((*atts)[1].peek && (*atts)[1].partial && (*atts)[1].count == 10);
  EXPECT_EQ((*atts)[2].kind, FetchAtt::Kind::kBinarySize);
  expect_refused({"BINARY", "BINARY[1.HEADER]", "BINARY[TEXT]", "BINARY.SIZE[1]<0.5>", "BINARY[x]", "BINARY.PEEK"},
                 [](Parser& p) { return p.fetch_atts().has_value(); });
}
