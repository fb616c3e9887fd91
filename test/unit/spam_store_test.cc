// Unit tests of lib/spam token_store and learn: the record codec, learning and unlearning
// with the learned-message record, expiry, the published copy, files, mbox files and Maildirs.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <fstream>

#include "spam/learn.h"
#include "spam/token_store.h"
#include "tmpdir.h"

using namespace posta;
using namespace posta::spam;

namespace {

struct Home : test::TempDir {
  Home() : TempDir("posta-spam-unit") {}
  std::unique_ptr<TokenStore> store(std::string_view user = {}) {
    auto dir = store_dir(path, user);
    EXPECT_TRUE(dir);
    auto s = TokenStore::open(*dir, true);
    EXPECT_TRUE(s) << s.error().what;
    return s ? std::move(*s) : nullptr;
  }
};

TokenCounts counts(TokenSource& s, std::string_view tok) {
  auto c = s.lookup(tok);
  EXPECT_TRUE(c);
  return c && *c ? **c : TokenCounts{};
}

Totals totals(TokenSource& s) {
  auto t = s.totals();
  EXPECT_TRUE(t);
  return t ? *t : Totals{};
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

}  // namespace

TEST(SpamStore, CountsCodecRoundTrip) {
  TokenCounts c{7, 4000000000u, 20000};
  auto d = decode_counts(encode_counts(c));
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, c);
  EXPECT_EQ(encode_counts(c).size(), 12u);
  EXPECT_FALSE(decode_counts(""));
  EXPECT_FALSE(decode_counts(encode_counts(c) + "x"));
  EXPECT_FALSE(decode_counts(encode_counts(c).substr(1)));
}

TEST(SpamStore, Paths) {
  EXPECT_EQ(*store_dir("/h"), "/h/spam/db");
  EXPECT_EQ(*published_path("/h"), "/h/spam/tokens.db");
  EXPECT_EQ(*store_dir("/h", "bob"), "/h/spam/users/bob/db");
  EXPECT_EQ(*published_path("/h", "bob@example.org"), "/h/spam/users/bob@example.org/tokens.db");
  for (const char* bad : {"../x", "a/b", ".hidden", "."}) {
    EXPECT_FALSE(store_dir("/h", bad)) << bad;
    EXPECT_FALSE(published_path("/h", bad)) << bad;
  }
}

TEST(SpamStore, LearnMoveUnlearn) {
  Home h;
  auto s = h.store();
  ASSERT_TRUE(s);
  std::vector<LearnItem> one{{"k1", {"cheap", "viagra"}}};
  auto r = s->apply(one, Class::kSpam, 100);
  ASSERT_TRUE(r) << r.error().what;
  EXPECT_EQ(*r, std::vector<LearnOutcome>{LearnOutcome::kLearned});
  EXPECT_EQ(counts(*s, "viagra"), (TokenCounts{1, 0, 100}));
  EXPECT_EQ(totals(*s), (Totals{1, 0}));
  // never twice in one direction
  r = s->apply(one, Class::kSpam, 101);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, std::vector<LearnOutcome>{LearnOutcome::kAlready});
  EXPECT_EQ(counts(*s, "viagra"), (TokenCounts{1, 0, 100}));
  // the other direction moves it
  r = s->apply(one, Class::kHam, 102);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, std::vector<LearnOutcome>{LearnOutcome::kMoved});
  EXPECT_EQ(counts(*s, "viagra"), (TokenCounts{0, 1, 102}));
  EXPECT_EQ(totals(*s), (Totals{0, 1}));
  auto how = s->learned_as("k1");
  ASSERT_TRUE(how);
  EXPECT_EQ(*how, Class::kHam);
  // unlearn removes the counts, and the token when nothing is left
  r = s->apply(one, std::nullopt, 103);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, std::vector<LearnOutcome>{LearnOutcome::kUnlearned});
  auto gone = s->lookup("viagra");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
  EXPECT_EQ(totals(*s), (Totals{0, 0}));
  r = s->apply(one, std::nullopt, 103);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, std::vector<LearnOutcome>{LearnOutcome::kNotLearned});
  how = s->learned_as("k1");
  ASSERT_TRUE(how);
  EXPECT_FALSE(*how);
}

