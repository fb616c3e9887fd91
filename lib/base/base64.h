// RFC 4648 base64 (standard alphabet, '=' padding): one encoder and two decoders, a strict
// one for protocol fields (SASL responses, DKIM tags) and a lenient one for MIME content.
#pragma once
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta {

std::string base64_encode(std::string_view in);

// Strict: the length is a multiple of 4, every character is in the alphabet, and '='
// appears only as the last one or two characters. Non-zero pad bits ("YR==") are accepted,
// as RFC 4648 section 3.5 allows.
[[nodiscard]] Result<std::string> base64_decode(std::string_view in);

// Lenient, for MIME bodies and encoded words (RFC 2045 section 6.8): characters outside the
// alphabet (line breaks, junk) are skipped, decoding stops at the first '=', and a trailing
// partial byte is dropped. Never fails.
std::string base64_decode_lenient(std::string_view in);

}  // namespace posta
