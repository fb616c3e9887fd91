#include <gtest/gtest.h>

#include "imap/base_subject.h"
#include "imap/parser.h"
#include "imap/sort.h"
#include "imap/thread.h"

using namespace posta;
using namespace posta::imap;

namespace {

std::string base(const char* s) { return base_subject(s).text; }
bool refwd(const char* s) { return base_subject(s).reply_or_fwd; }

}  // namespace

TEST(ImapBaseSubject, Rfc5256Rules) {
  EXPECT_EQ(base("Hello"), "Hello");
  EXPECT_EQ(base("Re: Hello"), "Hello");
  EXPECT_EQ(base("RE: re: Re:Hello"), "Hello");
  EXPECT_EQ(base("Fwd: Hello"), "Hello");
  EXPECT_EQ(base("FW: Hello"), "Hello");
  EXPECT_EQ(base("Re[2]: Hello"), "Hello");
  EXPECT_EQ(base("Re [2] : Hello"), "Hello");
  EXPECT_EQ(base("[list] Re: Hello"), "Hello");
  EXPECT_EQ(base("[list] [tag] Re: [list] Hello"), "Hello");
  EXPECT_EQ(base("[list] Hello"), "Hello");
  EXPECT_EQ(base("[list]"), "[list]");  // a blob alone is the subject
  EXPECT_EQ(base("[list]   "), "[list]");
  EXPECT_EQ(base("Hello (fwd)"), "Hello");
  EXPECT_EQ(base("Hello (FWD) (fwd)  "), "Hello");
  EXPECT_EQ(base("[Fwd: Re: Hello]"), "Hello");
  EXPECT_EQ(base("Re: [Fwd: [fwd: Hello (fwd)]]"), "Hello");
  EXPECT_EQ(base("  Hello\t  world  "), "Hello world");
  EXPECT_EQ(base("Hello\r\n world"), "Hello world");
  EXPECT_EQ(base("Reply: Hello"), "Reply: Hello");
  EXPECT_EQ(base("Re Hello"), "Re Hello");
  EXPECT_EQ(base("Refund: Hello"), "Refund: Hello");
  EXPECT_EQ(base("Re:"), "");
  EXPECT_EQ(base(""), "");
  EXPECT_EQ(base("[unclosed Re: x"), "[unclosed Re: x");
  EXPECT_EQ(base("=?UTF-8?Q?Re=3A_Gr=C3=BC=C3=9Fe?="), "Grüße");
  EXPECT_EQ(base("=?ISO-8859-1?Q?Re:_caf=E9?= =?ISO-8859-1?Q?_au_lait?="), "café au lait");
  EXPECT_FALSE(refwd("Hello"));
  EXPECT_FALSE(refwd("[list] Hello"));
  EXPECT_TRUE(refwd("Re: Hello"));
  EXPECT_TRUE(refwd("Hello (fwd)"));
  EXPECT_TRUE(refwd("[fwd: Hello]"));
  EXPECT_EQ(ascii_casemap("Grüße hello"), "GRüßE HELLO");
}

TEST(ImapBaseSubject, HostileInputsStayLinear) {
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "Re: [x] ";
  EXPECT_EQ(base(many.c_str()), "[x]");  // the last blob alone is the subject
  std::string blobs(100000, '[');
  EXPECT_EQ(base(blobs.c_str()), blobs);
  std::string fwd;
  for (int i = 0; i < 10000; ++i) fwd += "[fwd: ";
  fwd += "x";
  fwd += std::string(10000, ']');
  EXPECT_EQ(base(fwd.c_str()), "x");
}

TEST(ImapSort, MessageIds) {
  EXPECT_EQ(message_ids("<a@b> <c@d>"), (std::vector<std::string>{"a@b", "c@d"}));
  EXPECT_EQ(message_ids("(comment) <a@b>\r\n\t<c\r\n @d> garbage <e@f"), (std::vector<std::string>{"a@b", "c@d"}));
  EXPECT_EQ(message_ids("<<a@b>"), (std::vector<std::string>{"a@b"}));
  EXPECT_EQ(message_ids("<> none"), std::vector<std::string>{});
  EXPECT_EQ(message_ids("<" + std::string(300, 'x') + ">"), std::vector<std::string>{});
}

