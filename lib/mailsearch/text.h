// The text of a message as a search reads it: header fields with encoded words decoded,
// addresses as "name local@host", the decoded text of the body's text parts, the day of a
// Date: field. Matching is a substring test on mime::fold()ed text (case-insensitive for
// ASCII and the common European scripts).
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/message.h"

namespace posta::mailsearch {

// Every field called name, decoded, one a line.
std::string header_text(const std::vector<mime::HeaderField>& headers, std::string_view name);
// header_text(), then each address of those fields as "name local@host", one a line.
std::string address_text(const std::vector<mime::HeaderField>& headers, std::string_view name);
// The decoded text of every text/* part, nested messages' headers and parts included;
// stops at 64 MiB of text.
std::string body_text(const mime::Part& root, std::string_view message);
// Midnight UTC of the day a Date: value names ("Tue, 1 Jul 2003 10:52:37 +0200" -> 2003-07-01).
std::optional<time_t> date_day(std::string_view value);
// needle_folded: mime::fold() of what is looked for ("" is found everywhere).
bool contains_folded(std::string_view hay, std::string_view needle_folded);
// A Message-ID without blanks and angle brackets, for comparing ids.
std::string_view bare_message_id(std::string_view id);

}  // namespace posta::mailsearch
