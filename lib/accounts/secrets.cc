// secret/secrets.db: the password hashes, in an environment of their own, so that the
// programs that parse network input (smtpd's RCPT checks, posta-local) never open a file
// that holds them: not the database, not the shared cache regions, not the log.
// INTERNALS.md "### Secrets".
#include <algorithm>
#include <string>
#include <vector>

#include "accounts/accounts_impl.h"

namespace posta::accounts {
namespace {

// Key of the marker record: no user key lacks a '/', so it never names a user.
constexpr size_t kMigrateBatch = 500;

Result<db::Database*> secrets(Accounts::Impl& im) {
  auto tb = im.table(Table::kSecrets);
  if (!tb) return std::unexpected(tb.error());
  if (!*tb || !im.secret_env) return fail("secret/secrets.db is not open");
  return *tb;
}

// Runs fn in a transaction of the secret environment.
Status secret_txn(Accounts::Impl& im, const std::function<Status(db::Txn&, db::Database*)>& fn) {
  if (im.mode != Accounts::Mode::kReadWrite) return fail("accounts opened read-only");
  auto sec = secrets(im);
  if (!sec) return std::unexpected(sec.error());
  return db::with_txn(*im.secret_env, [&](db::Txn& txn) { return fn(txn, *sec); });
}

// Keys of the users.db records that still hold a hash.
Result<std::vector<std::string>> legacy_keys(db::Database* users) {
  std::vector<std::string> keys;
  Status bad;
  auto st = users->scan(nullptr, "", [&](std::string_view k, std::string_view v) {
    auto u = decode_user(v);
    if (!u) {
      bad = fail("users.db: " + std::string(k) + ": " + u.error().what);
      return false;
    }
    if (!u->password_hash.empty()) keys.emplace_back(k);
    return true;
  });
  if (!st) return std::unexpected(st.error());
  if (!bad) return std::unexpected(bad.error());
  return keys;
}

// Moves the hash of each of keys (still present and still holding one) into secrets.db.
Status migrate_batch(Accounts::Impl& im, const std::vector<std::string>& keys) {
  return im.write([&](db::Txn& txn) -> Status {
    auto users = im.table(Table::kUsers);
    if (!users) return std::unexpected(users.error());
    SecretBatch batch;
    for (const auto& k : keys) {
      auto v = (*users)->get(&txn, k, true);
      if (!v) return std::unexpected(v.error());
      if (!*v) continue;
      auto u = decode_user(**v);
      if (!u) return fail("users.db: " + k + ": " + u.error().what);
      if (u->password_hash.empty()) continue;
      if (auto st = write_user(txn, *users, k, std::move(*u), batch); !st) return st;
    }
    return flush_secrets(im, batch);
  });
}

}  // namespace

Status write_user(db::Txn& txn, db::Database* users, const std::string& key, UserRecord u, SecretBatch& batch) {
  batch.emplace_back(key, std::move(u.password_hash));
  u.password_hash.clear();
  return users->put(&txn, key, encode(u));
}

Status flush_secrets(Accounts::Impl& im, const SecretBatch& batch) {
  if (batch.empty()) return {};
  return secret_txn(im, [&](db::Txn& txn, db::Database* sec) -> Status {
    for (const auto& [key, hash] : batch) {
      if (!hash.empty()) {
        if (auto st = sec->put(&txn, key, hash); !st) return st;
      } else if (auto d = sec->del(&txn, key); !d) {
        return std::unexpected(d.error());
      }
    }
    return {};
  });
}

Status delete_secrets(Accounts::Impl& im, const std::vector<std::string>& keys) {
  SecretBatch batch;
  for (const auto& k : keys) batch.emplace_back(k, "");
  return flush_secrets(im, batch);
}

Status delete_secrets_under(Accounts::Impl& im, const std::string& prefix) {
  return secret_txn(im, [&](db::Txn& txn, db::Database* sec) -> Status {
    std::vector<std::string> keys;
    auto st = sec->scan(&txn, prefix, [&](std::string_view k, std::string_view) {
      keys.emplace_back(k);
      return true;
    });
    if (!st) return st;
    for (const auto& k : keys)
      if (auto d = sec->del(&txn, k); !d) return std::unexpected(d.error());
    return {};
  });
}

Result<size_t> Accounts::migrate_secrets() {
  if (impl_->mode != Mode::kReadWrite) return fail("accounts opened read-only");
  bool migrated = false;
  std::vector<std::string> keys;
  auto st = impl_->with_reopen([&]() -> Status {
    auto sec = secrets(*impl_);
    if (!sec) return std::unexpected(sec.error());
    auto done = (*sec)->get(nullptr, kMigratedKey);
    if (!done) return std::unexpected(done.error());
    if ((migrated = done->has_value())) return {};
    auto users = impl_->table(Table::kUsers);
    if (!users) return std::unexpected(users.error());
    auto k = legacy_keys(*users);
    if (!k) return std::unexpected(k.error());
    keys = std::move(*k);
    return {};
  });
  if (!st) return std::unexpected(st.error());
  if (migrated) return size_t{0};
  for (size_t i = 0; i < keys.size(); i += kMigrateBatch) {
    std::vector<std::string> part(keys.begin() + i, keys.begin() + std::min(keys.size(), i + kMigrateBatch));
    if (auto b = migrate_batch(*impl_, part); !b) return std::unexpected(b.error());
  }
  st = flush_secrets(*impl_, {{kMigratedKey, "1"}});
  if (!st) return std::unexpected(st.error());
  return keys.size();
}

}  // namespace posta::accounts
