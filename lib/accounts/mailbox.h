// Creating and removing a user's Maildir (posta-user add / del --purge).
#pragma once
#include <string>
#include <vector>

#include "base/error.h"

namespace posta::accounts {

// The Maildir++ folders every new mailbox gets, in the order of its `subscriptions` file.
const std::vector<std::string>& default_folders();  // .Drafts .Sent .Trash .Junk .Archive

// Creates maildir (and missing parents, mode 0700) with cur/ new/ tmp/, the default
// folders each with cur/ new/ tmp/ and an empty `maildirfolder` marker, and a
// `subscriptions` file naming the folders without their leading dot, one per line
// (Drafts, Sent, Trash, Junk, Archive). Existing parts are kept; idempotent.
[[nodiscard]] Status create_maildir(const std::string& maildir);

// Removes the whole tree (posta-user del --purge). A missing directory is not an error.
[[nodiscard]] Status remove_maildir(const std::string& maildir);

}  // namespace posta::accounts
