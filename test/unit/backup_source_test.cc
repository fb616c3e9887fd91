#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "backup/catalog.h"
#include "backup/restore.h"
#include "backup/source.h"
#include "backup_test_data.h"
#include "tmpdir.h"

using namespace posta::backup;

namespace {

using posta::test::test_kdf;

void put(const std::string& path, const std::string& data) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

std::string get(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

size_t count_files(const std::string& dir) {
  size_t n = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

}  // namespace

TEST(BackupSource, MessageId) {
  const std::pair<const char*, const char*> cases[] = {
      {"From: a\r\nMessage-ID: <x@y>\r\n\r\nMessage-ID: <body@z>\n", "x@y"},
      {"message-id:\n <folded@y>\nSubject: s\n\n", "folded@y"},  // folded
      {"Subject: s\n\nMessage-ID: <in-body@z>\n", ""},              // only in the body
      {"Message-Id: bare@y\n\n", "bare@y"},
  };
  for (auto [head, id] : cases) EXPECT_EQ(message_id_of(head), id) << head;
}

TEST(BackupSource, Paths) {
  EXPECT_EQ(user_of_path("mail/example.test/bob/cur/1.M1:2,S"), "bob@example.test");
  EXPECT_EQ(user_of_path("control/me"), "");
  EXPECT_EQ(folder_of_message("mail/example.test/bob/cur/1.M1:2,S"), "");
  EXPECT_EQ(folder_of_message("mail/example.test/bob/.Lists.posta/new/1.M1"), "Lists.posta");
  EXPECT_EQ(folder_of_message("mail/example.test/bob/tmp/1.M1"), std::nullopt);
  EXPECT_EQ(folder_of_message("mail/example.test/bob/posta-uidlist"), std::nullopt);
}

TEST(BackupSource, Selection) {
  Entry inbox{"mail/d/bob/cur/1.M1:2,S", EntryType::kFile, 0600, 2'000'000'000'000'000'000, 1, 1, "a@b", "", {}};
  Entry sent{"mail/d/bob/.Sent/cur/2.M2:2,S", EntryType::kFile, 0600, 1'000'000'000'000'000'000, 1, 2, "c@d", "", {}};
  Entry ctl{"control/me", EntryType::kFile, 0644, 0, 1, 3, "", "", {}};
  Selection all;
  EXPECT_TRUE(selected(ctl, all));
  Selection user{"BOB@d", std::nullopt, "", 0, 0};
  EXPECT_TRUE(selected(inbox, user) && selected(sent, user));
  EXPECT_FALSE(selected(ctl, user));
  Selection box{"bob@d", "INBOX", "", 0, 0};
  EXPECT_TRUE(selected(inbox, box));
  EXPECT_FALSE(selected(sent, box));
  Selection mid{"", std::nullopt, "c@d", 0, 0};
  EXPECT_TRUE(selected(sent, mid));
  EXPECT_FALSE(selected(inbox, mid));
  Selection until{"", std::nullopt, "", 0, 1'500'000'000};
  EXPECT_TRUE(selected(sent, until));
  EXPECT_FALSE(selected(inbox, until));
}

TEST(BackupCatalog, RoundTripAndStrictness) {
  Entry e{"mail/d/u/cur/x", EntryType::kFile, 0600, -5, 42, 7, "m@x", "", {ObjectId{1, 2, 3}}};
  Entry l{"tls/link", EntryType::kSymlink, 0777, 9, 0, 0, "", "target", {}};
  auto enc = encode_catalog({e, l});
  auto dec = decode_catalog(enc);
  ASSERT_TRUE(dec);
  ASSERT_EQ(dec->size(), 2u);
  EXPECT_EQ((*dec)[0].mtime_ns, -5);
  EXPECT_EQ((*dec)[0].chunks, e.chunks);
  EXPECT_EQ((*dec)[1].target, "target");
  EXPECT_FALSE(decode_catalog(enc + "x"));                       // trailing bytes
  EXPECT_FALSE(decode_catalog(enc.substr(0, enc.size() - 1)));  // cut short
  SnapshotRecord r{1765000000, "host", 2, 42, 10, {"u@d"}, {ObjectId{9}}};
  auto rec = decode_snapshot(encode_snapshot(r));
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->users, r.users);
  EXPECT_EQ(rec->catalog, r.catalog);
  EXPECT_EQ(snapshot_name_time(snapshot_name(1765000000, "abcd")), 1765000000);
}

// A home with a Maildir and control/ (no databases): backed up, exported identical, and a
// deleted message restored in place once, however often restore runs.
TEST(BackupSource, RunExportAndRestoreInPlace) {
  posta::test::TempDir t;
  std::string home = t.path + "/home", repo_dir = t.path + "/repo";
  std::string md = home + "/mail/d/bob";
  put(home + "/control/me", "d\n");
  put(md + "/cur/1.M1.h,S=40:2,FS", "Message-ID: <one@x>\nSubject: 1\n\nbody one\n");
  put(md + "/new/2.M2.h,S=40", "Message-ID: <two@x>\nSubject: 2\n\nbody two\n");
  put(md + "/tmp/3.M3.h", "in progress");
  put(md + "/posta-uidlist", "posta-uidlist 1 3 x\n");
  put(md + "/posta-index.cache", "cache");
  put(md + "/posta-fts/postlist.glass", "full-text index");  // rebuilt, never backed up
  put(home + "/mail/.fts-changed/0123", md + "\n");  // the indexer's hints, neither
  put(md + "/.fts-changed/cur/4.M4.h,S=9:2,", "folder\n\n");  // a user's folder "fts-changed" is mail
  std::filesystem::create_directories(t.path + "/scratch");
  ASSERT_TRUE(Repository::init(repo_dir, "p", test_kdf()));
  auto repo = Repository::open(repo_dir, "p", true);
  ASSERT_TRUE(repo);
  auto run = backup_instance(**repo, home, nullptr, t.path + "/scratch");
  ASSERT_TRUE(run) << run.error().what;
  EXPECT_EQ(run->record.users, std::vector<std::string>{"bob@d"});
  auto snap = load_snapshot(**repo, run->snapshot);
  ASSERT_TRUE(snap);
  // a second run reads nothing unchanged again
  auto again = backup_instance(**repo, home, &snap->entries, t.path + "/scratch");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->reused, 5u);

  auto out = restore_to_dir(**repo, *snap, Selection{}, t.path + "/out");
  ASSERT_TRUE(out) << out.error().what;
  EXPECT_TRUE(out->errors.empty());
  EXPECT_EQ(get(t.path + "/out/mail/d/bob/cur/1.M1.h,S=40:2,FS"), get(md + "/cur/1.M1.h,S=40:2,FS"));
  EXPECT_EQ(get(t.path + "/out/mail/d/bob/posta-uidlist"), "posta-uidlist 1 3 x\n");
  EXPECT_FALSE(std::filesystem::exists(t.path + "/out/mail/d/bob/posta-index.cache"));
  EXPECT_FALSE(std::filesystem::exists(t.path + "/out/mail/d/bob/posta-fts"));
  EXPECT_FALSE(std::filesystem::exists(t.path + "/out/mail/.fts-changed"));
  EXPECT_TRUE(std::filesystem::exists(t.path + "/out/mail/d/bob/.fts-changed/cur/4.M4.h,S=9:2,"));
  EXPECT_FALSE(std::filesystem::exists(t.path + "/out/mail/d/bob/tmp/3.M3.h"));
  EXPECT_TRUE(std::filesystem::is_directory(t.path + "/out/mail/d/bob/tmp"));
  // an export never replaces a file
  auto twice = restore_to_dir(**repo, *snap, Selection{}, t.path + "/out");
  ASSERT_TRUE(twice);
  EXPECT_FALSE(twice->errors.empty());

  std::filesystem::remove(md + "/cur/1.M1.h,S=40:2,FS");
  Selection one{"", std::nullopt, "one@x", 0, 0};
  for (int i = 0; i < 2; ++i) {
    auto in = restore_into_instance(**repo, *snap, one, home);
    ASSERT_TRUE(in) << in.error().what;
    EXPECT_EQ(in->files, i == 0 ? 1u : 0u);
  }
  EXPECT_EQ(count_files(md + "/cur"), 1u);
  auto back = std::filesystem::directory_iterator(md + "/cur")->path().string();
  EXPECT_TRUE(back.ends_with(":2,FS")) << back;
  EXPECT_EQ(get(back), "Message-ID: <one@x>\nSubject: 1\n\nbody one\n");
  // into another folder: there it is missing, so it is restored there
  auto into = restore_into_instance(**repo, *snap, one, home, "Restored");
  ASSERT_TRUE(into);
  EXPECT_EQ(into->files, 1u);
  EXPECT_EQ(count_files(md + "/.Restored/cur"), 1u);
  EXPECT_TRUE(std::filesystem::exists(md + "/.Restored/maildirfolder"));
  EXPECT_FALSE(restore_into_instance(**repo, *snap, one, home, "../x"));
}
