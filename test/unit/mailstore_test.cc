#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>

#include "io/fd.h"
#include "maildir/maildir.h"
#include "mailstore/folders.h"
#include "mailstore/header_cache.h"
#include "mailstore/index_cache.h"
#include "mailstore/mailbox_index.h"
#include "mailstore/names.h"
#include "mailstore/recent.h"
#include "tmpdir.h"

using namespace posta;

namespace {
void put(const std::string& d, const std::string& name, const std::string& body = "Subject: x\n\nhi\n") {
  std::ofstream(d + "/" + name) << body;
}
// A Maildir for one test, removed at its end, holding the messages named (file names under
// it, each with put's default body).
struct TestMaildir : test::TempDir {
  explicit TestMaildir(std::initializer_list<std::string> messages = {}) : TempDir("mailstore-test") {
    EXPECT_TRUE(maildir::ensure_maildir(path));
    for (const auto& m : messages) put(path, m);
  }
};
}  // namespace

TEST(MailstoreNames, Parse) {
  auto n = mailstore::parse_file_name("123.M4P5.host,S=200,W=210:2,SFa");
  EXPECT_EQ(n.base, "123.M4P5.host,S=200,W=210");
  EXPECT_EQ(n.flags, "FSa");
  EXPECT_EQ(n.size, 200u);
  EXPECT_EQ(n.vsize, 210u);
  EXPECT_EQ(mailstore::normalize_letters("TSaS"), "STa");
}

