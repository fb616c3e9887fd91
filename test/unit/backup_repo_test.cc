#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "backup/compress.h"
#include "backup/repo.h"
#include "backup/seal_pipeline.h"
#include "backup/store.h"
#include "backup_test_data.h"
#include "tmpdir.h"

using namespace posta::backup;

namespace {

// cheap scrypt for tests
using posta::test::test_kdf;

using posta::test::pseudo_random;

// A repository made with passphrase "p" in a directory of the test's own.
class BackupRepo : public testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(Repository::init(dir, "p", test_kdf())); }
  std::unique_ptr<Repository> open(bool writable = true, std::string_view pass = "p") {
    auto r = Repository::open(dir, pass, writable);
    EXPECT_TRUE(r) << r.error().what;
    return r ? std::move(*r) : nullptr;
  }
  // Stores each of data in one run; the ID of the last.
  ObjectId stored(std::initializer_list<std::string_view> data) {
    auto r = open();
    ObjectId id{};
    for (auto d : data) id = r ? *r->put(d) : id;
    EXPECT_TRUE(r && r->flush());
    return id;
  }
  posta::test::TempDir t;
  std::string dir = t.path + "/repo";
};

}  // namespace

TEST_F(BackupRepo, RoundTripAndDedup) {
  auto r = std::optional(open());
  ASSERT_TRUE(*r);
  std::string big = pseudo_random(3 << 20, 7) + std::string(1 << 20, 'x');
  auto a = (*r)->put("hello");
  auto b = (*r)->put(big);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE((*r)->flush());
  uint64_t after_two = (*r)->new_bytes();
  auto a2 = (*r)->put("hello");
  ASSERT_TRUE(a2);
  EXPECT_EQ(*a, *a2);
  ASSERT_TRUE((*r)->flush());
  EXPECT_EQ((*r)->new_bytes(), after_two);
  r->reset();
  auto r2 = std::optional(open(false));
  ASSERT_TRUE(*r2);
  EXPECT_EQ(*(*r2)->get(*a), "hello");
  EXPECT_EQ(*(*r2)->get(*b), big);
  auto dmg = (*r2)->verify();
  ASSERT_TRUE(dmg);
  EXPECT_TRUE(dmg->empty());
}

TEST_F(BackupRepo, WrongPassphraseRefused) {
  auto r = Repository::open(dir, "wrong", false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EACCES);
  EXPECT_NE(r.error().what.find("wrong passphrase"), std::string::npos);
}

TEST_F(BackupRepo, ChangedPassphrase) {
  ObjectId id = stored({"data"});
  ASSERT_TRUE(open()->change_passphrase("new", test_kdf()));
  EXPECT_FALSE(Repository::open(dir, "p", false));
  auto r = open(false, "new");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r->get(id), "data");
}

TEST_F(BackupRepo, TamperNamesTheObject) {
  ObjectId id = stored({"first object", pseudo_random(5000, 3)});
  // flip the last byte of the pack: inside the second object's tag
  std::string pack;
  for (auto& e : std::filesystem::directory_iterator(dir + "/packs")) pack = e.path();
  int fd = ::open(pack.c_str(), O_RDWR);
  off_t end = ::lseek(fd, 0, SEEK_END);
  char c;
  ASSERT_EQ(::pread(fd, &c, 1, end - 1), 1);
  c ^= 1;
  ASSERT_EQ(::pwrite(fd, &c, 1, end - 1), 1);
  ::close(fd);
  auto r = open(false);
  ASSERT_TRUE(r);
  auto got = r->get(id);
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().what.find(id_hex(id)), std::string::npos) << got.error().what;
  auto dmg = r->verify();
  ASSERT_TRUE(dmg);
  ASSERT_EQ(dmg->size(), 1u);
  EXPECT_EQ((*dmg)[0].object, id_hex(id));
}

