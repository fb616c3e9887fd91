// posta-policyd's database: the Berkeley DB environment $POSTA_HOME/policy/db, joined by
// posta-policyd alone (SECURITY.md: per-connection processes never join an environment),
// with one B-tree file, policy.db, holding the greylist and the rate counters (store.h keys).
// Commits are not flushed to disk one by one (Env::commit_without_sync); the checkpoints are.
#pragma once
#include <memory>
#include <string>

#include "db/db.h"
#include "policy/decide.h"
#include "policy/store.h"

namespace posta::policy {

// The Store of one transaction.
class DbStore : public Store {
 public:
  DbStore(db::Database& db, db::Txn& txn) : db_(db), txn_(txn) {}
  Result<std::optional<std::string>> get(std::string_view key) override;
  Status put(std::string_view key, std::string_view value) override;
  Status del(std::string_view key) override;
  Status scan(std::string_view prefix, const std::function<bool(std::string_view, std::string_view)>& fn) override;

 private:
  db::Database& db_;
  db::Txn& txn_;
};

class PolicyDb {
 public:
  // Creates $home/policy/db and the database when missing.
  [[nodiscard]] static Result<PolicyDb> open(const std::string& home);
  // decide() in one transaction (retried on deadlock).
  [[nodiscard]] Result<Answer> answer(const GreylistSettings& g, const Request& r, int64_t now);
  [[nodiscard]] Result<size_t> expire(const GreylistSettings& g, int64_t now);
  [[nodiscard]] Status checkpoint() { return env_->checkpoint(); }

 private:
  PolicyDb(std::unique_ptr<db::Env> env, std::unique_ptr<db::Database> db) : env_(std::move(env)), db_(std::move(db)) {}
  std::unique_ptr<db::Env> env_;
  std::unique_ptr<db::Database> db_;
};

}  // namespace posta::policy
