#include "db/db.h"

#include <db_cxx.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "log/log.h"

namespace posta::db {
namespace {

Error db_error(const std::string& what, int ret) {
  return Error{what + ": " + DbEnv::strerror(ret), ret};
}

// Berkeley DB's own diagnostics ("BDB2034 ...") go to our log, one line each.
void errcall(const DbEnv*, const char*, const char* msg) { log::warning("db: ", msg); }

Dbt in_dbt(std::string_view s) {
  Dbt d(const_cast<char*>(s.data()), static_cast<u_int32_t>(s.size()));
  return d;
}

// Files of the environment are 0660 whatever the caller's umask: in a system-mode instance
// every role opens db/ through the group of that set-group-id directory (INTERNALS.md
// "## System mode"), and BDB creates region and database files with the umask applied.
class GroupUmask {
 public:
  GroupUmask() : old_(::umask(0)) { ::umask(old_ & ~mode_t(070)); }
  ~GroupUmask() { ::umask(old_); }
  GroupUmask(const GroupUmask&) = delete;
  GroupUmask& operator=(const GroupUmask&) = delete;

 private:
  mode_t old_;
};

// Berkeley DB 5.3's DB_REGISTER reads a slot of __db.register and only then tries that slot's
// lock. If the slot's process leaves in between (it marks the slot empty, then drops its
// lock), the joiner takes it for a process that died and runs recovery under everyone; seen
// under smtp-source as posta-smtpd processes waiting forever on a mutex in removed region
// files. Joining and leaving hold an exclusive flock on __posta.join (independent of the
// fcntl locks Berkeley DB uses), so nobody leaves while another process reads the registry.
// Without the file (no write access) a process goes on without it.
class JoinLock {
 public:
  explicit JoinLock(const std::string& dir) {
    GroupUmask mask;
    fd_ = ::open((dir + "/__posta.join").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0660);
    while (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~JoinLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  JoinLock(const JoinLock&) = delete;
  JoinLock& operator=(const JoinLock&) = delete;

 private:
  int fd_ = -1;
};

std::string_view view(const Dbt& d) {
  return {static_cast<const char*>(d.get_data()), d.get_size()};
}

}  // namespace

bool is_deadlock(const Error& e) { return e.code == DB_LOCK_DEADLOCK || e.code == DB_LOCK_NOTGRANTED; }
bool needs_reopen(const Error& e) { return e.code == DB_RUNRECOVERY; }

Result<std::unique_ptr<Env>> Env::open(const std::string& dir, bool create) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT || !create) return fail_sys("unable to open database directory " + dir);
    if (::mkdir(dir.c_str(), 0770) != 0 && errno != EEXIST)
      return fail_sys("unable to create database directory " + dir);
  }
  auto* e = new DbEnv(DB_CXX_NO_EXCEPTIONS);
  e->set_errcall(errcall);
  int ret = e->set_lk_detect(DB_LOCK_DEFAULT);
  // A small cache on purpose: every process maps the cache region afresh, and the kernel maps
  // (and at exit unmaps) the resident pages around each one touched, so a full 8 MB cache
  // made each lookup in a 100,000-user database cost several times a lookup in a small one.
  // Pages missing from it are read back from the OS page cache (INTERNALS.md "## Databases").
  if (ret == 0) ret = e->set_cachesize(0, 2 << 20, 1);
  if (ret == 0) ret = e->log_set_config(DB_LOG_AUTO_REMOVE, 1);
  if (ret == 0) ret = e->set_lg_max(4 << 20);
  if (ret == 0) ret = e->set_lg_filemode(0660);  // log files made later by any writer
  // DB_REGISTER + DB_RECOVER: the first process to open after any user of the environment
  // died without closing it (kill -9, crash) runs normal recovery; everyone else just joins.
  u_int32_t flags = DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN |
                    DB_REGISTER | DB_RECOVER;
  if (ret == 0) {
    JoinLock join(dir);
    GroupUmask mask;
    ret = e->open(dir.c_str(), flags, 0660);
  }
  if (ret != 0) {
    e->close(0);
    delete e;
    return std::unexpected(db_error("unable to open database environment " + dir, ret));
  }
  return std::unique_ptr<Env>(new Env(e, dir));
}

