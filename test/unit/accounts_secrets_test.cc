// Unit tests of secret/secrets.db: password hashes are kept out of users.db and out of the
// db/ environment; old-format users.db records that still hold a hash keep working and
// migrate_secrets moves them.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>

#include "accounts/lookup.h"
#include "accounts/records.h"
#include "db/db.h"
#include "accounts_home.h"

using namespace posta;
using namespace posta::accounts;

namespace {

constexpr const char* kHash = "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1";

class AccountsSecrets : public posta::test::AccountsHome {
 protected:
  AccountsSecrets() : AccountsHome("posta-secrets-unit") {}
  // The raw value stored under key in file ("" when absent).
  std::string raw(const std::string& file, const std::string& key) {
    bool secret = file == "secrets.db";
    if (secret && !acc->secret_env()) return "";
    auto d = db::Database::open(secret ? *acc->secret_env() : acc->env(), file, false, true);
    if (!d) return "";
    auto v = (*d)->get(nullptr, key);
    return v && *v ? **v : "";
  }
  // Writes u as an older posta did: the hash inside the users.db record.
  void put_legacy(UserRecord u) {
    auto d = db::Database::open(acc->env(), "users.db", true, false);
    ASSERT_TRUE(d) << d.error().what;
    auto a = valid_address(u.address);
    ASSERT_TRUE(a);
    u.local = a->local;
    u.domain = a->domain;
    u.maildir = home + "/mail/" + a->domain + "/" + a->local + "/";
    ASSERT_TRUE(db::with_txn(acc->env(), [&](db::Txn& txn) { return (*d)->put(&txn, a->key(), encode(u)); }));
  }
};

}  // namespace

