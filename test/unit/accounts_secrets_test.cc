// Unit tests of secret/secrets.db: password hashes are kept out of users.db and out of the
// db/ environment; old-format users.db records that still hold a hash keep working and
// migrate_secrets moves them.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "accounts/lookup.h"
#include "accounts/records.h"
#include "db/db.h"
#include "tmpdir.h"

using namespace posta;
using namespace posta::accounts;

namespace {

constexpr const char* kHash = "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1";

class AccountsSecrets : public ::testing::Test {
 protected:
  void SetUp() override {
    home = dir.path;
    auto a = Accounts::open(home, Accounts::Mode::kReadWrite);
    ASSERT_TRUE(a) << a.error().what;
    acc.emplace(std::move(*a));
    ASSERT_TRUE(acc->add_domain({"example.org", true, 0, 0, 0, "", "", 0}));
  }
  void TearDown() override {
    acc.reset();
  }
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
  posta::test::TempDir dir{"posta-secrets-unit"};
  std::string home;
  std::optional<Accounts> acc;
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
  // Done once: a later legacy record (an older posta writing again) is still read, not moved.
  u.address = "late@example.org";
  u.password_hash = kHash;
  put_legacy(u);
  EXPECT_EQ(*acc->migrate_secrets(), 0u);
  EXPECT_EQ((*ro->find_user("late@example.org", true))->password_hash, kHash);
  EXPECT_FALSE(ro->migrate_secrets());  // read-only handle
}
