// The mail store's own directories beside the domains: $POSTA_HOME/mail/.<name> (the audit
// log, the full-text index's queue of changed folders). They belong to the mail store owner
// (the owner of mail/), because its processes (posta-local, post-login servers) write
// there; a program running as root hands over what it creates.
#pragma once
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::mailstore {

// chown of path to mail/'s owner and group when running as root; nothing otherwise.
void hand_to_mail_owner(const std::string& home, const std::string& path);

// $POSTA_HOME/mail/<name>, created 0700 (and handed over) when missing.
[[nodiscard]] Result<std::string> ensure_store_dir(const std::string& home, std::string_view name);

}  // namespace posta::mailstore
