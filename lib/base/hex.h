// Bytes as hexadecimal and back (binary data in environment variables), and the escapes
// that write one byte as a prefix and two hex digits (%XX, +XX, \xXX).
#pragma once
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta {

std::string hex_encode(std::string_view in);

// The value of one hex digit, either case; -1 for anything else.
int hex_digit_value(char c);

// An even number of hex digits, either case; anything else is an error.
[[nodiscard]] Result<std::string> hex_decode(std::string_view in);

enum class HexCase { kUpper, kLower };

// Appends prefix and c as two hex digits: ("%", 0x0a) gives "%0A".
void append_hex_byte(std::string& out, std::string_view prefix, unsigned char c,
                     HexCase hex_case = HexCase::kUpper);

// s with each byte for which escaped(byte) holds written as append_hex_byte does.
template <class Pred>
std::string hex_escape(std::string_view s, std::string_view prefix, Pred escaped) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (escaped(c))
      append_hex_byte(out, prefix, c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

}  // namespace posta
