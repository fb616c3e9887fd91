#include "base/hex.h"

namespace posta {

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string hex_encode(std::string_view in) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(in.size() * 2);
  for (unsigned char c : in) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

Result<std::string> hex_decode(std::string_view in) {
  if (in.size() % 2 != 0) return fail("odd number of hex digits");
  std::string out;
  out.reserve(in.size() / 2);
  for (size_t i = 0; i < in.size(); i += 2) {
    int hi = hex_digit_value(in[i]), lo = hex_digit_value(in[i + 1]);
    if (hi < 0 || lo < 0) return fail("not a hex digit");
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace posta
