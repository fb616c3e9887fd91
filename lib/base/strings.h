// Small string helpers every module uses: ASCII case, trimming, splitting, paths.
// Case mapping is ASCII only and ignores the locale: mail protocols compare keywords,
// domains and header names in ASCII.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace posta {

// Characters trim() removes unless told otherwise (the isspace set of the C locale).
inline constexpr std::string_view kSpaces = " \t\n\v\f\r";

std::string lower(std::string s);
std::string upper(std::string s);
// Equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b);

// s without leading and trailing characters from chars.
std::string trim(std::string_view s, std::string_view chars = kSpaces);
std::string_view trim_view(std::string_view s, std::string_view chars = kSpaces);

// Splits s at sep; keeps empty fields ("a,,b" gives three, "" gives one empty field).
std::vector<std::string> split(std::string_view s, char sep);

// A decimal number without sign or spaces; nullopt otherwise (also past UINT64_MAX).
std::optional<uint64_t> parse_uint(std::string_view s);
// parse_uint with an optional K, M, G or T suffix (1024-based: "512M"); nullopt when
// malformed or past UINT64_MAX.
std::optional<uint64_t> parse_byte_size(std::string_view s);
// Appends code point cp (at most 0x10FFFF; the caller rejects surrogates) encoded as UTF-8.
void append_utf8(std::string& out, uint32_t cp);

// The code point of the UTF-8 sequence at s[i], advancing i past it; -1 (i advanced by at
// least one) for invalid UTF-8: a stray or missing continuation byte, an overlong form, a
// surrogate, a value past U+10FFFF.
long next_utf8(std::string_view s, size_t& i);
bool valid_utf8(std::string_view s);

// path without trailing '/', except that "/" (or "//") stays "/".
std::string strip_trailing_slash(std::string path);

}  // namespace posta
