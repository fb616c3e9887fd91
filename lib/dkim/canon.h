// DKIM canonicalization (RFC 6376 section 3.4) and the header/body split it works on.
// Input messages use CRLF line ends.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"

namespace posta::dkim {

struct HeaderField {
  std::string name;  // as written (case kept)
  std::string raw;   // the whole field including continuation lines and the final CRLF
};

struct SplitMessage {
  std::vector<HeaderField> headers;
  std::string_view body;  // after the empty line; empty when there is none
};

// Splits at the first empty line. A header block without a body is allowed.
SplitMessage split_message(std::string_view crlf_message);

std::string header_relaxed(const HeaderField& f);  // "name:value\r\n"
std::string header_simple(const HeaderField& f);   // raw
std::string body_relaxed(std::string_view body);
std::string body_simple(std::string_view body);

// Picks the fields named in h= (case-insensitive), each from the bottom up, skipping fields
// already used; names that are absent contribute nothing.
std::vector<const HeaderField*> select_headers(const std::vector<HeaderField>& headers,
                                               const std::vector<std::string>& names);

// s without the folding white space around it (space, tab, CR, LF; RFC 6376 FWS).
inline std::string trim_wsp(std::string_view s) { return trim(s, " \t\r\n"); }

}  // namespace posta::dkim
