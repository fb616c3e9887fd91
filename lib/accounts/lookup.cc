#include "accounts/lookup.h"

#include <sys/stat.h>

#include <cerrno>
#include <map>

#include "accounts/accounts_impl.h"
#include "accounts/ratelimit.h"
#include "control/control.h"
#include "log/log.h"

namespace posta::accounts {
namespace {

const char* const kFiles[kTables] = {"users.db", "domains.db", "aliases.db", "lists.db", "secrets.db",
                                     "ratelimit.db"};

template <class R>
Result<std::optional<R>> get_record(Accounts::Impl& im, Table t, const std::string& key,
                                    Result<R> (*decode)(std::string_view)) {
  std::optional<R> out;
  auto st = im.with_reopen([&]() -> Status {
    auto tb = im.table(t);
    if (!tb) return std::unexpected(tb.error());
    if (!*tb) return {};
    auto v = (*tb)->get(nullptr, key);
    if (!v) return std::unexpected(v.error());
    if (!*v) return {};
    auto r = decode(**v);
    if (!r) return fail(std::string(kFiles[int(t)]) + ": " + key + ": " + r.error().what);
    out = std::move(*r);
    return {};
  });
  if (!st) return std::unexpected(st.error());
  return out;
}

template <class R>
Result<std::vector<R>> list_records(Accounts::Impl& im, Table t, std::string_view domain,
                                    Result<R> (*decode)(std::string_view)) {
  std::vector<R> out;
  std::string prefix;
  if (!domain.empty()) {
    auto d = valid_domain(domain);
    if (!d) return std::unexpected(d.error());
    prefix = t == Table::kDomains ? *d : domain_prefix(*d);
  }
  auto st = im.with_reopen([&]() -> Status {
    out.clear();
    auto tb = im.table(t);
    if (!tb) return std::unexpected(tb.error());
    if (!*tb) return {};
    Status bad;
    auto sc = (*tb)->scan(nullptr, prefix, [&](std::string_view k, std::string_view v) {
      auto r = decode(v);
      if (!r) {
        bad = fail(std::string(kFiles[int(t)]) + ": " + std::string(k) + ": " + r.error().what);
        return false;
      }
      out.push_back(std::move(*r));
      return true;
    });
    if (!sc) return sc;
    return bad;
  });
  if (!st) return std::unexpected(st.error());
  return out;
}

std::map<std::string, std::weak_ptr<db::Env>>& env_cache() {
  static std::map<std::string, std::weak_ptr<db::Env>> cache;
  return cache;
}

}  // namespace

namespace {

// The environment in dir, shared with the other Accounts of this process (DB_REGISTER
// allows one handle per process). Null: read-only and dir has no environment.
Result<std::shared_ptr<db::Env>> join_env(const std::string& dir, bool create) {
  if (auto sp = env_cache()[dir].lock()) return sp;
  auto e = db::Env::open(dir, create);
  if (!e) {
    if (!create && e.error().code == ENOENT) return std::shared_ptr<db::Env>();
    return std::unexpected(e.error());
  }
  std::shared_ptr<db::Env> sp(std::move(*e));
  env_cache()[dir] = sp;
  return sp;
}

}  // namespace

Status Accounts::Impl::open_env() {
  if (!may_join_db(home) || (mode == Mode::kPublished && has_copy(home))) {
    if (mode == Mode::kReadWrite) return fail("unable to join " + home + "/db: permission denied", EACCES);
    from_copy = true;
    return {};
  }
  auto e = join_env(home + "/db", mode == Mode::kReadWrite);
  if (!e) return std::unexpected(e.error());
  env = std::move(*e);
  return {};
}

Status Accounts::Impl::open_secret_env() {
  if (secret_env) return {};
  std::string dir = home + "/db/secret";
  bool rw = mode == Mode::kReadWrite;
  // 0700: only the admin and posta-auth get in (INTERNALS.md "### Secrets").
  if (rw && ::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return fail_sys("unable to create " + dir);
  auto e = join_env(dir, rw);
  if (!e) return std::unexpected(e.error());
  secret_env = std::move(*e);
  return {};
}

void Accounts::Impl::close_all() {
  for (auto& t : tables) t.reset();
  // A recovered environment is never handed out again; the next open makes a new handle.
  env_cache().erase(home + "/db");
  env_cache().erase(home + "/db/secret");
  env.reset();
  secret_env.reset();
}

Result<db::Database*> Accounts::Impl::table(Table t) {
  int i = static_cast<int>(t);
  if (tables[i]) return tables[i].get();
  if (from_copy) return copy_table(t);
  if (t == Table::kSecrets)
    if (auto st = open_secret_env(); !st) return std::unexpected(st.error());
  db::Env* e = (t == Table::kSecrets ? secret_env : env).get();
  if (!e) {
    if (mode != Mode::kReadWrite) return nullptr;
    return fail("database environment is not open");
  }
  bool rw = mode == Mode::kReadWrite;
  auto d = db::Database::open(*e, kFiles[i], rw, !rw);
  if (!d) {
    if (!rw && d.error().code == ENOENT) return nullptr;
    return std::unexpected(d.error());
  }
  tables[i] = std::move(*d);
  return tables[i].get();
}

Status Accounts::Impl::with_reopen(const std::function<Status()>& fn) {
  if (from_copy) {
    refresh_copy();
    return fn();
  }
  auto st = fn();
  if (st || !db::needs_reopen(st.error())) return st;
  close_all();
  if (auto o = open_env(); !o) return o;
  return fn();
}

Status Accounts::Impl::write(const std::function<Status(db::Txn&)>& fn) {
  if (mode != Mode::kReadWrite) return fail("accounts opened read-only");
  return with_reopen([&]() -> Status {
    if (!env) return fail("database environment is not open");
    auto st = db::with_txn(*env, fn);
    if (st) changed = true;
    return st;
  });
}

Result<Accounts> Accounts::open(const std::string& home, Mode mode) {
  auto im = std::make_unique<Impl>();
  im->home = home;
  im->mode = mode;
  Control ctl(home);
  if (ctl.exists("subaddress")) {
    auto s = ctl.string("subaddress", "");
    im->separators = (s == "none") ? "" : s;
  }
  if (auto st = im->open_env(); !st) return std::unexpected(st.error());
  Accounts a(std::move(im));
  // The mail-handling programs read the copy (kPublished): an instance that has none yet
  // (made by an older posta) gets it from the first process that may write.
  if (mode == Mode::kReadWrite && !has_copy(home))
    if (auto st = a.publish(); !st)
      log::warning("unable to publish ", published_dir(home), ": ", st.error().what);
  return a;
}

Accounts::Accounts(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Accounts::Accounts(Accounts&&) noexcept = default;
Accounts& Accounts::operator=(Accounts&& o) noexcept {
  Accounts old(std::move(o));  // the handle replaced here closes (and publishes) as old
  std::swap(impl_, old.impl_);
  return *this;
}
Accounts::~Accounts() {
  if (!impl_ || !impl_->changed) return;
  // Every admin write ends here at the latest (the tools keep one handle per command), so
  // the readers' copy follows the databases without each tool having to remember it.
  if (auto st = publish(); !st)
    log::warning("unable to publish ", published_dir(impl_->home), " (readers keep the previous copy): ",
                 st.error().what);
}

const std::string& Accounts::home() const { return impl_->home; }
db::Env& Accounts::env() { return *impl_->env; }
db::Env* Accounts::secret_env() { return impl_->secret_env.get(); }

std::string default_maildir(const std::string& home, const Address& a) {
  return home + "/mail/" + a.domain + "/" + a.local + "/";
}

Result<std::string> read_secret(Accounts::Impl& im, const std::string& key, const std::string& legacy) {
  std::string out;
  bool migrated = false;
  auto st = im.with_reopen([&]() -> Status {
    auto tb = im.table(Table::kSecrets);
    if (!tb) return std::unexpected(tb.error());
    if (!*tb) return {};
    auto v = (*tb)->get(nullptr, key);
    if (!v) return std::unexpected(v.error());
    out = v->value_or("");
    if (!out.empty() || legacy.empty()) return {};
    auto m = (*tb)->get(nullptr, kMigratedKey);
    if (!m) return std::unexpected(m.error());
    migrated = m->has_value();
    return {};
  });
  if (!st) return std::unexpected(st.error());
  // A hash in a users record counts only in an instance that has not finished moving them
  // (an older posta wrote it there); afterwards nothing in users.db can grant a login.
  if (out.empty() && !migrated) return legacy;
  return out;
}

namespace {

// The record's hash from secrets.db (or the one an old users.db record still holds), or
// none when the caller did not ask for it.
Status fill_password(Accounts::Impl& im, const std::string& key, UserRecord& u, bool wanted) {
  if (!wanted) {
    u.password_hash.clear();
    return {};
  }
  auto h = read_secret(im, key, u.password_hash);
  if (!h) return std::unexpected(h.error());
  u.password_hash = std::move(*h);
  return {};
}

}  // namespace

Result<std::optional<UserRecord>> Accounts::find_user(std::string_view address, bool with_password) {
  auto a = valid_address(address);
  if (!a) return std::unexpected(a.error());
  auto u = get_record<UserRecord>(*impl_, Table::kUsers, a->key(), decode_user);
  if (!u || !*u) return u;
  if (auto st = fill_password(*impl_, a->key(), **u, with_password); !st) return std::unexpected(st.error());
  return u;
}

Result<std::optional<DomainRecord>> Accounts::find_domain(std::string_view domain) {
  auto d = valid_domain(domain);
  if (!d) return std::unexpected(d.error());
  return get_record<DomainRecord>(*impl_, Table::kDomains, *d, decode_domain);
}

Result<std::optional<AliasRecord>> Accounts::find_alias(std::string_view address) {
  auto a = valid_address(address);
  if (!a) return std::unexpected(a.error());
  return get_record<AliasRecord>(*impl_, Table::kAliases, a->key(), decode_alias);
}

Result<std::optional<ListRecord>> Accounts::find_list(std::string_view address) {
  auto a = valid_address(address);
  if (!a) return std::unexpected(a.error());
  return get_record<ListRecord>(*impl_, Table::kLists, a->key(), decode_list);
}

Result<bool> Accounts::is_local_domain(std::string_view domain) {
  auto d = find_domain(domain);
  if (!d) return std::unexpected(d.error());
  return d->has_value();
}

Result<std::vector<DomainRecord>> Accounts::domains() {
  return list_records<DomainRecord>(*impl_, Table::kDomains, "", decode_domain);
}
Result<std::vector<UserRecord>> Accounts::users(std::string_view domain, bool with_passwords) {
  auto us = list_records<UserRecord>(*impl_, Table::kUsers, domain, decode_user);
  if (!us) return us;
  for (auto& u : *us) {
    auto a = valid_address(u.address);
    if (!a) return std::unexpected(a.error());
    if (auto st = fill_password(*impl_, a->key(), u, with_passwords); !st) return std::unexpected(st.error());
  }
  return us;
}
Result<std::vector<AliasRecord>> Accounts::aliases(std::string_view domain) {
  return list_records<AliasRecord>(*impl_, Table::kAliases, domain, decode_alias);
}
Result<std::vector<ListRecord>> Accounts::lists(std::string_view domain) {
  return list_records<ListRecord>(*impl_, Table::kLists, domain, decode_list);
}

Result<bool> Accounts::has_failures(const std::string& key) {
  bool present = false;
  auto st = impl_->with_reopen([&]() -> Status {
    auto tb = impl_->table(Table::kRatelimit);
    if (!tb) return std::unexpected(tb.error());
    if (!*tb) return {};
    auto v = (*tb)->get(nullptr, key);
    if (!v) return std::unexpected(v.error());
    present = v->has_value();
    return {};
  });
  if (!st) return std::unexpected(st.error());
  return present;
}

Status Accounts::forget_failures(const std::string& key) {
  auto present = has_failures(key);
  if (!present) return std::unexpected(present.error());
  if (!*present) return {};
  if (impl_->mode != Mode::kReadWrite) {
    if (!impl_->env) return fail("failure counts need " + impl_->home + "/db");
    return FailureCounter::forget(*impl_->env, key);
  }
  bool changed = impl_->changed;  // failure counts are not in the copy
  auto st = impl_->write([&](db::Txn& txn) -> Status {
    auto tb = impl_->table(Table::kRatelimit);
    if (!tb) return std::unexpected(tb.error());
    auto d = (*tb)->del(&txn, key);
    if (!d) return std::unexpected(d.error());
    return {};
  });
  impl_->changed = changed;
  return st;
}

}  // namespace posta::accounts