Env::~Env() {
  // Bounds the log and the work of a recovery: a real checkpoint only once 1 MB of log or
  // 5 minutes have passed since the last one, else a cheap no-op. Housekeeping: an error
  // (e.g. a reader without write access) changes nothing that was committed.
  if (wrote_) (void)env_->txn_checkpoint(1024, 5, 0);
  JoinLock leave(dir_);
  env_->close(0);
  delete env_;
}

Status Env::commit_without_sync() {
  int ret = env_->set_flags(DB_TXN_WRITE_NOSYNC, 1);
  if (ret != 0) return std::unexpected(db_error("unable to set DB_TXN_WRITE_NOSYNC", ret));
  return {};
}

Status Env::checkpoint() {
  int ret = env_->txn_checkpoint(0, 0, 0);
  if (ret != 0) return std::unexpected(db_error("unable to checkpoint " + dir_, ret));
  return {};
}

Result<Txn> Txn::begin(Env& env) {
  DbTxn* t = nullptr;
  int ret = env.get()->txn_begin(nullptr, &t, 0);
  if (ret != 0) return std::unexpected(db_error("unable to begin transaction", ret));
  return Txn(t, &env);
}

Txn::Txn(Txn&& o) noexcept : txn_(std::exchange(o.txn_, nullptr)), env_(o.env_) {}
Txn& Txn::operator=(Txn&& o) noexcept {
  if (this != &o) {
    abort();
    txn_ = std::exchange(o.txn_, nullptr);
    env_ = o.env_;
  }
  return *this;
}
Txn::~Txn() { abort(); }

void Txn::abort() {
  if (txn_) std::exchange(txn_, nullptr)->abort();
}

Status Txn::commit() {
  if (!txn_) return fail("commit of a finished transaction");
  int ret = std::exchange(txn_, nullptr)->commit(0);
  if (ret != 0) return std::unexpected(db_error("unable to commit transaction", ret));
  if (env_) env_->note_write();
  return {};
}

namespace {

// d opened on file, or why not (d is then closed and deleted); verb is "open" or "create".
Result<Db*> open_db(Db* d, const std::string& file, u_int32_t flags, int mode, const std::string& verb) {
  int ret = d->open(nullptr, file.c_str(), nullptr, DB_BTREE, flags, mode);
  if (ret == 0) return d;
  d->close(0);
  delete d;
  if (ret == ENOENT && verb == "open") return fail("database " + file + " does not exist", ENOENT);
  return std::unexpected(db_error("unable to " + verb + " database " + file, ret));
}

// A handle for a database file outside any environment.
Db* standalone_db() {
  auto* d = new Db(nullptr, DB_CXX_NO_EXCEPTIONS);
  d->set_errcall(errcall);
  return d;
}

}  // namespace

Result<std::unique_ptr<Database>> Database::open(Env& env, const std::string& file, bool create,
                                                 bool read_only) {
  u_int32_t flags = read_only ? DB_RDONLY : DB_AUTO_COMMIT | (create ? DB_CREATE : 0u);
  if (create) env.note_write();
  GroupUmask mask;
  auto d = open_db(new Db(env.get(), DB_CXX_NO_EXCEPTIONS), file, flags, 0660, "open");
  if (!d) return std::unexpected(d.error());
  return std::unique_ptr<Database>(new Database(*d));
}

Result<std::unique_ptr<Database>> Database::open_file(const std::string& path) {
  auto d = open_db(standalone_db(), path, DB_RDONLY, 0, "open");
  if (!d) return std::unexpected(d.error());
  return std::unique_ptr<Database>(new Database(*d));
}

