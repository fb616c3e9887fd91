#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "fts/changed_folders.h"
#include "fts/folder_index.h"
#include "fts/message_text.h"
#include "fts/trigrams.h"
#include "fts/uid_hits.h"
#include "maildir/maildir.h"
#include "mailsearch/fts_hits.h"
#include "mailsearch/match.h"
#include "mailstore/mailbox_index.h"
#include "tmpdir.h"

using namespace posta;
using V = std::vector<uint32_t>;

namespace {

fts::Trigram tri(const char* s) {
  return uint32_t(uint8_t(s[0])) << 16 | uint32_t(uint8_t(s[1])) << 8 | uint8_t(s[2]);
}

}  // namespace

TEST(FtsTrigrams, InsideWordsOnly) {
  EXPECT_EQ(fts::trigrams("ab cd"), std::vector<fts::Trigram>{});
  EXPECT_EQ(fts::trigrams("abcd, abc"), (std::vector<fts::Trigram>{tri("abc"), tri("bcd")}));
  EXPECT_EQ(fts::trigrams("x-ray"), std::vector<fts::Trigram>{tri("ray")});
  EXPECT_EQ(fts::trigrams(""), std::vector<fts::Trigram>{});
  // bytes >= 0x80 are word bytes: "été" is 5 bytes, 3 trigrams
  EXPECT_EQ(fts::trigrams("\xc3\xa9t\xc3\xa9").size(), 3u);
  EXPECT_EQ(fts::term('B', tri("abc")), "Babc");
}

TEST(FtsTrigrams, NeedleTrigramsAreTextTrigrams) {
  std::string text = "the quick-brown fox, jumped; over 42 lazy dogs \xc3\xa9t\xc3\xa9";
  auto all = fts::trigrams(text);
  for (size_t i = 0; i < text.size(); ++i)
    for (size_t n = 1; i + n <= text.size(); ++n)
      for (auto g : fts::trigrams(text.substr(i, n)))
        EXPECT_TRUE(std::binary_search(all.begin(), all.end(), g)) << text.substr(i, n);
}

TEST(FtsMessageText, HeadersAndDecodedBody) {
  auto t = fts::message_text(
      "Subject: =?UTF-8?Q?Caf=C3=A9?=\nContent-Type: multipart/alternative; boundary=b\n\n--b\n"
      "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\nSGVsbG8gV29ybGQ=\n--b\n"
      "Content-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n<p>Ol=C3=A1 <b>mundo</b></p>\n"
      "--b\nContent-Type: application/octet-stream\n\nsecretbinary\n--b--\n");
  EXPECT_FALSE(t.partial);
  EXPECT_NE(t.headers.find("subject: caf\xc3\xa9"), std::string::npos) << t.headers;
  EXPECT_NE(t.body.find("hello world"), std::string::npos) << t.body;
  EXPECT_NE(t.body.find("<p>ol\xc3\xa1 <b>mundo</b></p>"), std::string::npos) << t.body;  // markup kept, as the scan sees it
  EXPECT_EQ(t.body.find("secretbinary"), std::string::npos);
  auto big = fts::message_text("Subject: x\n\n" + std::string(fts::kMaxTextBytes, 'a'));
  EXPECT_TRUE(big.partial);
}

TEST(FtsUidHits, AndOrOverAny) {
  fts::UidHits any, a = V{1, 3, 5}, b = V{3, 4, 5};
  EXPECT_EQ(fts::both(a, b), (V{3, 5}));
  EXPECT_EQ(fts::both(any, b), b);
  EXPECT_EQ(fts::either(a, b), (V{1, 3, 4, 5}));
  EXPECT_FALSE(fts::either(a, any));
}