TEST_F(BackupRepo, PackWithoutIndexIsRecovered) {
  ObjectId id = stored({"kept"});
  for (auto& e : std::filesystem::directory_iterator(dir + "/index")) std::filesystem::remove(e.path());
  // and what a killed run leaves: a temporary pack, a database copy
  std::filesystem::create_directories(dir + "/.tmp.db.123/db");
  { std::ofstream(dir + "/packs/.tmp.1.1") << "partial"; }
  auto r = open();
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->has(id));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir + "/index"), {}), 1);
  EXPECT_FALSE(std::filesystem::exists(dir + "/.tmp.db.123"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/packs/.tmp.1.1"));
}

TEST_F(BackupRepo, SnapshotCommitAndCompact) {
  auto r = std::optional(open());
  ASSERT_TRUE(*r);
  Entry keep{"mail/a", EntryType::kFile, 0600, 1, 4, 1, "id@x", "", {}};
  keep.chunks = *store_bytes(**r, "keep");
  ASSERT_TRUE((*r)->put("garbage only the first snapshot had"));
  SnapshotRecord rec;
  rec.time = 1000;
  auto name = commit_snapshot(**r, rec, {keep});
  ASSERT_TRUE(name) << name.error().what;
  auto s = load_snapshot(**r, *name);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->entries.size(), 1u);
  EXPECT_EQ(s->entries[0].message_id, "id@x");
  EXPECT_EQ(*read_entry(**r, s->entries[0]), "keep");
  std::unordered_map<ObjectId, bool, IdHash> live;
  for (auto& id : s->record.catalog) live[id] = true;
  for (auto& id : keep.chunks) live[id] = true;
  auto freed = (*r)->compact(live);
  ASSERT_TRUE(freed);
  EXPECT_GT(*freed, 0u);
  EXPECT_EQ((*r)->object_count(), live.size());
  r->reset();
  auto r2 = std::optional(open(false));
  ASSERT_TRUE(*r2);
  EXPECT_EQ(*read_entry(**r2, load_snapshot(**r2, *name)->entries[0]), "keep");
  EXPECT_TRUE((*r2)->verify()->empty());
}

TEST(BackupLock, ExcludesAsDocumented) {
  posta::test::TempDir t;
  auto run = RepoLock::take(t.path, RepoLock::Mode::kRun);
  ASSERT_TRUE(run);
  EXPECT_TRUE(RepoLock::take(t.path, RepoLock::Mode::kRead));
  auto run2 = RepoLock::take(t.path, RepoLock::Mode::kRun);
  ASSERT_FALSE(run2);
  EXPECT_EQ(run2.error().code, EWOULDBLOCK);
  EXPECT_FALSE(RepoLock::take(t.path, RepoLock::Mode::kPrune));
}

TEST(BackupCompress, RawWhenIncompressible) {
  std::string noise = pseudo_random(1000, 9);
  auto p = pack_payload(noise);
  EXPECT_EQ(p[0], 'r');
  EXPECT_EQ(*unpack_payload(p, 1 << 20), noise);
  std::string text(10000, 'a');
  auto z = pack_payload(text);
  EXPECT_EQ(z[0], 'z');
  EXPECT_LT(z.size(), 100u);
  EXPECT_EQ(*unpack_payload(z, 1 << 20), text);
  EXPECT_FALSE(unpack_payload(z, 100));  // larger than allowed
}

