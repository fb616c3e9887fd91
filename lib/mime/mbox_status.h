// Message flags in an mbox file, as mutt, Thunderbird, Dovecot and UW-IMAP keep them: header
// fields "Status:" (R read, O not new) and "X-Status:" (A answered, F flagged, T draft,
// D deleted). An export writes them, an import takes them out again and gives the flags
// as Maildir letters, so a message makes the round trip unchanged.
#pragma once
#include <string>
#include <string_view>

namespace posta::mime {

// message with any Status:/X-Status: fields replaced by ones for the Maildir flag letters
// (S seen, R replied, F flagged, D draft, T trashed), placed at the end of its header in the
// header's own line end; a message without a header/body separator is returned as it is.
std::string with_mbox_status(std::string_view message, std::string_view maildir_flags);

// Removes the Status:/X-Status: fields of message's header (continuation lines included);
// returns the Maildir flag letters they held, sorted ("" when there were none).
std::string take_mbox_status(std::string& message);

}  // namespace posta::mime