TEST(MailstoreIndex, UidsStableAcrossFlagChangesAndReopen) {
  TestMaildir md{"new/1.M1P1.h,S=16", "cur/2.M1P1.h,S=16:2,S"};
  const std::string& d = md.path;
  auto ix = mailstore::MailboxIndex::open(d);
  ASSERT_TRUE(ix) << ix.error().what;
  ASSERT_EQ(ix->messages().size(), 2u);
  uint32_t validity = ix->uid_validity();
  uint32_t uid1 = ix->messages()[0].uid;
  ASSERT_TRUE(ix->claim_new(uid1));
  auto f = ix->update_flags(uid1, [](const std::string& s) { return s + "FT"; });
  ASSERT_TRUE(f);
  EXPECT_EQ(*f, "FT");
  put(d, "new/3.M1P1.h,S=16");
  auto ix2 = mailstore::MailboxIndex::open(d);
  ASSERT_TRUE(ix2);
  EXPECT_EQ(ix2->uid_validity(), validity);
  ASSERT_EQ(ix2->messages().size(), 3u);
  EXPECT_EQ(ix2->messages()[0].uid, uid1);
  EXPECT_EQ(ix2->messages()[0].flags(), "FT");
  EXPECT_EQ(ix2->messages()[2].uid, 3u);
  ASSERT_TRUE(ix2->remove(uid1));
  ASSERT_TRUE(ix->refresh());
  EXPECT_EQ(ix->find(uid1), nullptr);
  EXPECT_EQ(ix->uid_next(), 4u);
  auto added = ix->add("Subject: y\r\n\r\nbody\r\n", "S", 1700000000);
  ASSERT_TRUE(added);
  EXPECT_EQ(*added, 4u);
  struct stat st{};
  ASSERT_EQ(::stat(ix->path(*ix->find(4)).c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, 1700000000);
}

TEST(MailstoreIndex, ConcurrentProcessesNeverShareUids) {
  TestMaildir md;
  const std::string& d = md.path;
  for (int i = 0; i < 200; ++i) put(d, "new/" + std::to_string(i) + ".M1P1.h");
  std::vector<pid_t> kids;
  for (int k = 0; k < 4; ++k) {
    pid_t pid = ::fork();
    if (pid == 0) {
      for (int r = 0; r < 5; ++r) {
        auto ix = mailstore::MailboxIndex::open(d);
        if (!ix) ::_exit(1);
        if (!ix->add("Subject: c\r\n\r\nx\r\n", "", 0)) ::_exit(1);
      }
      ::_exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t p : kids) {
    int st = 0;
    ::waitpid(p, &st, 0);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  auto ix = mailstore::MailboxIndex::open(d);
  ASSERT_TRUE(ix);
  ASSERT_EQ(ix->messages().size(), 220u);
  std::set<uint32_t> uids;
  for (auto& m : ix->messages()) uids.insert(m.uid);
  EXPECT_EQ(uids.size(), 220u);
  EXPECT_EQ(*uids.rbegin(), 220u);
}

TEST(MailstoreIndex, Keywords) {
  TestMaildir md;
  const std::string& d = md.path;
  auto ix = mailstore::MailboxIndex::open(d);
  ASSERT_TRUE(ix);
  EXPECT_EQ(*ix->letter_for("$Junk", true), 'a');
  EXPECT_EQ(*ix->letter_for("Work", true), 'b');
  EXPECT_EQ(*ix->letter_for("$junk", false), 'a');
  auto ix2 = mailstore::MailboxIndex::open(d);
  EXPECT_EQ(ix2->keyword_of('b'), "Work");
}

// Another process's new keyword is seen at the next refresh, and keywords_version() moves.
TEST(MailstoreIndex, KeywordsOfOthersAtRefresh) {
  TestMaildir md;
  auto mine = mailstore::MailboxIndex::open(md.path), theirs = mailstore::MailboxIndex::open(md.path);
  ASSERT_TRUE(mine && theirs);
  uint64_t v = mine->keywords_version();
  ASSERT_TRUE(theirs->letter_for("$Label1", true));
  ASSERT_TRUE(mine->refresh());
  EXPECT_EQ(mine->keyword_of('a'), "$Label1");
  EXPECT_NE(mine->keywords_version(), v);
}

// The mark moves only up; what is above the old mark goes to the one caller that raised it.
TEST(MailstoreRecent, ClaimedOnce) {
  TestMaildir md;
  EXPECT_EQ(mailstore::recent_mark(md.path, 7), 0u);
  EXPECT_EQ(*mailstore::claim_recent(md.path, 7, 5), 0u);   // UIDs 1..5 are this caller's
  EXPECT_EQ(*mailstore::claim_recent(md.path, 7, 5), 5u);   // nothing for the next
  EXPECT_EQ(*mailstore::claim_recent(md.path, 7, 3), 5u);   // never down
  EXPECT_EQ(*mailstore::claim_recent(md.path, 7, 4294967295u), 5u);
  EXPECT_EQ(mailstore::recent_mark(md.path, 7), 4294967295u);
  EXPECT_EQ(mailstore::recent_mark(md.path, 8), 0u);  // another UIDVALIDITY: a new folder
  EXPECT_EQ(*mailstore::claim_recent(md.path, 8, 2), 0u);
}

// A folder deleted and created again, even within the second, gets a new UIDVALIDITY.
TEST(MailstoreFolders, UidValidityNeverRepeats) {
  TestMaildir md;
  mailstore::Folders f(md.path);
  std::set<uint32_t> seen;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(f.create("Again"));
    auto ix = mailstore::MailboxIndex::open(f.dir("Again"));
    ASSERT_TRUE(ix);
    EXPECT_TRUE(seen.insert(ix->uid_validity()).second);
    ASSERT_TRUE(f.remove("Again"));
  }
  auto inbox = mailstore::MailboxIndex::open(md.path);
  ASSERT_TRUE(inbox);
  EXPECT_TRUE(seen.insert(inbox->uid_validity()).second);
}

TEST(MailstoreFolders, NamesAndOperations) {
  EXPECT_TRUE(mailstore::check_mailbox_name("Work.Reports"));
  EXPECT_EQ(*mailstore::check_mailbox_name("inbox"), "INBOX");
  for (const char* bad : {"../x", "a/b", "a..b", ".a", "a.", "", "x&Jjo", "a\x01", "a*"})
    EXPECT_FALSE(mailstore::check_mailbox_name(bad)) << bad;
  EXPECT_EQ(*mailstore::mutf7_to_utf8("Entw&APw-rfe"), "Entw\xC3\xBCrfe");
  EXPECT_EQ(mailstore::utf8_to_mutf7("Entw\xC3\xBCrfe"), "Entw&APw-rfe");
  EXPECT_EQ(mailstore::utf8_to_mutf7("~peter/mail/\xE5\x8F\xB0\xE5\x8C\x97/\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
  TestMaildir md;
  const std::string& d = md.path;
  mailstore::Folders f(d);
  ASSERT_TRUE(f.create("Work"));
  ASSERT_TRUE(f.create("Work.Reports"));
  EXPECT_FALSE(f.create("Work"));
  ASSERT_TRUE(f.rename("Work", "Job"));
  EXPECT_TRUE(f.exists("Job.Reports"));
  EXPECT_FALSE(f.exists("Work.Reports"));
  ASSERT_TRUE(f.remove("Job.Reports"));
  auto l = f.list();
  EXPECT_EQ(l, (std::vector<std::string>{"INBOX", "Job"}));
  ASSERT_TRUE(f.subscribe("Job", true));
  EXPECT_EQ(f.subscriptions(), std::vector<std::string>{"Job"});
}

namespace {
// Directory mtimes a minute in the past: a scan of the folder counts as settled.
// The same past time on every call: two settles a second apart would otherwise change the
// directories' stamp themselves.
void settle(const std::string& d) {
  static const time_t past = ::time(nullptr) - 60;
  struct timespec ts[2] = {{past, 0}, {past, 0}};
  for (const char* sub : {"/new", "/cur"}) ::utimensat(AT_FDCWD, (d + sub).c_str(), ts, 0);
}
void damage(const std::string& path, bool truncate) {
  std::string data;
  {
    std::ifstream in(path);
    data.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(data.size(), 40u);
  if (truncate) data.resize(data.size() - 9);
  else data[data.size() / 2] ^= 0x20;
  std::ofstream(path, std::ios::trunc) << data;
}
}  // namespace

TEST(MailstoreCache, TrustedOnlyWhileValid) {
  TestMaildir md;
  const std::string& d = md.path;
  for (int i = 1; i <= 3; ++i) put(d, "cur/" + std::to_string(i) + ".M1P1.h,S=16:2,S");
  settle(d);
  auto ix = mailstore::MailboxIndex::open(d);
  ASSERT_TRUE(ix);
  ASSERT_EQ(::access((d + "/posta-index.cache").c_str(), F_OK), 0);
  // A file slipped in without changing cur/'s mtime is invisible: the cache was used.
  put(d, "cur/4.M1P1.h,S=16:2,");
  settle(d);
  EXPECT_EQ(mailstore::MailboxIndex::open(d)->messages().size(), 3u);
  // A corrupt or truncated cache is rebuilt, not trusted.
  damage(d + "/posta-index.cache", false);
  EXPECT_EQ(mailstore::MailboxIndex::open(d)->messages().size(), 4u);
  damage(d + "/posta-index.cache", true);
  auto again = mailstore::MailboxIndex::open(d);
  ASSERT_EQ(again->messages().size(), 4u);
  EXPECT_EQ(again->messages().back().uid, 4u);
  EXPECT_EQ(again->messages().back().flags(), "");
  // A delivery changes new/: the (valid, settled) cache is no longer used.
  settle(d);
  ASSERT_EQ(mailstore::MailboxIndex::open(d)->messages().size(), 4u);  // writes the cache
  put(d, "new/5.M1P1.h,S=16");
  auto fresh = mailstore::MailboxIndex::open(d);
  ASSERT_EQ(fresh->messages().size(), 5u);
  EXPECT_EQ(fresh->messages().back().uid, 5u);
}

TEST(MailstoreCache, SeesDeliveriesAndOtherSessionsFlags) {
  TestMaildir md{"cur/1.M1P1.h,S=16:2,"};
  const std::string& d = md.path;
  settle(d);
  auto a = mailstore::MailboxIndex::open(d);
  auto b = mailstore::MailboxIndex::open(d);  // from the cache
  ASSERT_TRUE(a && b);
  put(d, "new/2.M2P2.h,S=16");  // a delivery (new/ changes)
  ASSERT_TRUE(a->refresh());
  ASSERT_EQ(a->messages().size(), 2u);
  EXPECT_EQ(a->messages()[1].uid, 2u);
  ASSERT_TRUE(b->update_flags(1, [](const std::string&) { return std::string("FS"); }));
  ASSERT_TRUE(a->refresh());
  EXPECT_EQ(a->find(1)->flags(), "FS");
  settle(d);
  ASSERT_TRUE(a->refresh());
  auto c = mailstore::MailboxIndex::open(d);  // from the cache written by a's settled scan
  ASSERT_EQ(c->messages().size(), 2u);
  EXPECT_EQ(c->find(1)->flags(), "FS");
  EXPECT_EQ(c->filename(*c->find(2)), "new/2.M2P2.h,S=16");
}

TEST(MailstoreHeaderCache, AppendsAndRebuildsWhenDamaged) {
  EXPECT_EQ(mailstore::cached_header_fields("From: a@b\r\nX-Junk: 1\r\nSubject: s\r\n t\r\n\r\nbody"),
            "From: a@b\r\nSubject: s\r\n t\r\n");
  TestMaildir md{"cur/1.M1P1.h:2,S", "cur/2.M1P1.h:2,"};
  const std::string& d = md.path;
  auto live = mailstore::MailboxIndex::open(d);
  ASSERT_TRUE(live);
  const std::string base[2] = {"1.M1P1.h", "2.M1P1.h"};
  {
    mailstore::HeaderCache hc(d);
    hc.load();
    hc.add(base[0], "From: one\r\n");
    hc.add(base[1], "From: two\r\n");
    ASSERT_TRUE(hc.save(*live));
  }
  mailstore::HeaderCache hc(d);
  hc.load();
  ASSERT_TRUE(hc.find(base[1]));
  EXPECT_EQ(*hc.find(base[1]), "From: two\r\n");
  {
    std::fstream f(d + "/posta-headers.cache");
    std::string data((std::istreambuf_iterator<char>(f)), {});
    f.seekp(static_cast<std::streamoff>(data.find("two")));
    f << "TWO";  // the second record no longer matches its checksum
  }
  mailstore::HeaderCache broken(d);
  broken.load();
  EXPECT_EQ(broken.size(), 1u);
  EXPECT_FALSE(broken.find(base[1]));
  broken.add(base[1], "From: two\r\n");
  ASSERT_TRUE(broken.save(*live));  // rewritten: good records and the re-read one
  mailstore::HeaderCache fixed(d);
  fixed.load();
  EXPECT_EQ(fixed.size(), 2u);
  ASSERT_TRUE(fixed.find(base[1]));
  EXPECT_EQ(*fixed.find(base[1]), "From: two\r\n");
}

TEST(MailstoreNames, FlagBits) {
  for (std::string letters : {"", "S", "DFPRST", "FSa", "Xbz", "STa"})
    EXPECT_EQ(mailstore::flag_letters(mailstore::flag_bits(letters)), mailstore::normalize_letters(letters));
  EXPECT_EQ(mailstore::flag_letters(mailstore::flag_bits("zaTS,1 ")), "STaz");
  auto nf = mailstore::parse_name_fields("1.M2P3.h,S=20,W=22:2,TS");
  EXPECT_EQ(nf.base_len, 18u);
  EXPECT_EQ(nf.flags_set, mailstore::flag_bits("ST"));
  EXPECT_EQ(nf.size, 20u);
  EXPECT_EQ(nf.vsize, 22u);
}

// The cache is used in place: names, flags and sizes come from it, the first change copies
// the records, and copies of a MessageInfo resolve by UID to what the index knows now.
TEST(MailstoreCache, RecordsInPlaceThenChanged) {
  TestMaildir md{"cur/1.M1P1.h,S=16,W=17:2,Sa", "new/2.M2P2.h,S=16", "cur/3.M3P3.h:2,"};
  const std::string& d = md.path;
  settle(d);
  ASSERT_TRUE(mailstore::MailboxIndex::open(d));  // scans and writes the cache
  auto ix = mailstore::MailboxIndex::open(d);     // from the cache
  ASSERT_TRUE(ix);
  auto all = ix->messages();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(ix->filename(all[0]), "cur/1.M1P1.h,S=16,W=17:2,Sa");
  EXPECT_EQ(ix->base(all[0]), "1.M1P1.h,S=16,W=17");
  EXPECT_EQ(all[0].flags(), "Sa");
  EXPECT_EQ(all[0].vsize, 17u);
  EXPECT_TRUE(all[1].in_new());
  EXPECT_EQ(all[2].size, 0u + std::string("Subject: x\n\nhi\n").size());
  mailstore::MessageInfo copy = all[1];
  ASSERT_TRUE(ix->claim_new(2));
  EXPECT_EQ(ix->filename(copy), "cur/2.M2P2.h,S=16:2,");
  ASSERT_TRUE(ix->update_flags(3, [](const std::string&) { return std::string("FT"); }));
  EXPECT_EQ(ix->filename(*ix->find(3)), "cur/3.M3P3.h:2,FT");
  EXPECT_EQ(::access(ix->path(*ix->find(3)).c_str(), F_OK), 0);
  ASSERT_TRUE(ix->remove(2));
  EXPECT_EQ(ix->path(copy), "");
  EXPECT_EQ(ix->messages().size(), 2u);
}

// A cache whose checksum is right but whose record names a file outside new/ and cur/ is
// refused (the folder is scanned instead).
TEST(MailstoreCache, RefusesRecordsLeavingTheFolder) {
  TestMaildir md{"cur/1.M1P1.h:2,S"};
  const std::string& d = md.path;
  settle(d);
  ASSERT_TRUE(mailstore::MailboxIndex::open(d));
  std::string path = d + "/posta-index.cache", data;
  {
    std::ifstream in(path);
    data.assign(std::istreambuf_iterator<char>(in), {});
  }
  size_t at = data.find("cur/1.M1P1.h");
  ASSERT_NE(at, std::string::npos);
  data.replace(at, 6, "cur/..");  // "cur/...M1P1.h": a dot file, never a message
  std::string body = data.substr(0, data.size() - 8);
  uint64_t sum = mailstore::checksum(body);
  data = body + std::string(reinterpret_cast<const char*>(&sum), 8);
  std::ofstream(path, std::ios::trunc) << data;
  auto ix = mailstore::MailboxIndex::open(d);
  ASSERT_TRUE(ix);
  ASSERT_EQ(ix->messages().size(), 1u);
  EXPECT_EQ(ix->filename(ix->messages()[0]), "cur/1.M1P1.h:2,S");
}

// load() maps only what it has not read yet (from an offset inside a page) and sees records
// that another session appended since.
TEST(MailstoreHeaderCache, LoadsWhatOthersAppended) {
  TestMaildir md{"cur/1.M1P1.h:2,S", "cur/2.M1P1.h:2,"};
  const std::string& d = md.path;
  auto live = mailstore::MailboxIndex::open(d);
  ASSERT_TRUE(live);
  mailstore::HeaderCache reader(d);
  reader.load();
  EXPECT_EQ(reader.size(), 0u);
  for (int i = 0; i < 2; ++i) {
    mailstore::HeaderCache writer(d);
    writer.load();
    std::string base = std::to_string(i + 1) + ".M1P1.h";
    writer.add(base, "Subject: " + std::string(3000 * (i + 1), 'x') + "\r\n");
    ASSERT_TRUE(writer.save(*live));
    reader.load();
    ASSERT_EQ(reader.size(), static_cast<size_t>(i + 1));
    ASSERT_TRUE(reader.find(base));
    EXPECT_EQ(reader.find(base)->size(), 3000u * (i + 1) + 11);
  }
}

TEST(MailstoreModseq, ChangesGetHigherModseqsSeenByOtherIndexesAndAfterReopen) {
  TestMaildir md{"cur/1.M1P1.h,S=16:2,", "cur/2.M2P2.h,S=16:2,S", "new/3.M3P3.h,S=16"};
  const std::string& d = md.path;
  auto a = mailstore::MailboxIndex::open(d);
  auto b = mailstore::MailboxIndex::open(d);
  ASSERT_TRUE(a && b);
  uint64_t h0 = a->highest_modseq();
  EXPECT_GT(h0, 1u);
  for (auto& m : a->messages()) EXPECT_GT(m.modseq, 0u);
  EXPECT_EQ(b->highest_modseq(), h0);
  EXPECT_EQ(b->find(2)->modseq, a->find(2)->modseq);  // b read a's log: no new numbers
  // A change by a: a higher modseq, the same one in b after its refresh.
  ASSERT_TRUE(a->update_flags(1, [](const std::string&) { return std::string("F"); }));
  uint64_t m1 = a->find(1)->modseq;
  EXPECT_GT(m1, h0);
  EXPECT_EQ(a->highest_modseq(), m1);
  ASSERT_TRUE(b->refresh());
  EXPECT_EQ(b->find(1)->modseq, m1);
  EXPECT_EQ(b->highest_modseq(), m1);
  // No change, no new modseq; new/ -> cur/ is no flag change either.
  ASSERT_TRUE(a->update_flags(1, [](const std::string& f) { return f; }));
  EXPECT_EQ(a->find(1)->modseq, m1);
  ASSERT_TRUE(a->claim_new(3));
  ASSERT_TRUE(b->refresh());
  EXPECT_EQ(b->highest_modseq(), m1);
  // A rename from outside (no log line): the first refresh that sees it gives a new modseq,
  // which the other index then takes from the log.
  std::string from = d + "/" + std::string(a->filename(*a->find(2)));
  ASSERT_EQ(::rename(from.c_str(), (d + "/cur/2.M2P2.h,S=16:2,RS").c_str()), 0);
  ASSERT_TRUE(b->refresh());
  uint64_t m2 = b->find(2)->modseq;
  EXPECT_GT(m2, m1);
  ASSERT_TRUE(a->refresh());
  EXPECT_EQ(a->find(2)->modseq, m2);
  // UNCHANGEDSINCE: refused (EEXIST) when the modseq is above it, and nothing changes.
  auto refused = a->update_flags(2, [](const std::string&) { return std::string(""); }, m1);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, EEXIST);
  EXPECT_EQ(a->find(2)->flags(), "RS");
  ASSERT_TRUE(a->update_flags(2, [](const std::string&) { return std::string("R"); }, m2));
  // Expunges: recorded with a modseq; expunged_since lists them.
  ASSERT_TRUE(a->remove(3));
  uint64_t h = a->highest_modseq();
  std::string gone_path = d + "/" + std::string(a->filename(*a->find(1)));
  ASSERT_EQ(::unlink(gone_path.c_str()), 0);  // from outside: noticed by a refresh
  ASSERT_TRUE(b->refresh());
  EXPECT_GT(b->highest_modseq(), h);
  bool complete = false;
  auto gone = b->expunged_since(m2, complete);
  ASSERT_TRUE(gone);
  EXPECT_TRUE(complete);
  EXPECT_EQ(*gone, (std::vector<uint32_t>{1, 3}));
  gone = b->expunged_since(h, complete);
  EXPECT_EQ(*gone, (std::vector<uint32_t>{1}));
  b->expunged_since(1, complete).value();
  EXPECT_FALSE(complete);  // below the floor: the log began after those messages
  // Reopened, from the cache or from a scan: the same numbers.
  settle(d);
  ASSERT_TRUE(b->refresh());
  for (bool drop_cache : {false, true}) {
    if (drop_cache) ::unlink((d + "/posta-index.cache").c_str());
    auto c = mailstore::MailboxIndex::open(d);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->highest_modseq(), b->highest_modseq());
    ASSERT_EQ(c->messages().size(), 1u);
    EXPECT_EQ(c->find(2)->modseq, b->find(2)->modseq);
  }
}

TEST(MailstoreModseq, LogCompactedAndDamagedLinesSurvived) {
  TestMaildir md{"cur/1.M1P1.h,S=16:2,"};
  const std::string& d = md.path;
  auto a = mailstore::MailboxIndex::open(d);
  ASSERT_TRUE(a);
  for (int i = 0; i < 1500; ++i)
    ASSERT_TRUE(a->update_flags(1, [i](const std::string&) { return std::string(i % 2 ? "S" : "F"); }));
  uint64_t h = a->highest_modseq();
  // Compacted at the next refresh that scans: one line per live message, numbers kept.
  put(d, "new/2.M2P2.h,S=16");
  ASSERT_TRUE(a->refresh());
  auto log = read_file(d + "/posta-modseq").value();
  EXPECT_LT(std::count(log.begin(), log.end(), '\n'), 5);
  EXPECT_EQ(a->find(1)->modseq, h);
  // A torn last line and garbage are skipped; the message whose line is lost gets a new one.
  std::ofstream(d + "/posta-modseq", std::ios::app) << "garbage line\n12 x y\n99999";
  auto b = mailstore::MailboxIndex::open(d);
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->update_flags(2, [](const std::string&) { return std::string("D"); }));
  EXPECT_GT(b->find(2)->modseq, a->highest_modseq());
  // A log of another UIDVALIDITY counts as empty: numbers start above the old ones.
  auto text = read_file(d + "/posta-modseq").value();
  auto sp = text.find(' ', 15);
  std::string other = "posta-modseq 1 7" + text.substr(sp);
  ASSERT_TRUE(write_file_atomic(d + "/posta-modseq", other, 0600));
  ::unlink((d + "/posta-index.cache").c_str());
  auto c = mailstore::MailboxIndex::open(d);
  ASSERT_TRUE(c);
  EXPECT_GE(c->find(1)->modseq, b->find(2)->modseq);
}

TEST(MailstoreFolders, SpecialUseByCreateOrName) {
  TestMaildir md;
  mailstore::Folders f(md.path);
  ASSERT_TRUE(f.create("Spam"));
  ASSERT_TRUE(f.create("Sent"));
  EXPECT_EQ(f.special_use_of("Spam"), "");
  EXPECT_EQ(f.special_use_of("Sent"), "\\Sent");  // by name
  ASSERT_TRUE(f.set_special_use("Spam", "\\JUNK"));
  EXPECT_EQ(f.special_use_of("Spam"), "\\Junk");
  ASSERT_TRUE(f.rename("Spam", "Bulk"));  // the attribute moves with the folder
  EXPECT_EQ(f.special_use_of("Bulk"), "\\Junk");
  for (const char* unsupported : {"\\All", "\\Flagged", "\\Bogus", "Junk", ""})
    EXPECT_FALSE(f.set_special_use("Bulk", unsupported)) << unsupported;
  std::ofstream(md.path + "/.Bulk/posta-specialuse") << "\\Nonsense\n";  // damaged: by name again
  EXPECT_EQ(f.special_use_of("Bulk"), "");
}