TEST(ImapSort, FieldsAndOrder) {
  auto fields = [](std::string_view block, time_t internal) {
    SortFields f;
    add_sort_fields(f, block, kSortDate | kSortSubject | kSortAddresses | kSortThreading, [&] { return internal; });
    return f;
  };
  auto f = fields(("Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n"
                                           "Subject: Re: [list] hello\r\n"
                                           "From: \"Ann Example\" <ann@example.org>\r\n"
                                           "To: group: bob@example.org, carl@example.org;\r\n"
                                           "Cc: =?UTF-8?Q?Zo=C3=AB?= <zoe@example.org>\r\n"
                                           "Message-ID: <m1@example.org>\r\n"
                                           "In-Reply-To: <m0@example.org>\r\n"),
                  5);
  EXPECT_EQ(f.sent, 1057049557);
  EXPECT_EQ(f.subject, "HELLO");
  EXPECT_TRUE(f.reply_or_fwd);
  EXPECT_EQ(f.addresses->from, "ANN");
  EXPECT_EQ(f.addresses->display_from, "ANN EXAMPLE");
  EXPECT_EQ(f.addresses->to, "GROUP");
  EXPECT_EQ(f.addresses->display_to, "GROUP");
  EXPECT_EQ(f.addresses->cc, "ZOE");
  EXPECT_EQ(f.ids->message_id, "m1@example.org");
  EXPECT_EQ(f.ids->references, std::vector<std::string>{"m0@example.org"});
  auto g = fields("Date: yesterday\nReferences: <a@x>\n\t<b@x>\nIn-Reply-To: <c@x>\n", 77);
  EXPECT_EQ(g.sent, 77);  // unparsable: the internal date
  EXPECT_EQ(g.ids->references, (std::vector<std::string>{"a@x", "b@x"}));
  EXPECT_EQ(g.addresses->from, "");
  // Only the parts asked for are extracted, each once; field names match whole.
  SortFields part;
  int asked = 0;
  add_sort_fields(part, "X-Date: 1 Jan 2003 00:00 +0000\r\nSubject : Re: a\r\nSubjects: b\r\n", kSortDate,
                  [&] { return ++asked, 9; });
  EXPECT_EQ(part.sent, 9);
  EXPECT_EQ(part.subject, "");
  add_sort_fields(part, "Subject : Re: a\r\n", kSortDate | kSortSubject, [&] { return ++asked, 10; });
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(part.subject, "A");
  EXPECT_EQ(sort_parts(std::vector<SortCriterion>{{SortKey::kSize}, {SortKey::kDisplayTo, true}}), kSortAddresses);

  std::string refs = "References:";
  for (int i = 0; i < 1000; ++i) refs += " <" + std::to_string(i) + "@x>";
  auto h = fields(refs + "\r\n", 0);
  ASSERT_EQ(h.ids->references.size(), kMaxReferences);
  EXPECT_EQ(h.ids->references.back(), "999@x");

  std::vector<SortFields> fs(4);
  fs[0].sent = 30, fs[0].subject = "B";
  fs[1].sent = 10, fs[1].subject = "A";
  fs[2].sent = 30, fs[2].subject = "A";
  fs[3].sent = 20, fs[3].subject = "B";
  std::vector<SortItem> items;
  for (uint32_t i = 0; i < 4; ++i) items.push_back({i + 1, 100 - i, i % 2, &fs[i]});
  auto order = [&](std::vector<SortCriterion> c) {
    sort_items(items, c);
    std::string s;
    for (auto& it : items) s += std::to_string(it.number);
    return s;
  };
  EXPECT_EQ(order({{SortKey::kDate}}), "2413");
  EXPECT_EQ(order({{SortKey::kDate, true}}), "1342");  // ties in mailbox order
  EXPECT_EQ(order({{SortKey::kSubject}, {SortKey::kDate, true}}), "3214");
  EXPECT_EQ(order({{SortKey::kArrival}}), "4321");
  EXPECT_EQ(order({{SortKey::kSize}}), "1324");
}

TEST(ImapSort, OrderedSet) {
  std::vector<uint32_t> v{2, 3, 4, 9, 1, 7, 8, 6, 4294967294u, 4294967295u};
  EXPECT_EQ(ordered_set(v), "2:4,9,1,7:8,6,4294967294:4294967295");
  EXPECT_EQ(ordered_set(std::vector<uint32_t>{}), "");
  EXPECT_EQ(ordered_set(std::vector<uint32_t>{5}), "5");
}

