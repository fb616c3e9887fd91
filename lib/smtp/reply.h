// SMTP replies (RFC 5321 4.2) with enhanced status codes (RFC 3463).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace posta::smtp {

// "250 2.1.0 Ok\r\n"; text lines separated by '\n' become a multi-line reply, each line
// carrying the code and the enhanced code. Control characters in text become '?', so a
// reply can never be split or forged by what a client sent.
std::string format_reply(int code, std::string_view enhanced, std::string_view text);

// "250-first\r\n250-...\r\n250 last\r\n" without enhanced codes (EHLO keywords).
std::string format_lines(int code, const std::vector<std::string>& lines);

// The class digit of an enhanced code for a reply code: 2, 4 or 5.
bool reply_is_error(int code);

}  // namespace posta::smtp
