// Internals of Accounts shared by lookup.cc and admin.cc.
#pragma once
#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "accounts/lookup.h"
#include "db/db.h"

namespace posta::accounts {

// kSecrets (secret/secrets.db): password hashes, key as in users.db, value the crypt(3)
// string; opened only by the paths that need a hash (INTERNALS.md "### Secrets").
// kRatelimit (ratelimit.db in db/): posta-auth's failure counts (ratelimit.h); only
// Accounts::has_failures / forget_failures open it through an Accounts.
enum class Table { kUsers, kDomains, kAliases, kLists, kSecrets, kRatelimit };
constexpr int kTables = 6;

struct Accounts::Impl {
  std::string home;
  Mode mode = Mode::kReadOnly;
  std::string separators = "+";
  // Shared by every Accounts of this process on the same home: DB_REGISTER allows one
  // environment handle per process. Null: read-only and no environment yet (reads as empty).
  std::shared_ptr<db::Env> env;
  // $POSTA_HOME/db/secret: secrets.db only, in an environment of its own, opened on first
  // use (its cache regions and log hold hashes too, so they must not be in db/).
  std::shared_ptr<db::Env> secret_env;
  std::unique_ptr<db::Database> tables[kTables];
  // kPublished, or read-only and not allowed to join db/ (a role user of a system
  // instance): the tables are the files of the published copy (published.cc), reopened
  // when it is replaced.
  bool from_copy = false;
  ino_t copy_ino = 0;
  dev_t copy_dev = 0;
  // An accounts record was written: the copy is published again when this handle closes.
  bool changed = false;

  [[nodiscard]] Status open_env();
  [[nodiscard]] Status open_secret_env();
  void close_all();
  // The table's handle, opened on first use; nullptr when read-only and it does not exist.
  [[nodiscard]] Result<db::Database*> table(Table t);
  // Runs fn; when another process ran recovery under us (DB_RUNRECOVERY), reopens and
  // runs it once more.
  [[nodiscard]] Status with_reopen(const std::function<Status()>& fn);
  [[nodiscard]] Status write(const std::function<Status(db::Txn&)>& fn);
  // published.cc: the copy's file of t (nullptr when there is none, or t is not copied),
  // and the check that drops the open files when the copy was replaced.
  [[nodiscard]] Result<db::Database*> copy_table(Table t);
  void refresh_copy();
};

// published.cc: $POSTA_HOME/accounts; whether this process may join $POSTA_HOME/db (its
// effective ids have write and search permission, or the directory is not there); writes
// the copy from the environment (users without hash, master flag or last login).
std::string published_dir(const std::string& home);
bool may_join_db(const std::string& home);
bool has_copy(const std::string& home);  // accounts/users.db exists
[[nodiscard]] Status publish(Accounts::Impl& im);

// The key of the marker record in secrets.db that says every hash has left users.db: from
// then on a hash still found in a users record is ignored.
inline constexpr const char* kMigratedKey = "#migrated";

// Database keys: domains by lower-cased name; users, aliases and lists by
// "<domain>/<local>" lower-cased, so that a prefix scan lists one domain in order.
inline std::string domain_prefix(std::string_view domain) { return std::string(domain) + "/"; }

// The password hash of key: secrets.db, else a hash still held by an old-format users.db
// record (legacy, read as given); "" when neither has one.
[[nodiscard]] Result<std::string> read_secret(Accounts::Impl& im, const std::string& key, const std::string& legacy);

// Secrets are written in their own environment, so in transactions of their own: a writer
// collects them while it checks and stores the users records, and flushes them (one
// transaction) before the users transaction commits. Lock order is users, then secrets,
// everywhere. A crash between the two commits leaves a secret without a user (harmless; a
// later add overwrites it), never a new user without its password.
using SecretBatch = std::vector<std::pair<std::string, std::string>>;  // key, hash ("" = delete)
// In txn: stores u under key in users without its hash, and queues the hash.
[[nodiscard]] Status write_user(db::Txn& txn, db::Database* users, const std::string& key, UserRecord u,
                                SecretBatch& secrets);
// Writes (or, for "", deletes) every secret of batch in one transaction of the secret
// environment. secrets.cc.
[[nodiscard]] Status flush_secrets(Accounts::Impl& im, const SecretBatch& batch);
// After the users were deleted: their secrets, by key, or every key under prefix.
[[nodiscard]] Status delete_secrets(Accounts::Impl& im, const std::vector<std::string>& keys);
[[nodiscard]] Status delete_secrets_under(Accounts::Impl& im, const std::string& prefix);

}  // namespace posta::accounts