TEST_F(AccountsSecrets, HashLivesInSecretsOnly) {
  UserRecord u;
  u.address = "Bob@example.org";
  u.password_hash = kHash;
  ASSERT_TRUE(acc->add_user(u));
  EXPECT_EQ(raw("users.db", "example.org/bob").find('$'), std::string::npos);
  EXPECT_EQ(raw("secrets.db", "example.org/bob"), kHash);
  struct stat st;
  ASSERT_EQ(::stat((home + "/db/secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_NE(::access((home + "/db/secret/secrets.db").c_str(), F_OK), -1);
  EXPECT_EQ(::access((home + "/db/secrets.db").c_str(), F_OK), -1);
  auto plain = acc->find_user("bob@example.org");
  ASSERT_TRUE(plain && *plain);
  EXPECT_EQ((*plain)->password_hash, "");
  auto full = acc->find_user("bob@example.org", true);
  ASSERT_TRUE(full && *full);
  EXPECT_EQ((*full)->password_hash, kHash);
  EXPECT_EQ((*acc->users("example.org", true))[0].password_hash, kHash);
  EXPECT_EQ((*acc->users("example.org"))[0].password_hash, "");
  // put_user with an empty hash removes the secret; del_user removes both records.
  (*full)->password_hash.clear();
  ASSERT_TRUE(acc->put_user(**full));
  EXPECT_EQ(raw("secrets.db", "example.org/bob"), "");
  (*full)->password_hash = kHash;
  ASSERT_TRUE(acc->put_user(**full));
  ASSERT_TRUE(acc->del_user("bob@example.org"));
  EXPECT_EQ(raw("secrets.db", "example.org/bob"), "");
  EXPECT_EQ(raw("users.db", "example.org/bob"), "");
}

TEST_F(AccountsSecrets, DomainDeleteTakesTheSecrets) {
  UserRecord u;
  u.address = "c@example.org";
  u.password_hash = kHash;
  ASSERT_TRUE(acc->add_user(u));
  ASSERT_TRUE(acc->del_domain("example.org", true));
  EXPECT_EQ(raw("secrets.db", "example.org/c"), "");
}

TEST_F(AccountsSecrets, LegacyRecordsReadAndMigrate) {
  UserRecord u;
  u.address = "old@example.org";
  u.password_hash = kHash;
  put_legacy(u);
  u.address = "nopw@example.org";
  u.password_hash = "";
  put_legacy(u);
  // Before the migration: lookups with the password read the legacy hash, others never see it.
  auto ro = Accounts::open(home, Accounts::Mode::kReadOnly);
  ASSERT_TRUE(ro);
  auto before = ro->find_user("old@example.org", true);
  ASSERT_TRUE(before && *before);
  EXPECT_EQ((*before)->password_hash, kHash);
  EXPECT_EQ((*ro->find_user("old@example.org"))->password_hash, "");
  auto moved = acc->migrate_secrets();
  ASSERT_TRUE(moved) << moved.error().what;
  EXPECT_EQ(*moved, 1u);
  EXPECT_EQ(raw("users.db", "example.org/old").find('$'), std::string::npos);
  EXPECT_EQ(raw("secrets.db", "example.org/old"), kHash);
  EXPECT_EQ((*ro->find_user("old@example.org", true))->password_hash, kHash);
  EXPECT_EQ((*ro->find_user("nopw@example.org", true))->password_hash, "");
  // Done once: from then on a hash in a users record grants nothing (whoever wrote it there),
  // and a migrated user's own hash is not overridden by one.
  u.address = "late@example.org";
  u.password_hash = kHash;
  put_legacy(u);
  EXPECT_EQ(*acc->migrate_secrets(), 0u);
  EXPECT_EQ((*ro->find_user("late@example.org", true))->password_hash, "");
  u.address = "old@example.org";
  u.password_hash = "$6$other$planted";
  put_legacy(u);
  EXPECT_EQ((*ro->find_user("old@example.org", true))->password_hash, kHash);
  EXPECT_FALSE(ro->migrate_secrets());  // read-only handle
}

// The published copy (accounts/): what the roles that may not join db/ read.
TEST_F(AccountsSecrets, PublishedCopyHoldsNoHashNoMasterAndFollowsWrites) {
  UserRecord u;
  u.address = "alice@example.org";
  u.password_hash = kHash;
  u.master = true;
  u.last_login = 1700000000;
  ASSERT_TRUE(acc->add_user(u));
  ASSERT_TRUE(acc->add_alias({"info@example.org", {"alice@example.org"}, false}));
  ASSERT_TRUE(acc->publish());
  std::string copy = home + "/accounts";
  struct stat st;
  ASSERT_EQ(::stat((copy + "/users.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  auto f = db::Database::open_file(copy + "/users.db");
  ASSERT_TRUE(f) << f.error().what;
  auto v = (*f)->get(nullptr, "example.org/alice");
  ASSERT_TRUE(v && *v);
  EXPECT_EQ((*v)->find('$'), std::string::npos);
  auto r = decode_user(**v);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->master);
  EXPECT_EQ(r->last_login, 0);
  EXPECT_EQ(r->maildir, home + "/mail/example.org/alice/");

  auto pub = Accounts::open(home, Accounts::Mode::kPublished);
  ASSERT_TRUE(pub) << pub.error().what;
  auto found = pub->find_user("alice@example.org", true);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->password_hash, "");  // no secrets through the copy
  EXPECT_FALSE((*found)->master);
  auto res = pub->resolve("info@example.org");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->kind, Resolution::kAlias);
  EXPECT_FALSE(pub->put_user(**found));  // read-only
  EXPECT_FALSE(pub->publish());

  // A write is published when its handle closes, and a long-lived reader sees it.
  {
    auto w = Accounts::open(home, Accounts::Mode::kReadWrite);
    ASSERT_TRUE(w);
    auto cur = w->find_user("alice@example.org", true);
    ASSERT_TRUE(cur && *cur);
    (*cur)->enabled = false;
    ASSERT_TRUE(w->put_user(**cur));
    UserRecord b;
    b.address = "bob@example.org";
    ASSERT_TRUE(w->add_user(b));
  }
  EXPECT_FALSE((*pub->find_user("alice@example.org"))->enabled);
  EXPECT_TRUE(*pub->find_user("bob@example.org"));
  EXPECT_EQ(pub->resolve("alice@example.org")->kind, Resolution::kDisabled);
  // The last-login bookkeeping alone publishes nothing.
  ASSERT_EQ(::stat((copy + "/users.db").c_str(), &st), 0);
  ino_t before = st.st_ino;
  {
    auto w = Accounts::open(home, Accounts::Mode::kReadWrite);
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->set_last_login("bob@example.org", 1800000000));
  }
  ASSERT_EQ(::stat((copy + "/users.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_ino, before);
}

TEST_F(AccountsSecrets, PublishedCopyLagsAnOpenWriter) {
  auto pub = Accounts::open(home, Accounts::Mode::kPublished);
  ASSERT_TRUE(pub) << pub.error().what;
  auto d = pub->find_domain("example.org");
  ASSERT_TRUE(d);
  EXPECT_FALSE(*d);  // published (empty) when the fixture's handle opened, not since
}

namespace {
// How many of this process's open files are in dir.
int open_files_in(const std::string& dir) {
  int n = 0;
  char real[4096];
  std::string prefix = std::string(::realpath(dir.c_str(), real) ? real : dir.c_str()) + "/";
  for (int fd = 0; fd < 1024; ++fd) {
    char target[4096];
    ssize_t len = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), target, sizeof target - 1);
    if (len <= 0) continue;
    if (std::string(target, len).starts_with(prefix)) ++n;
  }
  return n;
}
}  // namespace

// The programs that handle mail (kPublished, the default) never join db/: one of them killed
// while it held a mutex of the environment would leave it held for every later joiner.
TEST_F(AccountsSecrets, MailProgramsDoNotJoinTheEnvironment) {
  acc.reset();  // closes db/ in this process and publishes the domain
  auto pub = Accounts::open(home);
  ASSERT_TRUE(pub) << pub.error().what;
  auto d = pub->find_domain("example.org");
  ASSERT_TRUE(d && *d);
  EXPECT_EQ(open_files_in(home + "/db"), 0);
  EXPECT_GT(open_files_in(home + "/accounts"), 0);
}

// An instance whose db/ was never published (made by an older posta): the mail programs
// join db/ read-only until a writer publishes, which the first read-write open does.
TEST_F(AccountsSecrets, NeverPublishedInstanceIsJoinedThenPublished) {
  acc.reset();
  ASSERT_EQ(std::system(("rm -rf '" + home + "/accounts'").c_str()), 0);
  {
    auto pub = Accounts::open(home);
    ASSERT_TRUE(pub) << pub.error().what;
    auto d = pub->find_domain("example.org");
    ASSERT_TRUE(d && *d);
    EXPECT_GT(open_files_in(home + "/db"), 0);
  }
  { ASSERT_TRUE(Accounts::open(home, Accounts::Mode::kReadWrite)); }
  struct stat st;
  EXPECT_EQ(::stat((home + "/accounts/users.db").c_str(), &st), 0);
  auto pub = Accounts::open(home);
  ASSERT_TRUE(pub);
  EXPECT_TRUE(*pub->find_domain("example.org"));
  EXPECT_EQ(open_files_in(home + "/db"), 0);
}
