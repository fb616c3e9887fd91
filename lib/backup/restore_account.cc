#include "backup/restore_account.h"

#include <stdlib.h>

#include <filesystem>

#include "accounts/lookup.h"
#include "backup/restore.h"

namespace posta::backup {

namespace {

// A directory removed with its content when this goes.
struct Scratch {
  std::string path;
  Scratch() {
    const char* t = std::getenv("TMPDIR");
    std::string p = std::string(t && *t ? t : "/tmp") + "/posta-backup.XXXXXX";
    if (::mkdtemp(p.data())) path = p;
  }
  ~Scratch() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

Result<AccountRestore> restore_account(Repository& repo, const Snapshot& snap, const std::string& address,
                                       const std::string& home) {
  POSTA_TRY(auto live, accounts::Accounts::open(home, accounts::Accounts::Mode::kReadWrite));
  POSTA_TRY(auto there, live.find_user(address));
  if (there) return AccountRestore::kAlreadyThere;
  Scratch tmp;
  if (tmp.path.empty()) return fail_sys("unable to create a scratch directory");
  Snapshot dbs{snap.name, snap.record, {}};
  for (auto& e : snap.entries)
    if (e.path == "db" || e.path.starts_with("db/")) dbs.entries.push_back(e);
  if (dbs.entries.empty()) return AccountRestore::kNotInSnapshot;
  POSTA_TRY(auto copied, restore_to_dir(repo, dbs, Selection{}, tmp.path));
  if (!copied.errors.empty()) return fail("the snapshot's accounts databases: " + copied.errors.front(), EBADMSG);
  std::optional<accounts::UserRecord> user;
  std::optional<accounts::DomainRecord> domain;
  {
    POSTA_TRY(auto old, accounts::Accounts::open(tmp.path, accounts::Accounts::Mode::kReadOnly));
    POSTA_TRY(user, old.find_user(address, true));
    if (!user) return AccountRestore::kNotInSnapshot;
    POSTA_TRY(domain, old.find_domain(user->domain));
  }
  POSTA_TRY(auto live_domain, live.find_domain(user->domain));
  if (!live_domain && domain)
    if (auto s = live.add_domain(*domain); !s) return std::unexpected(s.error());
  if (auto s = live.add_user(*user); !s) return std::unexpected(s.error());
  return AccountRestore::kRestored;
}

}  // namespace posta::backup
