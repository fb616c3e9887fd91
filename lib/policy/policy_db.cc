#include "policy/policy_db.h"

#include <sys/stat.h>

#include <cerrno>

namespace posta::policy {

Result<std::optional<std::string>> DbStore::get(std::string_view key) { return db_.get(&txn_, key, true); }
Status DbStore::put(std::string_view key, std::string_view value) { return db_.put(&txn_, key, value); }
Status DbStore::del(std::string_view key) {
  auto r = db_.del(&txn_, key);
  if (!r) return std::unexpected(r.error());
  return {};
}
Status DbStore::scan(std::string_view prefix, const std::function<bool(std::string_view, std::string_view)>& fn) {
  return db_.scan(&txn_, prefix, fn);
}

Result<PolicyDb> PolicyDb::open(const std::string& home) {
  for (std::string d : {home + "/policy", home + "/policy/db"})
    if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) return fail_sys("unable to create " + d);
  POSTA_TRY(auto env, db::Env::open(home + "/policy/db", true));
  // A request waits for its commit, and posta-policyd answers one at a time: a disk flush per
  // counted message would bound the whole instance to a few hundred messages a second. What
  // a power cut can lose is a counter's last events or a triplet (greylisted once more).
  if (auto st = env->commit_without_sync(); !st) return std::unexpected(st.error());
  POSTA_TRY(auto db, db::Database::open(*env, "policy.db", true, false));
  return PolicyDb(std::move(env), std::move(db));
}

Result<Answer> PolicyDb::answer(const GreylistSettings& g, const Request& r, int64_t now) {
  Answer a;
  auto st = db::with_txn(*env_, [&](db::Txn& t) -> Status {
    DbStore s(*db_, t);
    auto d = decide(s, g, r, now);
    if (!d) return std::unexpected(d.error());
    a = std::move(*d);
    return {};
  });
  if (!st) return std::unexpected(st.error());
  return a;
}

Result<size_t> PolicyDb::expire(const GreylistSettings& g, int64_t now) {
  size_t n = 0;
  auto st = db::with_txn(*env_, [&](db::Txn& t) -> Status {
    DbStore s(*db_, t);
    auto e = policy::expire(s, g, now);
    if (!e) return std::unexpected(e.error());
    n = *e;
    return {};
  });
  if (!st) return std::unexpected(st.error());
  return n;
}

}  // namespace posta::policy
