// Sender ownership: may this login use this address as its sender? One rule for posta-smtpd
// (MAIL FROM of an authenticated session) and posta-remote (whether to DKIM-sign a From:).
#pragma once
#include <string_view>

#include "accounts/lookup.h"
#include "base/error.h"

namespace posta::accounts {

// True when address is the login itself, the login's own address with a sub-address tag
// (user+tag@domain resolves to the user), or an alias (not a catch-all) with the login among
// its targets; case-insensitive. False for everything else, a bad address included; an error
// only for database trouble (the caller answers "try again").
[[nodiscard]] Result<bool> sender_owned_by(Accounts& acc, std::string_view address, std::string_view login);

}  // namespace posta::accounts
