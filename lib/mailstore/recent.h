// IMAP \Recent (RFC 3501 2.3.2): a message is recent in exactly one session, the first to be
// told about it, however it arrived (delivery, APPEND, COPY, MOVE). Per folder the file
// posta-recent holds "<uidvalidity> <uid>": the highest UID some session has been told
// about. A session that sees new UIDs claims them under flock(2) on that file: those above
// the mark are recent for it, and the mark moves up to the highest of them.
#pragma once
#include <cstdint>
#include <string>

#include "base/error.h"

namespace posta::mailstore {

// The mark of folder (0 when none yet, or recorded under another UIDVALIDITY). No lock:
// for STATUS and EXAMINE, which only look.
uint32_t recent_mark(const std::string& folder, uint32_t uid_validity);

// Raises the mark to upto when it is lower; returns the mark as it was before, so that the
// UIDs in (before, upto] are this caller's recent messages.
[[nodiscard]] Result<uint32_t> claim_recent(const std::string& folder, uint32_t uid_validity,
                                            uint32_t upto);

}  // namespace posta::mailstore
