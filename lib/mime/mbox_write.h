// Writing mbox files in the mboxrd form MboxReader reads (RFC 4155): a "From " separator
// line, the message with every line that is ">"s and "From " given one more '>', and an
// empty line. The message's own line ends are kept, so a message that ends with a line end
// reads back byte for byte.
#pragma once
#include <ctime>
#include <string>
#include <string_view>

namespace posta::mime {

// sender: the envelope sender for the separator ("" gives MAILER-DAEMON); date: its time.
std::string mbox_entry(std::string_view message, std::string_view sender, time_t date);

}  // namespace posta::mime