TEST(SpamStore, SameMessageTwiceInOneBatch) {
  Home h;
  auto s = h.store();
  ASSERT_TRUE(s);
  std::vector<LearnItem> items{{"k1", {"a"}}, {"k2", {"a", "b"}}, {"k1", {"a"}}};
  auto r = s->apply(items, Class::kHam, 5);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (std::vector<LearnOutcome>{LearnOutcome::kLearned, LearnOutcome::kLearned, LearnOutcome::kAlready}));
  EXPECT_EQ(counts(*s, "a"), (TokenCounts{0, 2, 5}));
  EXPECT_EQ(totals(*s), (Totals{0, 2}));
}

TEST(SpamStore, ExpireDropsRareOldTokens) {
  Home h;
  auto s = h.store();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->apply({{"old1", {"rare-old", "common-old"}}}, Class::kSpam, 10));
  ASSERT_TRUE(s->apply({{"old2", {"common-old"}}}, Class::kHam, 10));
  ASSERT_TRUE(s->apply({{"new", {"rare-new"}}}, Class::kSpam, 100));
  auto e = s->expire(2, 30, 100);
  ASSERT_TRUE(e) << e.error().what;
  EXPECT_EQ(e->dropped, 1u);
  EXPECT_EQ(e->kept, 2u);
  auto c = s->lookup("rare-old");
  ASSERT_TRUE(c);
  EXPECT_FALSE(*c);
  EXPECT_EQ(counts(*s, "common-old"), (TokenCounts{1, 1, 10}));
  EXPECT_EQ(counts(*s, "rare-new"), (TokenCounts{1, 0, 100}));
  EXPECT_EQ(totals(*s), (Totals{2, 1}));  // totals are not tokens
  // the records of old1 and old2 are idle too (day 10): dropped; new's kept
  EXPECT_EQ(e->records_dropped, 2u);
  EXPECT_EQ(e->records_kept, 1u);
}

TEST(SpamStore, ExpireBoundsTheLearnedRecords) {
  Home h;
  auto s = h.store();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->apply({{"k1", {"a"}}, {"k2", {"a"}}}, Class::kSpam, 10));
  // k2 learned again the same way on day 50: "already", but its record's day moves on
  auto again = s->apply({{"k2", {"a"}}}, Class::kSpam, 50);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->at(0), LearnOutcome::kAlready);
  auto e = s->expire(1, 30, 60);  // tokens: none rare (min 1); records: idle past day 30
  ASSERT_TRUE(e) << e.error().what;
  EXPECT_EQ(e->records_dropped, 1u);
  EXPECT_EQ(e->records_kept, 1u);
  EXPECT_FALSE(*s->learned_as("k1"));
  EXPECT_EQ(*s->learned_as("k2"), Class::kSpam);
  // k1's tokens stay counted; learned again it counts again (its record is gone)
  EXPECT_EQ(counts(*s, "a").spam, 2u);
  EXPECT_EQ(s->apply({{"k1", {"a"}}}, Class::kSpam, 60)->at(0), LearnOutcome::kLearned);
  EXPECT_EQ(counts(*s, "a").spam, 3u);
}

TEST(SpamStore, LearnedRecordCodec) {
  EXPECT_EQ(encode_learned(Class::kHam, 0x01020304), std::string("h\x04\x03\x02\x01", 5));
  EXPECT_EQ(*decode_learned(encode_learned(Class::kSpam, 20000)), (LearnedRecord{Class::kSpam, 20000}));
  EXPECT_EQ(*decode_learned("h"), (LearnedRecord{Class::kHam, std::nullopt}));  // no day
  for (const std::string& bad : std::vector<std::string>{"", "x", "s123", "s12345", std::string("x\0\0\0\0", 5)})
    EXPECT_FALSE(decode_learned(bad)) << bad;
}

