// RAII wrappers over the Berkeley DB 5.3 C++ API (exceptions off: DB_CXX_NO_EXCEPTIONS).
// One transactional environment per instance in $POSTA_HOME/db; the recovery scheme is in
// INTERNALS.md "## Databases" and env.cc.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/error.h"

class DbEnv;
class Db;
class DbTxn;
class Dbc;

namespace posta::db {

// Error::code of a DB failure is the Berkeley DB error (DB_LOCK_DEADLOCK, DB_RUNRECOVERY,
// ...) or an errno; these help callers decide whether to retry.
bool is_deadlock(const Error& e);     // DB_LOCK_DEADLOCK / DB_LOCK_NOTGRANTED: retry the txn
bool needs_reopen(const Error& e);    // DB_RUNRECOVERY: close everything, open the env again

class Env {
 public:
  // Opens (creating when create is true and it is missing) the environment in dir:
  // DB_CREATE? | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN | DB_REGISTER |
  // DB_RECOVER, deadlock detection DB_LOCK_DEFAULT, automatic log removal.
  // Without create, a dir that holds no environment fails with code ENOENT.
  [[nodiscard]] static Result<std::unique_ptr<Env>> open(const std::string& dir, bool create);
  // Checkpoints when this handle committed a write and 1 MB of log or 5 minutes have passed
  // since the last checkpoint (a reader never checkpoints: there is nothing of its own to
  // flush, and the test costs a read of the log).
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  DbEnv* get() { return env_; }
  const std::string& dir() const { return dir_; }
  // Checkpoint (flushes the cache); cheap when nothing changed.
  [[nodiscard]] Status checkpoint();
  // Called for every committed write (Txn::commit, Database::open with create).
  void note_write() { wrote_ = true; }
  // From now on this handle's commits hand the log to the OS without waiting for the disk
  // (DB_TXN_WRITE_NOSYNC): they survive a killed process, not a power cut. For advisory
  // state alone (posta-policyd's greylist and counters); the accounts never use it.
  [[nodiscard]] Status commit_without_sync();

 private:
  Env(DbEnv* e, std::string dir) : env_(e), dir_(std::move(dir)) {}
  DbEnv* env_;
  std::string dir_;
  bool wrote_ = false;
};

// A transaction that aborts unless committed.
class Txn {
 public:
  [[nodiscard]] static Result<Txn> begin(Env& env);
  Txn(Txn&& o) noexcept;
  Txn& operator=(Txn&& o) noexcept;
  ~Txn();
  DbTxn* get() { return txn_; }
  // Durable commit: a synchronous log flush (unless Env::commit_without_sync).
  [[nodiscard]] Status commit();
  void abort();

 private:
  Txn(DbTxn* t, Env* env) : txn_(t), env_(env) {}
  DbTxn* txn_ = nullptr;
  Env* env_ = nullptr;
};

// One B-tree database file in the environment.
class Database {
 public:
  // create: DB_CREATE (inside its own transaction); read_only: DB_RDONLY and no transaction
  // (a handle for lookups only: cheaper to open, never passed a Txn; its reads still take
  // page locks, so they see only committed data). A missing file without create fails with
  // code ENOENT.
  [[nodiscard]] static Result<std::unique_ptr<Database>> open(Env& env, const std::string& file,
                                                              bool create, bool read_only);
  // A B-tree file outside any environment (the published copy of the accounts, INTERNALS.md
  // "### The published copy"): open_file reads one (DB_RDONLY, a private cache, no locks:
  // such a file never changes once it has its name); create_file makes a new one at path
  // (which must not exist) for put() without a Txn, made durable by finish().
  [[nodiscard]] static Result<std::unique_ptr<Database>> open_file(const std::string& path);
  [[nodiscard]] static Result<std::unique_ptr<Database>> create_file(const std::string& path);
  // create_file's handle: writes the cache out, closes, and fsyncs the file.
  [[nodiscard]] Status finish(const std::string& path);
  ~Database();  // closes without flushing the cache (the log makes the changes durable)
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // txn may be null (auto-commit / unlocked-by-txn read). nullopt when the key is absent.
  [[nodiscard]] Result<std::optional<std::string>> get(Txn* txn, std::string_view key,
                                                       bool for_update = false);
  [[nodiscard]] Status put(Txn* txn, std::string_view key, std::string_view value);
  // false when the key was absent.
  [[nodiscard]] Result<bool> del(Txn* txn, std::string_view key);
  // Visits keys >= prefix that start with prefix, in order; fn returns false to stop.
  [[nodiscard]] Status scan(Txn* txn, std::string_view prefix,
                            const std::function<bool(std::string_view key, std::string_view value)>& fn);
  Db* get() { return db_; }

 private:
  explicit Database(Db* d) : db_(d) {}
  Db* db_;
};

// Runs fn in a fresh transaction, committing when it succeeds; retries on deadlock up to
// `tries` times. fn returning an error aborts the transaction and returns that error.
[[nodiscard]] Status with_txn(Env& env, const std::function<Status(Txn&)>& fn, int tries = 8);

}  // namespace posta::db
