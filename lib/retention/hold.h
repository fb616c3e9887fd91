// What a legal hold keeps: a copy of every message removed from the mailbox of a user on
// hold (control/legalhold, policy.h), in the held store $POSTA_HOME/mail/.held/<address>/,
// a Maildir of its own (never a folder of the user's, so no client of theirs sees or
// changes it). The administrator reads it with posta-mail import or export of a Maildir.
#pragma once
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::retention {

std::string held_maildir(const std::string& home, std::string_view address);

// Hard-links (or, across file systems, copies) the message file into the held store's
// cur/, creating the store when missing; the directory is fsynced. A message already kept
// is not an error.
[[nodiscard]] Status keep_copy(const std::string& home, std::string_view address, const std::string& path);

}  // namespace posta::retention
