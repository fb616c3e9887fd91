// Content decoding for SEARCH: base64 (lenient, base/base64.h), quoted-printable, RFC 2047 encoded words, charsets.
#pragma once
#include <string>
#include <string_view>

namespace posta::mime {

// Quoted-printable body (RFC 2045 6.7); underscores as spaces when q_encoding (RFC 2047 Q).
std::string qp_decode(std::string_view in, bool q_encoding = false);
// Bytes in charset -> UTF-8 (glibc iconv); invalid sequences become U+FFFD-free '?'.
std::string to_utf8(std::string_view charset, std::string_view bytes);
// An unstructured header value with "=?charset?B|Q?...?=" words decoded to UTF-8.
std::string decode_words(std::string_view value);
// A body decoded per Content-Transfer-Encoding, then converted to UTF-8.
std::string decode_body(std::string_view body, std::string_view encoding, std::string_view charset);
// Case folding for substring search: ASCII, and UTF-8 Latin-1, Latin Extended-A, Greek
// and Cyrillic letters (the same length folded; other bytes unchanged).
std::string fold(std::string_view s);

}  // namespace posta::mime
