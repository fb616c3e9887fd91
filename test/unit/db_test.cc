// Unit tests of lib/db: the RAII wrappers, transactions and recovery after a crash.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/db.h"
#include "tmpdir.h"

using namespace posta;

namespace {
struct Dir : posta::test::TempDir {
  Dir() : TempDir("posta-db-unit") {}
};
}  // namespace

TEST(AccountsDb, PutGetDelScan) {
  Dir d;
  auto env = db::Env::open(d.path + "/db", true);
  ASSERT_TRUE(env) << env.error().what;
  auto t = db::Database::open(**env, "t.db", true, false);
  ASSERT_TRUE(t) << t.error().what;
  ASSERT_TRUE((*t)->put(nullptr, "a/1", "one"));
  ASSERT_TRUE((*t)->put(nullptr, "a/2", std::string("t\0o", 3)));
  ASSERT_TRUE((*t)->put(nullptr, "b/1", "three"));
  auto v = (*t)->get(nullptr, "a/2");
  ASSERT_TRUE(v && *v);
  EXPECT_EQ(**v, std::string("t\0o", 3));
  v = (*t)->get(nullptr, "zz");
  ASSERT_TRUE(v);
  EXPECT_FALSE(*v);
  std::vector<std::string> keys;
  ASSERT_TRUE((*t)->scan(nullptr, "a/", [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  }));
  EXPECT_EQ(keys, (std::vector<std::string>{"a/1", "a/2"}));
  keys.clear();
  ASSERT_TRUE((*t)->scan(nullptr, "", [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return keys.size() < 2;
  }));
  EXPECT_EQ(keys.size(), 2u);
  auto gone = (*t)->del(nullptr, "a/1");
  ASSERT_TRUE(gone);
  EXPECT_TRUE(*gone);
  gone = (*t)->del(nullptr, "a/1");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
}

TEST(AccountsDb, TxnAbortAndCommit) {
  Dir d;
  auto env = db::Env::open(d.path, true);
  ASSERT_TRUE(env);
  auto t = db::Database::open(**env, "t.db", true, false);
  ASSERT_TRUE(t);
  {
    auto txn = db::Txn::begin(**env);
    ASSERT_TRUE(txn);
    ASSERT_TRUE((*t)->put(&*txn, "k", "v"));
  }  // destroyed without commit: aborted
  EXPECT_FALSE(*(*t)->get(nullptr, "k"));
  auto st = db::with_txn(**env, [&](db::Txn& txn) { return (*t)->put(&txn, "k", "v2"); });
  ASSERT_TRUE(st);
  EXPECT_EQ(**(*t)->get(nullptr, "k"), "v2");
  st = db::with_txn(**env, [&](db::Txn& txn) -> Status {
    if (auto p = (*t)->put(&txn, "k", "v3"); !p) return p;
    return fail("changed my mind");
  });
  EXPECT_FALSE(st);
  EXPECT_EQ(**(*t)->get(nullptr, "k"), "v2");
}

TEST(AccountsDb, MissingWithoutCreate) {
  Dir d;
  auto env = db::Env::open(d.path + "/nope", false);
  ASSERT_FALSE(env);
  EXPECT_EQ(env.error().code, ENOENT);
  auto env2 = db::Env::open(d.path, true);
  ASSERT_TRUE(env2);
  auto t = db::Database::open(**env2, "absent.db", false, false);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ENOENT);
}

// A writer killed with SIGKILL mid-way: the next open runs recovery (DB_REGISTER +
// DB_RECOVER); every committed transaction is there, the uncommitted one is not.
TEST(AccountsDb, RecoveryAfterKill) {
  Dir d;
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto env = db::Env::open(d.path, true);
    if (!env) ::_exit(1);
    auto t = db::Database::open(**env, "t.db", true, false);
    if (!t) ::_exit(2);
    for (int i = 0; i < 50; ++i)
      if (!db::with_txn(**env, [&](db::Txn& txn) { return (*t)->put(&txn, "k" + std::to_string(i), "v"); }))
        ::_exit(3);
    auto txn = db::Txn::begin(**env);
    if (!txn || !(*t)->put(&*txn, "uncommitted", "x")) ::_exit(4);
    (void)!::write(ready[1], "r", 1);
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  ::kill(pid, SIGKILL);
  int status;
  ::waitpid(pid, &status, 0);
  auto env = db::Env::open(d.path, true);
  ASSERT_TRUE(env) << env.error().what;
  auto t = db::Database::open(**env, "t.db", false, false);
  ASSERT_TRUE(t) << t.error().what;
  int n = 0;
  ASSERT_TRUE((*t)->scan(nullptr, "", [&](std::string_view k, std::string_view) {
    EXPECT_NE(k, "uncommitted");
    ++n;
    return true;
  }));
  EXPECT_EQ(n, 50);
  ASSERT_TRUE((*t)->put(nullptr, "after", "ok"));  // writable after recovery
}

// A file outside any environment: created once (never over an existing one), read-only after.
TEST(AccountsDb, StandaloneFileCreateFinishOpen) {
  Dir d;
  std::string path = d.path + "/copy.db";
  auto w = db::Database::create_file(path);
  ASSERT_TRUE(w) << w.error().what;
  ASSERT_TRUE((*w)->put(nullptr, "k", "v"));
  ASSERT_TRUE((*w)->finish(path));
  EXPECT_FALSE((*w)->finish(path));  // already closed
  EXPECT_FALSE(db::Database::create_file(path));  // exists
  auto r = db::Database::open_file(path);
  ASSERT_TRUE(r) << r.error().what;
  auto v = (*r)->get(nullptr, "k");
  ASSERT_TRUE(v && *v);
  EXPECT_EQ(**v, "v");
  EXPECT_FALSE((*r)->put(nullptr, "k", "w"));  // read-only
  auto missing = db::Database::open_file(d.path + "/none.db");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ENOENT);
}
