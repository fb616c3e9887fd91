// Bringing back a deleted user's account record (with its password hash) from the copy of
// the accounts databases in a snapshot.
#pragma once
#include <string>

#include "backup/store.h"

namespace posta::backup {

enum class AccountRestore { kAlreadyThere, kRestored, kNotInSnapshot };

// When the instance at home has no user `address`, copies the snapshot's db/ and db/secret/
// into a scratch directory, opens that copy (Berkeley DB recovery makes it consistent),
// and adds the user (and its domain, when that is gone too) to the live databases.
[[nodiscard]] Result<AccountRestore> restore_account(Repository& repo, const Snapshot& snap,
                                                     const std::string& address, const std::string& home);

}  // namespace posta::backup
