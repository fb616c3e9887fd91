// Creating and removing a user's Maildir (posta-user add / del --purge).
#pragma once
#include <string>

#include "base/error.h"

namespace posta::accounts {

// Creates maildir (and missing parents, mode 0700) with cur/ new/ tmp/, the folders of
// maildir::default_folders() each with cur/ new/ tmp/ and an empty `maildirfolder` marker,
// and a `subscriptions` file naming those folders, one per line. Existing parts are kept;
// idempotent.
[[nodiscard]] Status create_maildir(const std::string& maildir);

// Removes the whole tree (posta-user del --purge). A missing directory is not an error.
[[nodiscard]] Status remove_maildir(const std::string& maildir);

}  // namespace posta::accounts
