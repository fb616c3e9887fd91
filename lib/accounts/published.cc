// The published copy of the accounts ($POSTA_HOME/accounts/): what the processes that may
// not join db/ read (INTERNALS.md "### The published copy"). A Berkeley DB environment
// cannot be joined read-only (every process that joins writes its lock region and may run
// recovery from its log), so a role that could join db/ could also rewrite users.db through
// it; the roles that only look records up read these plain files instead.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "accounts/accounts_impl.h"
#include "io/fd.h"
#include "log/log.h"

namespace posta::accounts {
namespace {

// users.db last: a reader takes a new users.db as the sign that the whole copy changed.
const std::pair<Table, const char*> kCopied[] = {
    {Table::kDomains, "domains.db"}, {Table::kAliases, "aliases.db"},
    {Table::kLists, "lists.db"},     {Table::kUsers, "users.db"}};

// A users record as the readers get it: no hash, no master flag, no last login (nothing
// they need, and nothing a login depends on).
Result<std::string> reader_view(Table t, std::string_view value) {
  if (t != Table::kUsers) return std::string(value);
  auto u = decode_user(value);
  if (!u) return std::unexpected(u.error());
  u->password_hash.clear();
  u->master = false;
  u->last_login = 0;
  return encode(*u);
}

Status write_copy(Accounts::Impl& im, Table t, const std::string& dir, const std::string& name, gid_t gid) {
  std::string tmp = dir + "/" + name + ".new", to = dir + "/" + name;
  ::unlink(tmp.c_str());
  auto out = db::Database::create_file(tmp);
  if (!out) return std::unexpected(out.error());
  auto src = im.table(t);
  if (!src) return std::unexpected(src.error());
  Status bad;
  if (*src) {
    auto sc = (*src)->scan(nullptr, "", [&](std::string_view k, std::string_view v) {
      auto r = reader_view(t, v);
      if (r) bad = (*out)->put(nullptr, k, *r);
      else bad = fail(name + ": " + std::string(k) + ": " + r.error().what);
      return bool(bad);
    });
    if (!sc) return sc;
    if (!bad) return bad;
  }
  if (auto f = (*out)->finish(tmp); !f) return f;
  // The group of the directory (posta in system mode) may read it; nobody else.
  if (::chown(tmp.c_str(), static_cast<uid_t>(-1), gid) != 0 && errno != EPERM)
    return fail_sys("unable to chown " + tmp);
  if (::chmod(tmp.c_str(), 0640) != 0) return fail_sys("unable to chmod " + tmp);
  if (::rename(tmp.c_str(), to.c_str()) != 0) return fail_sys("unable to rename " + tmp);
  return {};
}

}  // namespace

std::string published_dir(const std::string& home) { return home + "/accounts"; }

bool may_join_db(const std::string& home) {
  std::string dir = home + "/db";
  return ::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) == 0 || errno != EACCES;
}

bool has_copy(const std::string& home) {
  return ::access((published_dir(home) + "/users.db").c_str(), F_OK) == 0;
}

Status publish(Accounts::Impl& im) {
  std::string dir = published_dir(im.home);
  if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) return fail_sys("unable to create " + dir);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return fail_sys("unable to stat " + dir);
  // One publisher at a time, each copying after its own commit: the last rename is never
  // an older state than the last commit.
  Fd lock(::open((dir + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock) return fail_sys("unable to open " + dir + "/.lock");
  while (::flock(lock.get(), LOCK_EX) != 0)
    if (errno != EINTR) return fail_sys("unable to lock " + dir + "/.lock");
  for (auto& [t, name] : kCopied)
    if (auto s = write_copy(im, t, dir, name, st.st_gid); !s) return s;
  Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d || ::fsync(d.get()) != 0) return fail_sys("unable to fsync " + dir);
  return {};
}

Result<db::Database*> Accounts::Impl::copy_table(Table t) {
  const char* name = nullptr;
  for (auto& [ct, n] : kCopied)
    if (ct == t) name = n;
  if (!name) return nullptr;  // secrets and failure counts are never copied
  auto d = db::Database::open_file(published_dir(home) + "/" + name);
  if (!d) {
    if (d.error().code == ENOENT) return nullptr;
    return std::unexpected(d.error());
  }
  tables[static_cast<int>(t)] = std::move(*d);
  return tables[static_cast<int>(t)].get();
}

void Accounts::Impl::refresh_copy() {
  struct stat st;
  std::string users = published_dir(home) + "/users.db";
  if (::stat(users.c_str(), &st) != 0) st = {};
  if (st.st_ino == copy_ino && st.st_dev == copy_dev) return;
  copy_ino = st.st_ino;
  copy_dev = st.st_dev;
  for (auto& t : tables) t.reset();
}

Status Accounts::publish() {
  if (impl_->mode != Mode::kReadWrite) return fail("accounts opened read-only");
  auto st = impl_->with_reopen([&] { return accounts::publish(*impl_); });
  if (st) impl_->changed = false;
  return st;
}

}  // namespace posta::accounts