TEST(ImapSort, CriteriaSyntax) {
  auto parse = [](const char* s) {
    RawCommand c{s, {}};
    Parser p(c);
    return p.sort_criteria();
  };
  auto c = parse("(REVERSE date subject displayFROM)");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->size(), 3u);
  EXPECT_TRUE((*c)[0].reverse);
  EXPECT_EQ((*c)[0].key, SortKey::kDate);
  EXPECT_FALSE((*c)[1].reverse);
  EXPECT_EQ((*c)[2].key, SortKey::kDisplayFrom);
  for (const char* bad : {"()", "DATE", "(DATE", "(REVERSE)", "(REVERSE REVERSE DATE)", "(DATE  SUBJECT)",
                          "(DATE )", "(FOO)", "( DATE)", "(REVERSE-DATE)"})
    EXPECT_FALSE(parse(bad)) << bad;
}

namespace {

struct Box {
  std::vector<SortFields> fields;
  void add(time_t sent, const char* subject, const char* id, std::vector<std::string> refs = {}) {
    SortFields f;
    f.sent = sent;
    auto b = base_subject(subject);
    f.subject = ascii_casemap(b.text);
    f.reply_or_fwd = b.reply_or_fwd;
    f.ids = std::make_unique<ThreadIds>(ThreadIds{id, std::move(refs)});
    fields.push_back(std::move(f));
  }
  std::vector<ThreadItem> items() const {
    std::vector<ThreadItem> v;
    for (size_t i = 0; i < fields.size(); ++i) v.push_back({static_cast<uint32_t>(i + 1), &fields[i]});
    return v;
  }
  std::string references() const { return thread_references(items()); }
  std::string orderedsubject() const { return thread_orderedsubject(items()); }
};

}  // namespace

TEST(ImapThread, OrderedSubject) {
  Box b;
  b.add(10, "hello", "1");
  b.add(5, "other", "2");
  b.add(20, "Re: hello", "3");
  b.add(15, "re: HELLO", "4");
  b.add(30, "other", "5");
  b.add(1, "lone", "6");
  EXPECT_EQ(b.orderedsubject(), "(6)(2 5)(1 (4)(3))");
  EXPECT_EQ(Box{}.orderedsubject(), "");
}

TEST(ImapThread, References) {
  Box b;
  b.add(1, "a", "a");
  b.add(2, "Re: a", "b", {"a"});
  b.add(3, "Re: a", "c", {"a", "b"});
  b.add(4, "Re: a", "d", {"a"});
  b.add(5, "x", "e");
  b.add(6, "y", "f", {"missing"});
  b.add(7, "y", "g", {"missing"});  // siblings under a dummy at the root: kept
  b.add(8, "z", "h", {"gone"});     // one child of a dummy at the root: promoted
  EXPECT_EQ(b.references(), "(1 (2 3)(4))(5)((6)(7))(8)");
}

TEST(ImapThread, SubjectMerge) {
  Box b;
  b.add(1, "topic", "a");
  b.add(2, "Re: topic", "b");       // no references: merged under a by subject
  b.add(3, "topic", "c");           // neither a reply: both under a new dummy
  b.add(4, "Re: other", "d");
  b.add(5, "other", "e");           // the non-reply wins the table: d goes under e
  EXPECT_EQ(b.references(), "((1 2)(3))(5 4)");
}

TEST(ImapThread, DuplicateIdsAndLoops) {
  Box b;
  b.add(1, "s1", "a", {"b"});
  b.add(2, "s2", "b", {"a"});  // would be a loop: b stays a root
  b.add(3, "s3", "a");         // duplicate Message-ID: a thread of its own
  b.add(4, "s4", "c", {"c"});  // references itself
  b.add(5, "s5", "d", {"x", "y", "x"});
  EXPECT_EQ(b.references(), "(2 1)(3)(4)(5)");
}

TEST(ImapThread, HostileSizesStayBounded) {
  Box b;
  const int n = 20000;
  b.fields.reserve(n);
  // A deep chain given newest first (every link needs a loop check), all with one subject.
  for (int i = n; i > 0; --i) {
    std::vector<std::string> refs;
    for (int k = std::max(1, i - 32); k < i; ++k) refs.push_back(std::to_string(k));
    b.add(i, "same", std::to_string(i).c_str(), refs);
  }
  std::string t = b.references();
  EXPECT_EQ(t.front(), '(');
  EXPECT_TRUE(t.starts_with("(" + std::to_string(n) + " " + std::to_string(n - 1) + " ")) << t.substr(0, 40);
  EXPECT_EQ(std::count(t.begin(), t.end(), '('), 1);  // one chain
  std::string o = b.orderedsubject();
  EXPECT_TRUE(o.starts_with("(" + std::to_string(n) + " (" + std::to_string(n - 1) + ")(")) << o.substr(0, 40);
}