// store_stream keeps its buffer from file to file: a small or empty file after a large one
// must come back with its own bytes and size.
TEST_F(BackupRepo, StreamsOfVariedSizesOneAfterAnother) {
  auto r = open();
  ASSERT_TRUE(r);
  std::vector<std::string> files = {pseudo_random(9 << 20, 3), "hi", "", pseudo_random(70000, 4), "x"};
  std::vector<std::pair<std::vector<ObjectId>, uint64_t>> stored_files;
  for (size_t i = 0; i < files.size(); ++i) {
    std::string path = t.path + "/f" + std::to_string(i);
    std::ofstream(path, std::ios::binary) << files[i];
    int fd = ::open(path.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    uint64_t size = 0;
    auto ids = store_stream(*r, fd, size);
    ::close(fd);
    ASSERT_TRUE(ids) << ids.error().what;
    stored_files.emplace_back(*ids, size);
  }
  ASSERT_TRUE(r->flush());
  for (size_t i = 0; i < files.size(); ++i) {
    Entry e{"f", EntryType::kFile, 0600, 0, stored_files[i].second, 0, "", "", stored_files[i].first};
    EXPECT_EQ(e.size, files[i].size());
    auto back = read_entry(*r, e);
    ASSERT_TRUE(back) << back.error().what;
    EXPECT_TRUE(*back == files[i]) << "file " << i;
  }
}

// Several snapshots in one second: each is the latest when it is made.
TEST_F(BackupRepo, SnapshotsOfOneSecondSortInTheirOrder) {
  auto r = open();
  ASSERT_TRUE(r);
  SnapshotRecord rec;
  rec.time = 2000;
  std::vector<std::string> made;
  for (int i = 0; i < 6; ++i) {
    auto name = commit_snapshot(*r, rec, {});
    ASSERT_TRUE(name) << name.error().what;
    made.push_back(*name);
    auto names = r->snapshot_names();
    ASSERT_TRUE(names);
    EXPECT_EQ(names->back(), *name) << "run " << i;
  }
  EXPECT_TRUE(std::is_sorted(made.begin(), made.end()));
  for (auto& n : made) EXPECT_EQ(snapshot_name_time(n), 2000);
}

TEST(BackupSealPipeline, ResultsComeInTheOrderSubmittedAndOpen) {
  MasterKey key{};
  key.enc.fill(7);
  SealPipeline p(key, 3);
  std::vector<std::string> data;
  for (int i = 0; i < 500; ++i) data.push_back(pseudo_random(size_t(i % 7) * 9000 + 1, uint32_t(i)));
  size_t taken = 0;
  auto check = [&](SealPipeline::Sealed& s) {
    ObjectId want{};
    want[0] = uint8_t(taken), want[1] = uint8_t(taken >> 8);
    EXPECT_EQ(s.id, want);
    ASSERT_TRUE(s.sealed);
    auto opened = unseal(key, s.id, *s.sealed);
    ASSERT_TRUE(opened);
    auto plain = unpack_payload(*opened, kMaxObject);
    ASSERT_TRUE(plain);
    EXPECT_EQ(*plain, data[taken]);
    ++taken;
  };
  for (size_t i = 0; i < data.size(); ++i) {
    ObjectId id{};
    id[0] = uint8_t(i), id[1] = uint8_t(i >> 8);
    p.submit(id, data[i]);
    while (auto s = p.next(false)) check(*s);
  }
  while (auto s = p.next(true)) check(*s);
  EXPECT_EQ(taken, data.size());
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.pending_bytes(), 0u);
}

// Objects put and not yet written can be read back (get waits for them), stored twice only
// once, and are all in the packs after flush.
TEST_F(BackupRepo, ObjectsInFlightReadBackAndDeduplicate) {
  std::vector<std::string> data;
  std::vector<ObjectId> ids;
  {
    auto r = open();
    ASSERT_TRUE(r);
    for (int i = 0; i < 300; ++i) {
      data.push_back(pseudo_random(size_t(i % 5) * 20000 + 10, uint32_t(i + 1)));
      auto id = r->put(data.back());
      ASSERT_TRUE(id);
      ids.push_back(*id);
      EXPECT_TRUE(r->has(*id));
    }
    auto again = r->put(data[150]);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, ids[150]);
    auto back = r->get(ids[299]);
    ASSERT_TRUE(back) << back.error().what;
    EXPECT_EQ(*back, data[299]);
    ASSERT_TRUE(r->flush());
    EXPECT_EQ(r->object_count(), data.size());
  }
  auto r = open(false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->object_count(), data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    auto got = r->get(ids[i]);
    ASSERT_TRUE(got) << got.error().what;
    EXPECT_EQ(*got, data[i]);
  }
}
