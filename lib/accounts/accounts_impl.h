// Internals of Accounts shared by lookup.cc and admin.cc.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "accounts/lookup.h"
#include "db/db.h"

namespace posta::accounts {

enum class Table { kUsers, kDomains, kAliases, kLists };

struct Accounts::Impl {
  std::string home;
  Mode mode = Mode::kReadOnly;
  std::string separators = "+";
  // Shared by every Accounts of this process on the same home: DB_REGISTER allows one
  // environment handle per process. Null: read-only and no environment yet (reads as empty).
  std::shared_ptr<db::Env> env;
  std::unique_ptr<db::Database> tables[4];
  bool missing[4] = {false, false, false, false};

  [[nodiscard]] Status open_env();
  void close_all();
  // The table's handle, opened on first use; nullptr when read-only and it does not exist.
  [[nodiscard]] Result<db::Database*> table(Table t);
  // Runs fn; when another process ran recovery under us (DB_RUNRECOVERY), reopens and
  // runs it once more.
  [[nodiscard]] Status with_reopen(const std::function<Status()>& fn);
  [[nodiscard]] Status write(const std::function<Status(db::Txn&)>& fn);
};

// Database keys: domains by lower-cased name; users, aliases and lists by
// "<domain>/<local>" lower-cased, so that a prefix scan lists one domain in order.
inline std::string domain_prefix(std::string_view domain) { return std::string(domain) + "/"; }

}  // namespace posta::accounts