TEST(SpamStore, PublishedCopy) {
  Home h;
  auto none = open_published(h.path);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  auto missing = PublishedTokens::open(*published_path(h.path));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ENOENT);

  auto s = h.store();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->apply({{"m", {"tok1", "tok2"}}}, Class::kSpam, 9));
  auto p = s->publish(*published_path(h.path));
  ASSERT_TRUE(p) << p.error().what;
  struct stat st;
  ASSERT_EQ(::stat(published_path(h.path)->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  auto pub = PublishedTokens::open(*published_path(h.path));
  ASSERT_TRUE(pub) << pub.error().what;
  EXPECT_EQ(counts(**pub, "tok1"), (TokenCounts{1, 0, 9}));
  EXPECT_EQ(totals(**pub), (Totals{1, 0}));
  // later learning reaches the filter only with the next publish
  ASSERT_TRUE(s->apply({{"m2", {"tok1"}}}, Class::kSpam, 9));
  EXPECT_EQ(counts(**pub, "tok1").spam, 1u);
  ASSERT_TRUE(s->publish(*published_path(h.path)));
  auto pub2 = PublishedTokens::open(*published_path(h.path));
  ASSERT_TRUE(pub2);
  EXPECT_EQ(counts(**pub2, "tok1").spam, 2u);
}

TEST(SpamStore, PerUserStoreUsedWhenItHasEnough) {
  Home h;
  auto g = h.store();
  ASSERT_TRUE(g);
  ASSERT_TRUE(g->apply({{"g", {"global"}}}, Class::kSpam, 1));
  ASSERT_TRUE(g->publish(*published_path(h.path)));
  auto u = h.store("bob");
  ASSERT_TRUE(u);
  ASSERT_TRUE(u->apply({{"s", {"own"}}}, Class::kSpam, 1));
  ASSERT_TRUE(u->apply({{"h", {"own"}}}, Class::kHam, 1));
  ASSERT_TRUE(u->publish(*published_path(h.path, "bob")));
  auto chosen = open_published(h.path, "bob", 1);
  ASSERT_TRUE(chosen && *chosen);
  EXPECT_EQ(counts(**chosen, "own"), (TokenCounts{1, 1, 1}));
  chosen = open_published(h.path, "bob", 2);  // too little learned: the global store
  ASSERT_TRUE(chosen && *chosen);
  EXPECT_EQ(counts(**chosen, "global").spam, 1u);
  chosen = open_published(h.path, "carol", 1);  // no store of her own
  ASSERT_TRUE(chosen && *chosen);
  EXPECT_EQ(counts(**chosen, "global").spam, 1u);
  EXPECT_FALSE(open_published(h.path, "../x", 1));
}

TEST(SpamStore, LargeBatchesStayWithinLockLimits) {
  Home h;
  auto s = h.store();
  ASSERT_TRUE(s);
  for (int batch = 0; batch < 3; ++batch) {
    std::vector<LearnItem> items;
    for (int m = 0; m < 10; ++m) {
      LearnItem it{"k" + std::to_string(batch) + "-" + std::to_string(m), {}};
      for (int t = 0; t < 2000; ++t) it.tokens.push_back("t" + std::to_string((batch * 10 + m) * 2000 + t));
      items.push_back(std::move(it));
    }
    auto r = s->apply(items, Class::kSpam, 1);
    ASSERT_TRUE(r) << r.error().what;
  }
  EXPECT_EQ(totals(*s), (Totals{30, 0}));
  EXPECT_EQ(counts(*s, "t59999").spam, 1u);
}

TEST(SpamLearn, MessageKeyIgnoresDeliveryFieldsAndLineEnds) {
  std::string m = "Message-ID: <1@x>\nSubject: s\n\nbody line\nsecond\n";
  std::string delivered = "Return-Path: <a@b>\nDelivered-To: bob@example.org\nX-Spam-Flag: YES\n" + m;
  std::string crlf = "Message-ID: <1@x>\r\nSubject: s\r\n\r\nbody line\r\nsecond\r\n";
  EXPECT_EQ(message_key(m), message_key(delivered));
  EXPECT_EQ(message_key(m), message_key(crlf));
  EXPECT_NE(message_key(m), message_key("Message-ID: <2@x>\n\nbody line\nsecond\n"));
  EXPECT_NE(message_key(m), message_key("Message-ID: <1@x>\n\nbody line\nthird\n"));
  EXPECT_EQ(message_key(m).size(), 64u);
}

TEST(SpamLearn, FilesAndMaildirs) {
  Home h;
  auto s = h.store();
  ASSERT_TRUE(s);
  std::string md = h.path + "/Maildir";
  for (const char* d : {"", "/cur", "/new", "/tmp"}) ASSERT_EQ(::mkdir((md + d).c_str(), 0700), 0);
  write(md + "/cur/1:2,S", "Message-ID: <1@x>\n\nfirst message\n");
  write(md + "/new/2", "Message-ID: <2@x>\n\nsecond message\n");
  write(md + "/tmp/3", "Message-ID: <3@x>\n\nnot delivered yet\n");
  write(h.path + "/single", "Message-ID: <4@x>\n\nsingle message\n");
  auto c = learn_paths(*s, {md, h.path + "/single"}, Class::kSpam);
  ASSERT_TRUE(c) << c.error().what;
  EXPECT_EQ(c->learned, 3u);
  EXPECT_EQ(totals(*s), (Totals{3, 0}));
  EXPECT_EQ(counts(*s, "message").spam, 3u);
  // again: nothing new; then as ham: all moved, in small batches
  c = learn_paths(*s, {md, h.path + "/single"}, Class::kSpam);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->already, 3u);
  LearnOptions small;
  small.batch_messages = 1;
  c = learn_paths(*s, {md}, Class::kHam, small);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->moved, 2u);
  EXPECT_EQ(totals(*s), (Totals{1, 2}));
  c = learn_paths(*s, {h.path + "/single", md}, std::nullopt);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->unlearned, 3u);
  EXPECT_EQ(totals(*s), (Totals{0, 0}));
  // a directory that is not a Maildir, or a missing file, fails before anything is learned
  ASSERT_EQ(::mkdir((h.path + "/plain").c_str(), 0700), 0);
  EXPECT_FALSE(learn_paths(*s, {h.path + "/single", h.path + "/plain"}, Class::kSpam));
  EXPECT_FALSE(learn_paths(*s, {h.path + "/single", h.path + "/nonexistent"}, Class::kSpam));
  EXPECT_EQ(totals(*s), (Totals{0, 0}));
  // an mbox file: each of its messages, keyed as the same message in a file
  write(h.path + "/mbox",
        "From a@x Mon Dec  7 10:00:00 2026\nMessage-ID: <4@x>\n\nsingle message\n\n"
        "From b@x Mon Dec  7 10:01:00 2026\nMessage-ID: <5@x>\n\n>From the mbox\n\n");
  c = learn_paths(*s, {h.path + "/single"}, Class::kSpam);
  ASSERT_TRUE(c);
  c = learn_paths(*s, {h.path + "/mbox"}, Class::kSpam);
  ASSERT_TRUE(c) << c.error().what;
  EXPECT_EQ(c->already, 1u);
  EXPECT_EQ(c->learned, 1u);
  EXPECT_EQ(counts(*s, "From").spam, 1u);
  EXPECT_EQ(totals(*s), (Totals{2, 0}));
  auto one = learn_message(*s, "Message-ID: <9@x>\n\nin memory\n", Class::kHam);
  ASSERT_TRUE(one);
  EXPECT_EQ(*one, LearnOutcome::kLearned);
}
