// Accounts writes: one transaction each, deadlocks retried by db::with_txn.
#include <ctime>
#include <map>
#include <type_traits>

#include "accounts/accounts_impl.h"
#include "log/log.h"

namespace posta::accounts {
namespace {

using db::Database;
using db::Txn;

struct Tables {
  Database* users;
  Database* domains;
  Database* aliases;
  Database* lists;
};

Result<Tables> all_tables(Accounts::Impl& im) {
  Tables t{};
  Database** slots[] = {&t.users, &t.domains, &t.aliases, &t.lists};
  for (int i = 0; i < 4; ++i) {
    auto tb = im.table(static_cast<Table>(i));
    if (!tb) return std::unexpected(tb.error());
    *slots[i] = *tb;
  }
  return t;
}

// kErrExists when a table that conflicts with `table` holds key. A user and an alias may
// share an address (the alias wins; keep_copy also delivers to the user); a list may share
// it with nothing.
Status check_free(Tables& t, Txn& txn, Table table, const std::string& key, const std::string& shown) {
  const char* what[] = {"user", "alias", "list"};
  Database* dbs[] = {t.users, t.aliases, t.lists};
  Table kinds[] = {Table::kUsers, Table::kAliases, Table::kLists};
  for (int i = 0; i < 3; ++i) {
    bool conflicts = kinds[i] == table || table == Table::kLists || kinds[i] == Table::kLists;
    if (!conflicts) continue;
    auto v = dbs[i]->get(&txn, key, true);
    if (!v) return std::unexpected(v.error());
    if (*v) return fail(shown + " already exists (as a " + what[i] + ")", kErrExists);
  }
  return {};
}

Result<uint64_t> count_prefix(Database* db, Txn* txn, const std::string& prefix) {
  uint64_t n = 0;
  auto st = db->scan(txn, prefix, [&](std::string_view, std::string_view) {
    ++n;
    return true;
  });
  if (!st) return std::unexpected(st.error());
  return n;
}

Result<Address> checked(std::string_view address) {
  auto a = valid_address(address);
  if (!a) return fail(std::string("invalid address: ") + a.error().what, kErrInvalid);
  return a;
}

Status check_targets(const std::vector<std::string>& v, const char* what) {
  for (const auto& t : v)
    if (auto a = valid_address(t); !a)
      return fail(std::string("invalid ") + what + " " + t + ": " + a.error().what, kErrInvalid);
  return {};
}

// Domain record under an update lock, kErrNotFound when absent.
Result<DomainRecord> locked_domain(Tables& t, Txn& txn, const std::string& domain) {
  auto v = t.domains->get(&txn, domain, true);
  if (!v) return std::unexpected(v.error());
  if (!*v) return fail("unknown domain " + domain + " (add it with posta-domain add)", kErrNotFound);
  return decode_domain(**v);
}

// Shared by add_/put_ of users, aliases, lists: the address's domain must exist; add
// requires the address to be free, put requires this table to hold it already.
template <class R>
Status store(Accounts::Impl& im, Table table, const Address& a, const R& rec, bool add,
             const std::function<Status(Tables&, Txn&, const DomainRecord&)>& extra = {}) {
  return im.write([&](Txn& txn) -> Status {
    auto t = all_tables(im);
    if (!t) return std::unexpected(t.error());
    auto dom = locked_domain(*t, txn, a.domain);
    if (!dom) return std::unexpected(dom.error());
    Database* db = table == Table::kUsers ? t->users : table == Table::kAliases ? t->aliases : t->lists;
    if (add) {
      if (auto st = check_free(*t, txn, table, a.key(), a.str()); !st) return st;
    } else {
      auto v = db->get(&txn, a.key(), true);
      if (!v) return std::unexpected(v.error());
      if (!*v) return fail(a.str() + " does not exist", kErrNotFound);
    }
    if (extra)
      if (auto st = extra(*t, txn, *dom); !st) return st;
    if constexpr (std::is_same_v<R, UserRecord>) {
      SecretBatch secrets;
      if (auto st = write_user(txn, db, a.key(), rec, secrets); !st) return st;
      return flush_secrets(im, secrets);
    } else {
      return db->put(&txn, a.key(), encode(rec));
    }
  });
}

Status remove(Accounts::Impl& im, Table table, std::string_view address) {
  auto a = checked(address);
  if (!a) return std::unexpected(a.error());
  auto st = im.write([&](Txn& txn) -> Status {
    auto db = im.table(table);
    if (!db) return std::unexpected(db.error());
    auto gone = (*db)->del(&txn, a->key());
    if (!gone) return std::unexpected(gone.error());
    if (!*gone) return fail(a->str() + " does not exist", kErrNotFound);
    return {};
  });
  if (!st || table != Table::kUsers) return st;
  return delete_secrets(im, {a->key()});  // the user first: never a user without its secret
}

// Normalised copy of a user record: address split and lower-cased domain, default Maildir,
// creation time.
Result<std::pair<Address, UserRecord>> prepare_user(const Accounts::Impl& im, const UserRecord& in) {
  auto a = checked(in.address);
  if (!a) return std::unexpected(a.error());
  UserRecord u = in;
  u.address = a->str();
  u.local = a->local;
  u.domain = a->domain;
  if (u.maildir.empty()) u.maildir = default_maildir(im.home, *a);
  if (u.maildir.front() != '/') return fail("Maildir must be an absolute path: " + u.maildir, kErrInvalid);
  if (u.maildir.back() != '/') u.maildir += '/';
  if (u.created == 0) u.created = std::time(nullptr);
  return std::pair{*a, u};
}

}  // namespace

Status Accounts::import_users(const std::vector<UserRecord>& batch, bool replace) {
  std::vector<std::pair<Address, UserRecord>> users;
  for (const auto& in : batch) {
    auto p = prepare_user(*impl_, in);
    if (!p) return std::unexpected(p.error());
    users.push_back(std::move(*p));
  }
  return impl_->write([&](Txn& txn) -> Status {
    auto t = all_tables(*impl_);
    if (!t) return std::unexpected(t.error());
    std::map<std::string, std::pair<DomainRecord, uint64_t>> doms;  // name -> record, users
    SecretBatch secrets;
    for (const auto& [a, u] : users) {
      auto it = doms.find(a.domain);
      if (it == doms.end()) {
        auto d = locked_domain(*t, txn, a.domain);
        if (!d) return std::unexpected(d.error());
        uint64_t n = 0;
        if (d->max_accounts) {
          auto c = count_prefix(t->users, &txn, domain_prefix(a.domain));
          if (!c) return std::unexpected(c.error());
          n = *c;
        }
        it = doms.emplace(a.domain, std::pair{*d, n}).first;
      }
      auto old = t->users->get(&txn, a.key(), true);
      if (!old) return std::unexpected(old.error());
      if (!*old || !replace) {
        if (auto st = check_free(*t, txn, Table::kUsers, a.key(), a.str()); !st) return st;
        auto& [dom, n] = it->second;
        if (dom.max_accounts && n >= dom.max_accounts)
          return fail(log::cat("domain ", dom.name, " has reached its limit of ", dom.max_accounts, " accounts"), kErrRefused);
        ++n;
      }
      if (auto st = write_user(txn, t->users, a.key(), u, secrets); !st) return st;
    }
    return flush_secrets(*impl_, secrets);
  });
}

Result<uint64_t> Accounts::count_users(std::string_view domain) {
  auto d = valid_domain(domain);
  if (!d) return std::unexpected(d.error());
  uint64_t n = 0;
  auto st = impl_->with_reopen([&]() -> Status {
    auto tb = impl_->table(Table::kUsers);
    if (!tb) return std::unexpected(tb.error());
    if (!*tb) return {};
    auto c = count_prefix(*tb, nullptr, domain_prefix(*d));
    if (!c) return std::unexpected(c.error());
    n = *c;
    return {};
  });
  if (!st) return std::unexpected(st.error());
  return n;
}

namespace {

// add (the name must be free; created defaults to now) or put (the domain must exist).
Status store_domain(Accounts::Impl& im, const DomainRecord& in, bool add) {
  auto name = valid_domain(in.name);
  if (!name) return fail("invalid domain: " + name.error().what, kErrInvalid);
  DomainRecord d = in;
  d.name = *name;
  if (add && d.created == 0) d.created = std::time(nullptr);
  if (!d.catchall.empty())
    if (auto st = check_targets({d.catchall}, "catch-all"); !st) return st;
  return im.write([&](Txn& txn) -> Status {
    auto t = im.table(Table::kDomains);
    if (!t) return std::unexpected(t.error());
    auto v = (*t)->get(&txn, d.name, true);
    if (!v) return std::unexpected(v.error());
    if (add && *v) return fail("domain " + d.name + " already exists", kErrExists);
    if (!add && !*v) return fail("unknown domain " + d.name, kErrNotFound);
    return (*t)->put(&txn, d.name, encode(d));
  });
}

}  // namespace

Status Accounts::add_domain(const DomainRecord& in) { return store_domain(*impl_, in, true); }
Status Accounts::put_domain(const DomainRecord& in) { return store_domain(*impl_, in, false); }

Status Accounts::del_domain(std::string_view domain, bool force) {
  auto name = valid_domain(domain);
  if (!name) return fail("invalid domain: " + name.error().what, kErrInvalid);
  bool had_users = false;
  auto st = impl_->write([&](Txn& txn) -> Status {
    auto t = all_tables(*impl_);
    if (!t) return std::unexpected(t.error());
    auto gone = t->domains->del(&txn, *name);
    if (!gone) return std::unexpected(gone.error());
    if (!*gone) return fail("unknown domain " + *name, kErrNotFound);
    for (Database* db : {t->users, t->aliases, t->lists}) {
      std::vector<std::string> keys;
      auto st = db->scan(&txn, domain_prefix(*name), [&](std::string_view k, std::string_view) {
        keys.emplace_back(k);
        return true;
      });
      if (!st) return st;
      if (!keys.empty() && !force)
        return fail("domain " + *name + " still has users, aliases or lists (delete them, or use --force)", kErrRefused);
      if (db == t->users) had_users = !keys.empty();
      for (const auto& k : keys)
        if (auto d = db->del(&txn, k); !d) return std::unexpected(d.error());
    }
    return {};
  });
  if (!st || !had_users) return st;
  return delete_secrets_under(*impl_, domain_prefix(*name));
}

Status Accounts::add_user(const UserRecord& in) {
  auto p = prepare_user(*impl_, in);
  if (!p) return std::unexpected(p.error());
  auto& [a, u] = *p;
  return store(*impl_, Table::kUsers, a, u, true, [&](Tables& t, Txn& txn, const DomainRecord& d) -> Status {
    if (d.max_accounts == 0) return {};
    auto n = count_prefix(t.users, &txn, domain_prefix(d.name));
    if (!n) return std::unexpected(n.error());
    if (*n >= d.max_accounts)
      return fail(log::cat("domain ", d.name, " has reached its limit of ", d.max_accounts, " accounts"), kErrRefused);
    return {};
  });
}

Status Accounts::put_user(const UserRecord& in) {
  auto p = prepare_user(*impl_, in);
  if (!p) return std::unexpected(p.error());
  return store(*impl_, Table::kUsers, p->first, p->second, false);
}

Status Accounts::del_user(std::string_view address) { return remove(*impl_, Table::kUsers, address); }

namespace {

Status check_alias(const AliasRecord& a) {
  if (a.targets.empty()) return fail("an alias needs at least one target", kErrInvalid);
  return check_targets(a.targets, "target");
}

Status check_list(const ListRecord& l) {
  if (auto st = check_targets(l.members, "member"); !st) return st;
  return check_targets(l.moderators, "moderator");
}

// Checks an alias or list record and stores it under its normalised address.
template <class R>
Status store_checked(Accounts::Impl& im, Table table, const R& in, Status (*check)(const R&), bool add) {
  auto a = checked(in.address);
  if (!a) return std::unexpected(a.error());
  if (auto st = check(in); !st) return st;
  R r = in;
  r.address = a->str();
  return store(im, table, *a, r, add);
}

}  // namespace

Status Accounts::add_alias(const AliasRecord& in) { return store_checked(*impl_, Table::kAliases, in, check_alias, true); }
Status Accounts::put_alias(const AliasRecord& in) { return store_checked(*impl_, Table::kAliases, in, check_alias, false); }

Status Accounts::del_alias(std::string_view address) { return remove(*impl_, Table::kAliases, address); }

Status Accounts::add_list(const ListRecord& in) { return store_checked(*impl_, Table::kLists, in, check_list, true); }
Status Accounts::put_list(const ListRecord& in) { return store_checked(*impl_, Table::kLists, in, check_list, false); }

Status Accounts::del_list(std::string_view address) { return remove(*impl_, Table::kLists, address); }

Status Accounts::set_last_login(std::string_view address, int64_t when) {
  auto a = checked(address);
  if (!a) return std::unexpected(a.error());
  bool changed = impl_->changed;  // the copy has no last-login time: nothing to publish
  auto st = impl_->write([&](Txn& txn) -> Status {
    auto db = impl_->table(Table::kUsers);
    if (!db) return std::unexpected(db.error());
    auto v = (*db)->get(&txn, a->key(), true);
    if (!v) return std::unexpected(v.error());
    if (!*v) return fail(a->str() + " does not exist", kErrNotFound);
    auto u = decode_user(**v);
    if (!u) return std::unexpected(u.error());
    u->last_login = when;
    return (*db)->put(&txn, a->key(), encode(*u));
  });
  impl_->changed = changed;
  return st;
}

}  // namespace posta::accounts