Result<std::unique_ptr<Database>> Database::create_file(const std::string& path) {
  auto d = open_db(standalone_db(), path, DB_CREATE | DB_EXCL, 0600, "create");
  if (!d) return std::unexpected(d.error());
  return std::unique_ptr<Database>(new Database(*d));
}

Status Database::finish(const std::string& path) {
  Db* d = std::exchange(db_, nullptr);
  if (!d) return fail("database " + path + " already closed");
  int ret = d->close(0);
  delete d;
  if (ret != 0) return std::unexpected(db_error("unable to write database " + path, ret));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail_sys("unable to open " + path);
  int r = ::fsync(fd);
  int e = errno;
  ::close(fd);
  if (r != 0) return fail("unable to fsync " + path + ": " + std::strerror(e), e);
  return {};
}

Database::~Database() {
  if (!db_) return;
  // DB_NOSYNC: every change is in the log, synchronously flushed at commit, so a crash loses
  // nothing (recovery replays the log from the last checkpoint). Without it every close
  // fdatasync()ed the file whenever any process had written to it: 7-70 ms per posta-auth.
  db_->close(DB_NOSYNC);
  delete db_;
}

Result<std::optional<std::string>> Database::get(Txn* txn, std::string_view key, bool for_update) {
  Dbt k = in_dbt(key), v;
  int ret = db_->get(txn ? txn->get() : nullptr, &k, &v, for_update ? DB_RMW : 0);
  if (ret == DB_NOTFOUND) return std::optional<std::string>();
  if (ret != 0) return std::unexpected(db_error("unable to read database", ret));
  return std::optional<std::string>(std::string(view(v)));
}

Status Database::put(Txn* txn, std::string_view key, std::string_view value) {
  Dbt k = in_dbt(key), v = in_dbt(value);
  int ret = db_->put(txn ? txn->get() : nullptr, &k, &v, 0);
  if (ret != 0) return std::unexpected(db_error("unable to write database", ret));
  return {};
}

Result<bool> Database::del(Txn* txn, std::string_view key) {
  Dbt k = in_dbt(key);
  int ret = db_->del(txn ? txn->get() : nullptr, &k, 0);
  if (ret == DB_NOTFOUND) return false;
  if (ret != 0) return std::unexpected(db_error("unable to delete from database", ret));
  return true;
}

namespace {
struct CursorCloser {
  void operator()(Dbc* c) const noexcept { c->close(); }
};
}  // namespace

Status Database::scan(Txn* txn, std::string_view prefix,
                      const std::function<bool(std::string_view, std::string_view)>& fn) {
  Dbc* raw = nullptr;
  int ret = db_->cursor(txn ? txn->get() : nullptr, &raw, 0);
  if (ret != 0) return std::unexpected(db_error("unable to open cursor", ret));
  std::unique_ptr<Dbc, CursorCloser> cur(raw);
  std::string start(prefix);
  Dbt k, v;
  if (!start.empty()) k = in_dbt(start);
  ret = cur->get(&k, &v, start.empty() ? DB_FIRST : DB_SET_RANGE);
  while (ret == 0) {
    auto key = view(k);
    if (key.substr(0, prefix.size()) != prefix) return {};
    if (!fn(key, view(v))) return {};
    ret = cur->get(&k, &v, DB_NEXT);
  }
  if (ret != DB_NOTFOUND) return std::unexpected(db_error("unable to read database", ret));
  return {};
}

Status with_txn(Env& env, const std::function<Status(Txn&)>& fn, int tries) {
  for (int i = 0;; ++i) {
    auto txn = Txn::begin(env);
    if (!txn) return std::unexpected(txn.error());
    auto st = fn(*txn);
    if (st) st = txn->commit();
    if (st || !is_deadlock(st.error()) || i + 1 >= tries) return st;
    txn->abort();
  }
}

}  // namespace posta::db
