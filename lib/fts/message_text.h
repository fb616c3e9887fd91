// What the full-text index reads of a message: exactly the texts the SEARCH scan matches
// (lib/mailsearch/text.h, posta-imapd's SEARCH): the top-level header fields as
// "Name: decoded value" lines (TEXT), and body_text() (BODY and TEXT), both mime::fold()ed.
// HTML parts are indexed as their decoded source, markup included, because that is what the
// scan matches: reduced text would miss what a BODY search for a tag or an entity finds.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace posta::fts {

// Bounds on the work for one message: larger messages and texts are marked partial (always
// a candidate, confirmed by the scan) instead of indexed.
inline constexpr uint64_t kMaxMessageBytes = 16u << 20;
inline constexpr size_t kMaxTextBytes = 1u << 20;

struct MessageText {
  std::string headers, body;  // folded
  bool partial = false;       // over a bound, or unreadable: not indexed
};

// data: the message as stored (LF or CRLF line ends).
MessageText message_text(std::string_view data);
// The message at path; partial when it is larger than kMaxMessageBytes or unreadable.
MessageText message_text_of_file(const std::string& path);

}  // namespace posta::fts