namespace {

struct Folder : test::TempDir {
  Folder() : TempDir("fts-test") { EXPECT_TRUE(maildir::ensure_maildir(path)); }
  void put(const std::string& name, const std::string& body) { std::ofstream(path + "/" + name) << body; }
  mailstore::MailboxIndex index() {
    auto ix = mailstore::MailboxIndex::open(path);
    EXPECT_TRUE(ix);
    return std::move(*ix);
  }
  // The UIDs q matches by scanning everything, and through the index.
  V scan(const std::string& q) { return search(q, false); }
  V indexed(const std::string& q) {
    EXPECT_TRUE(fts::FolderIndex::open(path, index().uid_validity())) << "no usable index";
    return search(q, true);
  }
  V search(const std::string& text, bool use_index) {
    auto q = mailsearch::parse_query(text);
    EXPECT_TRUE(q);
    auto ix = index();
    auto fi = use_index ? fts::FolderIndex::open(path, ix.uid_validity()) : nullptr;
    fts::UidHits hits = fi ? mailsearch::fts_hits(*q, *fi) : std::nullopt;
    V out;
    for (const auto& m : ix.messages()) {
      if (fi && !fi->may_match(hits, m.uid)) continue;
      mailsearch::Candidate c("INBOX", ix, m, nullptr);
      if (mailsearch::matches(*q, c)) out.push_back(m.uid);
    }
    if (fi && fi->damaged()) {
      EXPECT_TRUE(fts::discard(path));
    }
    return out;
  }
};

const char* kQueries[] = {
    "body:invoice", "body:nvoic", "body:INVOICE", "text:invoice", "body:\"pay now\"", "body:\"y no\"",
    "text:alice", "body:alice", "body:xyzzy", "body:ab", "body:\"\"", "body:caf\xc3\xa9", "body:CAF\xc3\x89",
    "body:invoice and not body:pay", "body:invoice or body:lunch", "body:lunch or is:seen", "body:<b>",
    "body:bold", "text:\"subject: lun\"",
};

}  // namespace

