#include "base/hex.h"

namespace posta {
namespace {
constexpr char kLowerDigits[] = "0123456789abcdef";
constexpr char kUpperDigits[] = "0123456789ABCDEF";
}  // namespace

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string hex_encode(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 2);
  for (unsigned char c : in) {
    out += kLowerDigits[c >> 4];
    out += kLowerDigits[c & 15];
  }
  return out;
}

void append_hex_byte(std::string& out, std::string_view prefix, unsigned char c, HexCase hex_case) {
  const char* digits = hex_case == HexCase::kUpper ? kUpperDigits : kLowerDigits;
  out.append(prefix);
  out += digits[c >> 4];
  out += digits[c & 15];
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