TEST(FtsFolderIndex, AnswersEqualTheScan) {
  Folder f;
  f.put("cur/1.a.h:2,S", "From: Alice <alice@x.example>\nSubject: Invoice 7\n\nPlease pay now. Invoice attached.\n");
  f.put("cur/2.b.h:2,", "From: bob@y.example\nSubject: lunch\n\nCaf\xc3\xa9 at noon?\n");
  f.put("new/3.c.h",
        "From: carol@z.example\nSubject: html\nContent-Type: text/html\n\n<p>An <b>invoice</b> in bold</p>\n");
  f.put("new/4.d.h",
        "From: dave@z.example\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        "SW52b2ljZSBudW1iZXIgOA==\n");
  auto ix = f.index();
  EXPECT_FALSE(fts::FolderIndex::open(f.path, ix.uid_validity()));  // no index yet
  auto st = fts::catch_up(ix, std::chrono::seconds(10));
  ASSERT_TRUE(st) << st.error().what;
  EXPECT_EQ(st->added, 4u);
  EXPECT_EQ(st->left, 0u);
  for (const char* q : kQueries) EXPECT_EQ(f.indexed(q), f.scan(q)) << q;
  EXPECT_EQ(f.indexed("body:invoice"), (V{1, 3, 4}));

  // the index rules messages out: a needle it has no trigram of finds no document
  auto fi = fts::FolderIndex::open(f.path, ix.uid_validity());
  ASSERT_TRUE(fi);
  EXPECT_EQ(fi->find("xyzzy", fts::Field::kBody), V{});
  EXPECT_EQ(fi->find("alice", fts::Field::kBody), V{});
  EXPECT_EQ(fi->find("alice", fts::Field::kText), V{1});
  EXPECT_FALSE(fi->find("ab", fts::Field::kBody));  // no trigram: cannot be served
  EXPECT_FALSE(fts::FolderIndex::open(f.path, ix.uid_validity() + 1));  // another UIDVALIDITY

  // a message without a document is a candidate
  f.put("new/5.e.h", "Subject: later\n\nanother invoice\n");
  EXPECT_EQ(f.indexed("body:invoice"), (V{1, 3, 4, 5}));
  EXPECT_EQ(fts::catch_up(f.index(), std::chrono::seconds(10))->added, 1u);
  EXPECT_EQ(fts::catch_up(f.index(), std::chrono::seconds(10))->added, 0u);
  for (const char* q : kQueries) EXPECT_EQ(f.indexed(q), f.scan(q)) << q;
}

TEST(FtsFolderIndex, DamagedIndexIsDiscardedAndRebuilt) {
  Folder f;
  for (int i = 0; i < 20; ++i) f.put("new/" + std::to_string(i) + ".x.h", "Subject: m\n\nword" + std::to_string(i) + " invoice\n");
  auto ix = f.index();
  ASSERT_TRUE(fts::catch_up(ix, std::chrono::seconds(10)));
  // each damage: the search through what is left of the index equals the scan, and the
  // next catch_up() leaves a usable index that answers as the scan does
  for (const char* file : {"postlist.glass", "iamglass", "docdata.glass", "flintlock"}) {
    std::string p = fts::index_dir(f.path) + "/" + file;
    { std::ofstream(p, std::ios::trunc) << "garbage"; }
    for (const char* q : {"body:word7", "body:invoice", "text:m"}) EXPECT_EQ(f.search(q, true), f.scan(q)) << file << " " << q;
    auto st = fts::catch_up(ix, std::chrono::seconds(10));
    ASSERT_TRUE(st) << st.error().what;
    EXPECT_EQ(f.indexed("body:word7"), f.scan("body:word7")) << file;
    EXPECT_EQ(f.scan("body:word7").size(), 1u);
  }
  std::filesystem::remove_all(fts::index_dir(f.path));
  EXPECT_EQ(f.search("body:word7", true), f.scan("body:word7"));
}

TEST(FtsFolderIndex, PartialDocumentsAreAlwaysCandidates) {
  Folder f;
  f.put("new/1.a.h", "Subject: big\n\n" + std::string(fts::kMaxTextBytes, 'z') + " partialword\n");
  f.put("new/2.b.h", "Subject: small\n\nsmallword\n");
  ASSERT_TRUE(fts::catch_up(f.index(), std::chrono::seconds(10)));
  auto fi = fts::FolderIndex::open(f.path, f.index().uid_validity());
  ASSERT_TRUE(fi);
  EXPECT_EQ(fi->find("partialword", fts::Field::kBody), V{1});
  EXPECT_EQ(fi->find("smallword", fts::Field::kBody), (V{1, 2}));
  EXPECT_EQ(f.indexed("body:partialword"), V{1});
}

TEST(FtsFolderIndex, BudgetIndexesAtLeastOne) {
  Folder f;
  for (int i = 0; i < 3; ++i) f.put("new/" + std::to_string(i) + ".x.h", "Subject: m\n\nbody\n");
  auto st = fts::catch_up(f.index(), std::chrono::milliseconds(0));
  ASSERT_TRUE(st);
  EXPECT_EQ(st->added, 1u);
  EXPECT_EQ(st->left, 2u);
  st = fts::catch_up(f.index(), std::chrono::seconds(10), true);  // rebuild
  EXPECT_EQ(st->added, 3u);
}

TEST(FtsFolderIndex, CompactKeepsDocumentsAndMetadata) {
  Folder f;
  for (int i = 0; i < 30; ++i) f.put("new/" + std::to_string(i) + ".x.h", "Subject: m\n\nword" + std::to_string(i) + "\n");
  ASSERT_TRUE(fts::catch_up(f.index(), std::chrono::seconds(10)));
  ASSERT_TRUE(fts::compact(f.path));
  EXPECT_TRUE(fts::FolderIndex::open(f.path, f.index().uid_validity()));
  EXPECT_EQ(f.indexed("body:word17"), f.scan("body:word17"));
  EXPECT_EQ(fts::catch_up(f.index(), std::chrono::seconds(10))->added, 0u);
  f.put("new/99.x.h", "Subject: m\n\nword99\n");
  EXPECT_EQ(fts::catch_up(f.index(), std::chrono::seconds(10))->added, 1u);  // writable after compaction
  EXPECT_EQ(f.indexed("body:word99"), f.scan("body:word99"));
  std::filesystem::remove_all(fts::index_dir(f.path));
  EXPECT_FALSE(fts::compact(f.path));
}

TEST(FtsFolderIndex, ExpungedDocumentsGoWithARebuildAside) {
  Folder f;
  for (int i = 0; i < 8; ++i) f.put("new/" + std::to_string(i) + ".x.h", "Subject: m\n\nword" + std::to_string(i) + "\n");
  auto ix = f.index();
  auto st = fts::catch_up(ix, std::chrono::seconds(10));
  ASSERT_TRUE(st);
  EXPECT_EQ(st->documents, 8u);
  EXPECT_EQ(st->dead, 0u);
  EXPECT_FALSE(fts::worth_rebuilding(*st));
  ASSERT_TRUE(ix.remove(ix.messages()[0].uid));
  st = fts::catch_up(ix, std::chrono::seconds(10));
  EXPECT_EQ(st->dead, 1u);
  EXPECT_FALSE(fts::worth_rebuilding(*st));  // one in eight
  ASSERT_TRUE(ix.remove(ix.messages()[0].uid));
  st = fts::catch_up(ix, std::chrono::seconds(10));
  EXPECT_EQ(st->dead, 2u);
  EXPECT_TRUE(fts::worth_rebuilding(*st));  // a quarter
  f.put("new/50.x.h", "Subject: m\n\nword50\n");
  auto now = f.index();
  ASSERT_TRUE(fts::rebuild_aside(now));
  st = fts::catch_up(now, std::chrono::seconds(10));
  EXPECT_EQ(st->added, 0u);  // the new message was built in
  EXPECT_EQ(st->dead, 0u);
  EXPECT_EQ(st->documents, 7u);
  EXPECT_EQ(f.indexed("body:word5"), f.scan("body:word5"));
  EXPECT_EQ(f.indexed("body:word50"), f.scan("body:word50"));
  EXPECT_EQ(f.scan("body:word0"), V{});
  for (const auto& e : std::filesystem::directory_iterator(f.path))  // nothing left aside
    EXPECT_FALSE(e.path().filename().string().starts_with("posta-fts.")) << e.path();
}

TEST(FtsChangedFolders, MarksCoalesceAndAreTakenOnce) {
  test::TempDir home;
  std::filesystem::create_directories(home.path + "/mail");
  auto none = fts::take_changed(home.path);  // no directory yet: nothing
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  std::string a = home.path + "/mail/example.org/alice", b = a + "/.Work";
  ASSERT_TRUE(fts::mark_changed(home.path, a));
  ASSERT_TRUE(fts::mark_changed(home.path, b));
  ASSERT_TRUE(fts::mark_changed(home.path, a));  // once a folder, however often marked
  EXPECT_FALSE(fts::mark_changed(home.path, "relative/path"));
  EXPECT_FALSE(fts::mark_changed(home.path, "/two\nlines"));
  // a stray or half-written file is removed and skipped
  { std::ofstream(fts::changed_dir(home.path) + "/junk") << "/no/newline"; }
  auto taken = fts::take_changed(home.path);
  ASSERT_TRUE(taken);
  std::sort(taken->begin(), taken->end());
  EXPECT_EQ(*taken, (std::vector<std::string>{a, b}));
  EXPECT_TRUE(fts::take_changed(home.path)->empty());
  EXPECT_TRUE(std::filesystem::is_empty(fts::changed_dir(home.path)));
  struct stat st{};
  ASSERT_EQ(::stat(fts::changed_dir(home.path).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}
